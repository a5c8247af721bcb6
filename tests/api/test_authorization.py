"""The authorisation matrix: every endpoint of api.md the app serves by every role, and no or a bad token."""

from typing import Any

import pytest

from sprintml.accounts import ROLES
from tests.api.conftest import Client, unique_id

Auth = dict[str, dict[str, str]]
ANY_ROLE = frozenset(ROLES)
ANY_BUT_VIEWER = ANY_ROLE - {"viewer"}
TEAM_ADMIN = frozenset({"admin", "scrum_master"})
SCRUM_MASTER = frozenset({"scrum_master"})
SM_OR_MEMBER = frozenset({"scrum_master", "member"})
PLANNER = frozenset({"planner"})

# api.md's endpoint table: method, path (placeholders filled from the `world` fixture), who, a body.
ENDPOINTS: list[tuple[str, str, frozenset[str], Any]] = [
    ("POST", "/teams", TEAM_ADMIN, {"name": "Matrix"}),
    ("GET", "/teams/{team_id}", ANY_ROLE, None),
    (
        "POST",
        "/teams/{team_id}/members",
        TEAM_ADMIN,
        {"member_id": "{new_id}", "name": "New", "role": "ml_engineer", "hours_per_day": 6},
    ),
    ("DELETE", "/teams/{team_id}/members/{member_id}", TEAM_ADMIN, None),
    ("POST", "/teams/{team_id}/time-off", SM_OR_MEMBER, {"member_id": "ana", "start": "{day}", "end": "{day}"}),
    ("GET", "/teams/{team_id}/capacity?sprint_id={sprint_id}", ANY_ROLE, None),
    ("GET", "/teams/{team_id}/velocity", ANY_ROLE, None),
    ("GET", "/teams/{team_id}/forecast?items={item_id}", ANY_ROLE, None),
    ("POST", "/teams/{team_id}/backlog", SM_OR_MEMBER, {"title": "matrix item"}),
    ("POST", "/teams/{team_id}/backlog/{item_id}/estimates", SM_OR_MEMBER, {"votes": {"ana": 3}}),
    (
        "POST",
        "/teams/{team_id}/sprints",
        SCRUM_MASTER,
        {"name": "S", "start_date": "2026-11-30", "end_date": "2026-12-11"},
    ),
    ("GET", "/sprints/{sprint_id}", ANY_ROLE, None),
    ("POST", "/sprints/{sprint_id}/commitments", SCRUM_MASTER, {"item_ids": ["{item_id}"]}),
    ("POST", "/sprints/{sprint_id}/start", SCRUM_MASTER, None),
    (
        "POST",
        "/sprints/{sprint_id}/standups",
        frozenset({"scrum_master", "member", "bot"}),
        {"date": "{day}", "entries": [{"member_id": "ana"}]},
    ),
    ("POST", "/sprints/{sprint_id}/items/{item_id}/progress", SM_OR_MEMBER, {"status": "in_progress"}),
    ("POST", "/sprints/{sprint_id}/scope-changes", SCRUM_MASTER, {"remove": ["{item_id}"]}),
    ("POST", "/sprints/{sprint_id}/review", SCRUM_MASTER, {"accepted_item_ids": []}),
    ("POST", "/sprints/{sprint_id}/retrospective", SCRUM_MASTER, {"went_well": ["matrix"]}),
    ("POST", "/sprints/{sprint_id}/close", SCRUM_MASTER, None),
    ("GET", "/sprints/{sprint_id}/burndown", ANY_ROLE, None),
    ("POST", "/teams/{team_id}/impediments", ANY_BUT_VIEWER, {"title": "matrix", "severity": "low"}),
    ("GET", "/teams/{team_id}/impediments?status=open", ANY_ROLE, None),
    ("POST", "/impediments/{impediment_id}/acknowledge", SCRUM_MASTER, None),
    ("POST", "/impediments/{impediment_id}/escalate", SCRUM_MASTER, None),
    ("POST", "/impediments/{impediment_id}/resolve", SM_OR_MEMBER, None),
    ("POST", "/impediments/{impediment_id}/reopen", SCRUM_MASTER, None),
    ("POST", "/allocations/solve", PLANNER, {}),
    ("POST", "/allocation-plans", PLANNER, {}),
    ("GET", "/allocation-plans/{plan_id}", ANY_ROLE, None),
    ("POST", "/allocation-plans/{plan_id}/approve", PLANNER, None),
    ("GET", "/allocations/current", ANY_ROLE, None),
    ("GET", "/events?limit=1", frozenset({"admin", "bot"}), None),
    ("GET", "/streams/team-{team_id}", TEAM_ADMIN, None),
]


def endpoint_id(endpoint: tuple[str, str, frozenset[str], Any]) -> str:
    return f"{endpoint[0]} {endpoint[1].split('?')[0]}"


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {fill(k, ids): fill(v, ids) for k, v in value.items()}
    return value


def openapi_path(path: str) -> str:
    """`/teams/{team_id}/members?x=1` → the OpenAPI key it matches, `/teams/{team_id}/members`."""
    route = path.split("?")[0]
    return route.replace("team-{team_id}", "{stream_id}")


