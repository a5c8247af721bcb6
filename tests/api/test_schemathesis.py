"""Schemathesis against the real app served over HTTP: every operation of the OpenAPI document, no server error.

Every built-in check runs, on schema-valid and schema-violating requests, but one:
`positive_data_acceptance` wants a 2xx for every schema-valid body, and some of our 422s
judge what JSON Schema cannot say (an end date before the start date, a skill name, an
item of another team). Those 422s are api.md's "a value out of range → 4xx".
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sprintml.accounts import TokenStore
from sprintml.eventstore import PostgresEventStore
from tests.api.conftest import Client, unique_id

EXAMPLES_PER_OPERATION = 5
NOT_EXPRESSIBLE_IN_JSON_SCHEMA = [positive_data_acceptance]


@pytest.fixture(scope="module")
async def token(store: PostgresEventStore) -> str:
    """A token with every role but viewer, so the fuzzer gets past every guard."""
    _, secret = await TokenStore(store.pool).create(
        "schemathesis", ["admin", "scrum_master", "member", "bot", "planner"]
    )
    return secret


def fuzzer(operation: Any, documented: set[str], base_url: str, headers: dict[str, str]) -> Callable[[], None]:
    """A hypothesis test of one operation: a few generated requests, each checked."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy() | operation.as_strategy(GenerationMode.NEGATIVE))
    def fuzz(case: Any) -> None:
        response = case.call_and_validate(
            base_url=base_url, headers=headers, timeout=30, excluded_checks=NOT_EXPRESSIBLE_IN_JSON_SCHEMA
        )
        if 200 <= response.status_code < 300:
            # A success the document does not list means the document lies about that status.
            assert str(response.status_code) in documented, (response.status_code, sorted(documented))

    return fuzz


def test_every_check_passes_on_every_operation_with_valid_and_invalid_requests(served_url: str, token: str) -> None:
    base_url = served_url
    spec: dict[str, Any] = requests.get(f"{base_url}/schema/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(spec)
    headers = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        documented = set(spec["paths"][operation.path][operation.method.lower()]["responses"])
        try:
            fuzzer(operation, documented, base_url, headers)()
        except Exception as error:  # collect every operation's failure, then report them all
            failures[operation.label] = str(error)[:2000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


async def test_every_success_the_api_answers_is_the_status_its_openapi_document_lists(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    routes = [
        (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path, method)
        for path, operations in spec["paths"].items()
        for method in operations
    ]
    sm, member = auth["scrum_master"], auth["member"]
    team = unique_id("team")
    calls: list[tuple[str, str, Any]] = [
        ("POST", "/teams", {"id": team, "name": "Documented"}),
        ("POST", f"/teams/{team}/members", {"member_id": "ana", "name": "A", "role": "r", "hours_per_day": 6}),
        ("POST", f"/teams/{team}/members", {"member_id": "bo", "name": "B", "role": "r", "hours_per_day": 6}),
        ("DELETE", f"/teams/{team}/members/bo", None),
        ("POST", f"/teams/{team}/time-off", {"member_id": "ana", "start": "2026-12-03", "end": "2026-12-03"}),
        ("PUT", f"/teams/{team}/slack-webhook", {"webhook_url": "https://hooks.slack.com/services/T/B/x"}),
        ("POST", f"/teams/{team}/backlog", {"item_id": f"{team}-i", "title": "train"}),
        ("POST", f"/teams/{team}/backlog/{team}-i/estimates", {"votes": {"ana": 3}}),
        ("POST", f"/teams/{team}/backlog", {"item_id": f"{team}-j", "title": "eval"}),
        ("POST", f"/teams/{team}/backlog/{team}-j/estimates", {"votes": {"ana": 2}}),
        (
            "POST",
            f"/teams/{team}/sprints",
            {"sprint_id": team, "name": "S", "start_date": "2026-11-30", "end_date": "2026-12-11"},
        ),
        ("POST", f"/sprints/{team}/commitments", {"item_ids": [f"{team}-i"]}),
        ("POST", f"/sprints/{team}/start", None),
        (
            "POST",
            f"/sprints/{team}/standups",
            {"date": "2026-12-01", "entries": [{"member_id": "ana", "blockers": ["x"]}]},
        ),
        ("POST", f"/sprints/{team}/items/{team}-i/progress", {"status": "done"}),
        ("POST", f"/sprints/{team}/scope-changes", {"add": [f"{team}-j"]}),
        ("POST", f"/sprints/{team}/review", {"accepted_item_ids": [f"{team}-i"]}),
        ("POST", f"/sprints/{team}/retrospective", {"went_well": ["x"]}),
        ("POST", f"/sprints/{team}/close", None),
        ("GET", f"/sprints/{team}", None),
        ("GET", f"/teams/{team}", None),
        ("POST", f"/teams/{team}/impediments", {"impediment_id": team, "title": "quota"}),
        ("POST", f"/impediments/{team}/acknowledge", None),
        ("POST", f"/impediments/{team}/escalate", None),
        ("POST", f"/impediments/{team}/resolve", None),
        ("POST", f"/impediments/{team}/reopen", None),
        ("GET", "/events?limit=1", None),
        ("GET", f"/streams/team-{team}", None),
    ]
    undocumented = []
    for method, path, body in calls:
        headers = member if path.endswith(("/backlog", "/estimates")) else sm
        headers = auth["admin"] if path.startswith(("/events", "/streams")) else headers
        r = await client.request(method, path, json=body, headers=headers)
        assert r.is_success, (method, path, r.text)
        (template,) = [t for pattern, t, m in routes if m.upper() == method and pattern.match(path.split("?")[0])]
        if str(r.status_code) not in spec["paths"][template][method.lower()]["responses"]:
            undocumented.append((method, template, r.status_code))
    assert not undocumented
