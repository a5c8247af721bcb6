"""The OpenAPI document's examples: one per body, true to its Struct, to the served schema and to the API."""

import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs  # schemathesis's own validator: what it accepts, schemathesis accepts
import msgspec
import pytest

from sprintml.api import examples
from sprintml.api.examples import EXAMPLES
from sprintml.domain.catalog import EVENT_CLASSES
from tests.api.conftest import Client, unique_id

# Ids the examples share with every database: a test gives each its own copy.
GLOBAL_IDS = ("vision", "vision-s14", "vision-imp-7", "VIS-101", "VIS-102", "VIS-103", "VIS-104")


def as_json(value: Any) -> Any:
    """The value as a client reads it from the served document."""
    return json.loads(json.dumps(value))


def rebased(value: Any, ids: dict[str, str]) -> Any:
    """`value` with every string that is one of `ids` replaced by its new id."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [rebased(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: rebased(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize(("struct", "example"), EXAMPLES.items(), ids=[struct.__name__ for struct in EXAMPLES])
def test_every_example_decodes_into_its_struct_and_encodes_back_unchanged(
    struct: type[msgspec.Struct], example: dict[str, Any]
) -> None:
    # Strict decoding fails on a renamed or retyped field; encoding back fails on a field the
    # example lacks or the Struct no longer has, so every example shows the whole body.
    assert msgspec.to_builtins(msgspec.convert(example, struct)) == example


@pytest.mark.parametrize("event", examples.STREAM_HISTORY["events"], ids=lambda event: event["type"])
def test_every_example_event_is_a_stored_event_of_its_type(event: dict[str, Any]) -> None:
    stored = msgspec.convert(event["data"], EVENT_CLASSES[event["type"]])
    assert msgspec.to_builtins(stored) == event["data"]


def _media_types(operation: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every JSON body of an operation that has a schema, named `request` or by its status."""
    bodies = [("request", operation["requestBody"])] if "requestBody" in operation else []
    bodies += list(operation["responses"].items())
    for name, body in bodies:
        for media_type, content in body.get("content", {}).items():
            # An empty schema (`{}`, Slack's replies) says nothing an example could illustrate.
            if "json" in media_type and content.get("schema"):
                yield f"{name} {media_type}", content