@pytest.fixture(scope="module")
async def served(client: Client) -> set[tuple[str, str]]:
    """(method, path) of every operation in the app's OpenAPI document."""
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    return {(method.upper(), path) for path, ops in r.json()["paths"].items() for method in ops}


@pytest.fixture(scope="module")
async def world(client: Client, auth: Auth) -> dict[str, str]:
    """A team with members, an estimated item, a planned sprint and an open impediment."""
    sm, member = auth["scrum_master"], auth["member"]
    team = unique_id("team")
    assert (await client.post("/teams", json={"id": team, "name": "Matrix"}, headers=sm)).status_code == 201
    for m in ("ana", "leaver"):
        body = {"member_id": m, "name": m, "role": "ml_engineer", "hours_per_day": 6}
        assert (await client.post(f"/teams/{team}/members", json=body, headers=sm)).status_code == 201
    r = await client.post(f"/teams/{team}/backlog", json={"title": "baseline"}, headers=member)
    item = r.json()["id"]
    r = await client.post(f"/teams/{team}/backlog/{item}/estimates", json={"votes": {"ana": 3}}, headers=member)
    assert r.status_code == 201, r.text
    plan = {"name": "S", "start_date": "2026-11-30", "end_date": "2026-12-11"}
    sprint = (await client.post(f"/teams/{team}/sprints", json=plan, headers=sm)).json()["id"]
    impediment = (await client.post(f"/teams/{team}/impediments", json={"title": "quota"}, headers=sm)).json()["id"]
    return {
        "team_id": team,
        "item_id": item,
        "sprint_id": sprint,
        "impediment_id": impediment,
        "member_id": "leaver",
        "plan_id": unique_id("plan"),
        "day": "2026-12-01",
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[endpoint_id(e) for e in ENDPOINTS])
async def test_each_role_is_refused_exactly_where_api_md_leaves_it_out(
    client: Client,
    auth: Auth,
    world: dict[str, str],
    served: set[tuple[str, str]],
    endpoint: tuple[str, str, frozenset[str], Any],
) -> None:
    method, template, allowed, body = endpoint
    if (method, openapi_path(template)) not in served:
        pytest.skip(f"the app does not serve {method} {openapi_path(template)} yet")
    wrong = []
    for role in ROLES:
        ids = {**world, "new_id": unique_id("m")}
        r = await client.request(method, fill(template, ids), json=fill(body, ids), headers=auth[role])
        expected_refusal = role not in allowed
        refused = r.status_code == 403
        if r.status_code >= 500 or r.status_code == 401 or refused != expected_refusal:
            wrong.append((role, r.status_code, r.text[:200]))
        if refused:
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["status"] == 403
    assert not wrong, f"{method} {template} (who: {sorted(allowed)})"


async def versions(client: Client, auth: Auth, world: dict[str, str]) -> list[int]:
    """The versions of the world's streams, as its audit history shows them."""
    streams = [f"team-{world['team_id']}", f"sprint-{world['sprint_id']}", f"impediment-{world['impediment_id']}"]
    return [(await client.get(f"/streams/{s}", headers=auth["admin"])).json()["version"] for s in streams]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[endpoint_id(e) for e in ENDPOINTS])
async def test_no_token_or_a_bad_token_is_a_401_and_writes_nothing(
    client: Client,
    auth: Auth,
    world: dict[str, str],
    served: set[tuple[str, str]],
    endpoint: tuple[str, str, frozenset[str], Any],
) -> None:
    method, template, _, body = endpoint
    if (method, openapi_path(template)) not in served:
        pytest.skip(f"the app does not serve {method} {openapi_path(template)} yet")
    before = await versions(client, auth, world)
    ids = {**world, "new_id": unique_id("m")}
    bad_tokens: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer smt_nope_nope"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": auth["admin"]["Authorization"] + "x"},
    ]
    for headers in bad_tokens:
        r = await client.request(method, fill(template, ids), json=fill(body, ids), headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert await versions(client, auth, world) == before


async def test_every_operation_but_probes_schema_and_slack_needs_a_token(client: Client) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    public = ("/health", "/ready", "/metrics", "/schema", "/integrations/slack")
    open_doors = []
    for path, operations in spec["paths"].items():
        if path.startswith(public):
            continue
        concrete = path.replace("{", "").replace("}", "")
        for method in operations:
            r = await client.request(method.upper(), concrete, json={})
            if r.status_code != 401:
                open_doors.append((method, path, r.status_code))
    assert not open_doors


async def test_every_operation_documents_its_failures_as_problem_json(client: Client) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    public = ("/health", "/ready", "/metrics", "/schema", "/integrations/slack")
    undocumented = []
    for path, operations in spec["paths"].items():
        if path.startswith(public):
            continue
        for method, operation in operations.items():
            for status in ("401", "403"):
                content = operation["responses"].get(status, {}).get("content", {})
                if "application/problem+json" not in content:
                    undocumented.append((method, path, status))
            for status, response in operation["responses"].items():
                if status.startswith("4") and set(response.get("content", {})) != {"application/problem+json"}:
                    undocumented.append((method, path, status))
    assert not undocumented