def _has_example(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    if schema.get("examples"):
        return True
    if "$ref" in schema:
        return _has_example(components[schema["$ref"].removeprefix("#/components/schemas/")], components)
    # An optional body (`Reason | None`): each branch that is not null shows its example.
    branches = [branch for branch in schema.get("oneOf", schema.get("anyOf", [])) if branch != {"type": "null"}]
    return bool(branches) and all(_has_example(branch, components) for branch in branches)


def _schemas_with_examples(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list):
            yield node
        for key, value in node.items():
            if key != "examples":
                yield from _schemas_with_examples(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas_with_examples(value)


async def test_the_openapi_document_shows_an_example_of_every_body(client: Client) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    components = spec["components"]["schemas"]
    without = [
        f"{method.upper()} {path} {name}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        for name, content in _media_types(operation)
        if not (content.get("example") or content.get("examples") or _has_example(content["schema"], components))
    ]
    assert not without, "bodies without an example: add one to sprintml.api.examples.EXAMPLES"


async def test_the_document_serves_each_example_on_its_component(client: Client) -> None:
    components = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    for struct, example in EXAMPLES.items():
        served = [schema.get("examples") for schema in components.values() if schema.get("title") == struct.__name__]
        assert [as_json(example)] in served, struct.__name__


async def test_every_example_in_the_document_is_valid_against_its_own_schema(client: Client) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    # Schemas $ref components; each is checked with them in reach, as OpenAPI 3.1's JSON Schema 2020-12.
    invalid = []
    for schema in _schemas_with_examples({"paths": spec["paths"], "components": spec["components"]}):
        validator = jsonschema_rs.Draft202012Validator({**schema, "components": spec["components"]})
        invalid += [
            (schema.get("title"), error.message)
            for example in schema["examples"]
            for error in validator.iter_errors(example)
        ]
    assert not invalid


async def test_every_request_example_is_accepted_by_the_api_in_the_order_of_a_sprint(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    # The examples' own ids, made unique so this runs on any database, any number of times.
    suffix = unique_id("")
    ids = {old: f"{old}-{suffix}" for old in GLOBAL_IDS}
    team, sprint, impediment = ids["vision"], ids["vision-s14"], ids["vision-imp-7"]
    sm, member = auth["scrum_master"], auth["member"]

    async def accepted(method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]) -> Any:
        r = await client.request(method, path, json=rebased(body, ids), headers=headers)
        assert r.is_success, (method, path, r.status_code, r.text)
        return r.json()

    await accepted("POST", "/teams", examples.CREATE_TEAM, sm)
    for joining in examples.MEMBERS:  # ADD_MEMBER first
        await accepted("POST", f"/teams/{team}/members", joining, sm)
    await accepted("POST", f"/teams/{team}/time-off", examples.SCHEDULE_TIME_OFF, member)
    await accepted("PUT", f"/teams/{team}/slack-webhook", examples.REGISTER_SLACK_WEBHOOK, sm)
    await accepted("POST", f"/teams/{team}/backlog", examples.ADD_BACKLOG_ITEM, member)
    for item_id, points in (("VIS-102", 5), ("VIS-103", 3), ("VIS-104", 2)):
        await accepted(
            "POST", f"/teams/{team}/backlog", {"item_id": item_id, "title": item_id, "points": points}, member
        )
    estimated = await accepted("POST", f"/teams/{team}/backlog/{ids['VIS-101']}/estimates", examples.ESTIMATE, member)
    assert estimated["consensus_points"] == examples.ESTIMATED["consensus_points"]

    await accepted("POST", f"/teams/{team}/sprints", examples.PLAN_SPRINT, sm)
    committed = await accepted("POST", f"/sprints/{sprint}/commitments", examples.COMMIT, sm)
    assert committed["committed_points"] == examples.COMMITTED["committed_points"]
    await accepted("POST", f"/sprints/{sprint}/start", None, sm)
    standup = await accepted("POST", f"/sprints/{sprint}/standups", examples.RECORD_STANDUP, auth["bot"])
    assert len(standup["impediment_ids"]) == len(examples.STANDUP_RECORDED["impediment_ids"])
    await accepted("POST", f"/sprints/{sprint}/items/{ids['VIS-101']}/progress", examples.PROGRESS, member)
    await accepted("POST", f"/sprints/{sprint}/scope-changes", examples.CHANGE_SCOPE, sm)
    board = await accepted("GET", f"/sprints/{sprint}", None, sm)
    assert board["items"] == rebased(examples.SPRINT_VIEW["items"], ids)
    assert board["committed_points"] == examples.SPRINT_VIEW["committed_points"]
    await accepted("POST", f"/sprints/{sprint}/items/{ids['VIS-102']}/progress", {"status": "done"}, member)
    await accepted("POST", f"/sprints/{sprint}/review", examples.REVIEW, sm)
    await accepted("POST", f"/sprints/{sprint}/retrospective", examples.RETROSPECTIVE, sm)

    await accepted("POST", f"/teams/{team}/impediments", examples.RAISE_IMPEDIMENT, member)
    await accepted("POST", f"/impediments/{impediment}/acknowledge", None, sm)
    await accepted("POST", f"/impediments/{impediment}/escalate", examples.REASON, sm)
    await accepted("POST", f"/impediments/{impediment}/resolve", examples.RESOLVE, member)
    await accepted("POST", f"/impediments/{impediment}/reopen", examples.REASON, sm)
    await accepted("POST", f"/sprints/{sprint}/close", None, sm)

    result = await accepted("POST", "/allocations/solve", examples.ALLOCATION_REQUEST, auth["planner"])
    # Equally good plans may split hours differently; the objective values are the solver's contract.
    assert result["objective"] == examples.ALLOCATION_RESULT["objective"]
    assert [p["funded"] for p in result["projects"]] == [p["funded"] for p in examples.ALLOCATION_RESULT["projects"]]
