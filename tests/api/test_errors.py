"""Every way a request can be wrong: the status, problem+json naming the field, and nothing written."""

from typing import Any

import pytest

from tests.api.conftest import Client, unique_id

Auth = dict[str, dict[str, str]]
JSON = {"content-type": "application/json"}
PROBLEM = "application/problem+json"


# -- helpers ------------------------------------------------------------------------------


async def created(client: Client, path: str, body: dict[str, Any], headers: dict[str, str]) -> str:
    r = await client.post(path, json=body, headers=headers)
    assert r.status_code in (200, 201), r.text
    entity_id: str = r.json()["id"]
    return entity_id


async def new_team(client: Client, auth: Auth, members: tuple[str, ...] = ("ana", "bo")) -> str:
    sm = auth["scrum_master"]
    team = await created(client, "/teams", {"id": unique_id("team"), "name": "Platform"}, sm)
    for member in members:
        await created(
            client,
            f"/teams/{team}/members",
            {"member_id": member, "name": member.title(), "role": "ml_engineer", "hours_per_day": 6},
            sm,
        )
    return team


async def estimated_item(client: Client, auth: Auth, team: str, points: int = 3) -> str:
    member = auth["member"]
    item = await created(client, f"/teams/{team}/backlog", {"item_id": unique_id("item"), "title": "train"}, member)
    await created(client, f"/teams/{team}/backlog/{item}/estimates", {"votes": {"ana": points}}, member)
    return item


async def planned_sprint(client: Client, auth: Auth, team: str) -> str:
    body = {"sprint_id": unique_id("s"), "name": "S1", "start_date": "2026-11-30", "end_date": "2026-12-11"}
    return await created(client, f"/teams/{team}/sprints", body, auth["scrum_master"])


async def active_sprint(client: Client, auth: Auth, team: str, items: list[str]) -> str:
    sm = auth["scrum_master"]
    sprint = await planned_sprint(client, auth, team)
    if items:
        assert (await client.post(f"/sprints/{sprint}/commitments", json={"item_ids": items}, headers=sm)).is_success
    assert (await client.post(f"/sprints/{sprint}/start", headers=sm)).is_success
    return sprint


async def version(client: Client, auth: Auth, stream_id: str) -> int:
    """The stream's version as the audit history shows it (0 when there is no such stream)."""
    r = await client.get(f"/streams/{stream_id}", headers=auth["admin"])
    if r.status_code == 404:
        return 0
    assert r.status_code == 200, r.text
    stream_version: int = r.json()["version"]
    return stream_version


def assert_problem(r: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    if field is not None:
        fields = [error["field"] for error in body.get("errors", [])]
        assert field in fields, body
    return body


# -- bodies that are not what the endpoint takes -------------------------------------------

BAD_TEAM_BODIES = [
    pytest.param({"name": 3}, "name", id="wrong type"),
    pytest.param({}, "name", id="missing field"),
    pytest.param({"name": "x" * 201}, "name", id="too long"),
    pytest.param({"name": "x", "colour": "blue"}, "colour", id="unknown field"),
    pytest.param({"id": "no spaces allowed", "name": "x"}, "id", id="id with a space"),
    pytest.param({"id": "x" * 65, "name": "x"}, "id", id="id of 65 characters"),
    pytest.param({"name": "nul\u0000inside"}, "name", id="NUL character"),
    pytest.param([{"name": "x"}], "body", id="an array"),
]


@pytest.mark.parametrize(("body", "field"), BAD_TEAM_BODIES)
async def test_create_team_rejects_an_invalid_body_naming_the_field(
    client: Client, auth: Auth, body: Any, field: str
) -> None:
    team = unique_id("team")
    if isinstance(body, dict) and "id" not in body:
        body = {"id": team, **body}
    r = await client.post("/teams", json=body, headers=auth["scrum_master"])
    assert_problem(r, 422, field)
    assert (await client.get(f"/teams/{team}", headers=auth["viewer"])).status_code == 404


async def test_malformed_json_is_a_400_problem_and_writes_nothing(client: Client, auth: Auth) -> None:
    team = unique_id("team")
    r = await client.post("/teams", content=f'{{"id": "{team}", "name": '.encode(), headers={**auth["admin"], **JSON})
    assert_problem(r, 400)
    assert await version(client, auth, f"team-{team}") == 0


async def test_a_missing_body_is_a_422_problem_on_the_body(client: Client, auth: Auth) -> None:
    r = await client.post("/teams", headers=auth["admin"])
    body = assert_problem(r, 422, "body")
    assert "'data'" not in r.text, body


async def test_a_nested_missing_field_is_named_by_its_path(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth)
    sprint = await active_sprint(client, auth, team, [])
    r = await client.post(
        f"/sprints/{sprint}/standups",
        json={"date": "2026-12-01", "entries": [{"yesterday": "a", "hat": "red"}]},
        headers=auth["scrum_master"],
    )
    body = assert_problem(r, 422)
    assert {e["field"] for e in body["errors"]} & {"entries[0].member_id", "entries[0].hat"}, body
    assert await version(client, auth, f"sprint-{sprint}") == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"hours_per_day": 25}, "hours_per_day", id="hours out of range"),
        pytest.param({"hours_per_day": "six"}, "hours_per_day", id="hours of the wrong type"),
        pytest.param({"skills": {"ml": 6}}, "skills", id="skill level out of range"),
        pytest.param({"skills": {"machine learning": 3}}, "skills", id="skill name with a space"),
        pytest.param({"role": "a\u0000b"}, "role", id="NUL in the role"),
        pytest.param({"member_id": "a/b"}, "member_id", id="bad member id"),
        pytest.param({"slack_user_id": "lowercase"}, "slack_user_id", id="bad Slack user id"),
    ],
)
async def test_add_member_rejects_an_invalid_body_and_writes_nothing(
    client: Client, auth: Auth, body: dict[str, Any], field: str
) -> None:
    team = await new_team(client, auth, members=())
    member = {"member_id": "cy", "name": "Cy", "role": "ml_engineer", "hours_per_day": 6, **body}
    r = await client.post(f"/teams/{team}/members", json=member, headers=auth["scrum_master"])
    body_ = assert_problem(r, 422)
    assert any(e["field"].startswith(field) for e in body_["errors"]), body_
    assert await version(client, auth, f"team-{team}") == 1


async def test_add_member_rejects_a_member_already_on_the_team(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth, members=("ana",))
    ana = {"member_id": "ana", "name": "Ana", "role": "ml_engineer", "hours_per_day": 6}
    r = await client.post(f"/teams/{team}/members", json=ana, headers=auth["scrum_master"])
    assert_problem(r, 409, "member_id")
    assert await version(client, auth, f"team-{team}") == 2


async def test_remove_member_answers_404_for_an_unknown_member_or_team(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth, members=())
    assert_problem(await client.delete(f"/teams/{team}/members/nobody", headers=auth["admin"]), 404, "member_id")
    assert_problem(await client.delete(f"/teams/{unique_id()}/members/ana", headers=auth["admin"]), 404)
    assert await version(client, auth, f"team-{team}") == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"member_id": "ana", "start": "2026-12-04", "end": "2026-12-03"}, 422, "end", id="end first"),
        pytest.param({"member_id": "zed", "start": "2026-12-03", "end": "2026-12-04"}, 422, "member_id", id="stranger"),
        pytest.param({"member_id": "ana", "start": "2026-13-01", "end": "2026-12-04"}, 422, "start", id="no such day"),
        pytest.param({"member_id": "ana", "start": "2026-12-03"}, 422, "end", id="no end"),
        pytest.param({"member_id": "ana", "start": "2026-12-02", "end": "2026-12-02"}, 409, "start", id="overlap"),
    ],
)
async def test_time_off_rejects_bad_dates_strangers_and_overlaps(
    client: Client, auth: Auth, body: dict[str, Any], status: int, field: str
) -> None:
    team = await new_team(client, auth, members=("ana",))
    first = {"member_id": "ana", "start": "2026-12-01", "end": "2026-12-02"}
    await created(client, f"/teams/{team}/time-off", first, auth["member"])
    r = await client.post(f"/teams/{team}/time-off", json=body, headers=auth["member"])
    assert_problem(r, status, field)
    assert await version(client, auth, f"team-{team}") == 3


async def test_team_endpoints_answer_404_for_an_unknown_team(client: Client, auth: Auth) -> None:
    team = unique_id("ghost")
    sm = auth["scrum_master"]
    ana = {"member_id": "ana", "name": "Ana", "role": "r", "hours_per_day": 6}
    assert_problem(await client.get(f"/teams/{team}", headers=sm), 404)
    assert_problem(await client.post(f"/teams/{team}/members", json=ana, headers=sm), 404)
    off = {"member_id": "ana", "start": "2026-12-01", "end": "2026-12-02"}
    assert_problem(await client.post(f"/teams/{team}/time-off", json=off, headers=sm), 404)
    assert_problem(await client.post(f"/teams/{team}/backlog", json={"title": "x"}, headers=sm), 404)
    assert_problem(await client.post(f"/teams/{team}/backlog/i/estimates", json={"votes": {"a": 1}}, headers=sm), 404)
    plan = {"name": "S", "start_date": "2026-11-30", "end_date": "2026-12-11"}
    assert_problem(await client.post(f"/teams/{team}/sprints", json=plan, headers=sm), 404)
    assert_problem(await client.post(f"/teams/{team}/impediments", json={"title": "x"}, headers=sm), 404)
    assert await version(client, auth, f"team-{team}") == 0


async def test_create_team_rejects_an_id_already_taken(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth, members=())
    r = await client.post("/teams", json={"id": team, "name": "Again"}, headers=auth["admin"])
    assert_problem(r, 409, "id")
    assert (await client.get(f"/teams/{team}", headers=auth["viewer"])).json()["name"] == "Platform"


# -- ids in paths --------------------------------------------------------------------------

BAD_PATH_IDS = [pytest.param("has%20space", id="space"), pytest.param("x" * 65, id="65 chars")]
PATHS_WITH_IDS = [
    ("GET", "/teams/{id}"),
    ("POST", "/teams/{id}/members"),
    ("DELETE", "/teams/ok/members/{id}"),
    ("POST", "/teams/{id}/time-off"),
    ("POST", "/teams/{id}/backlog"),
    ("POST", "/teams/ok/backlog/{id}/estimates"),
    ("POST", "/teams/{id}/sprints"),
    ("GET", "/sprints/{id}"),
    ("POST", "/sprints/{id}/commitments"),
    ("POST", "/sprints/{id}/start"),
    ("POST", "/sprints/{id}/standups"),
    ("POST", "/sprints/ok/items/{id}/progress"),
    ("POST", "/sprints/{id}/scope-changes"),
    ("POST", "/sprints/{id}/review"),
    ("POST", "/sprints/{id}/retrospective"),
    ("POST", "/sprints/{id}/close"),
    ("POST", "/teams/{id}/impediments"),
    ("POST", "/impediments/{id}/acknowledge"),
    ("POST", "/impediments/{id}/escalate"),
    ("POST", "/impediments/{id}/resolve"),
    ("POST", "/impediments/{id}/reopen"),
]


@pytest.mark.parametrize("bad_id", BAD_PATH_IDS)
async def test_ids_in_paths_that_break_the_pattern_are_a_422_naming_the_parameter(
    client: Client, auth: Auth, bad_id: str
) -> None:
    wrong = []
    for method, template in PATHS_WITH_IDS:
        r = await client.request(method, template.format(id=bad_id), headers=auth["scrum_master"], json={})
        body = r.json()
        fields = [e["field"] for e in body.get("errors", [])]
        if r.status_code != 422 or not any(f.endswith("_id") for f in fields):
            wrong.append((method, template, r.status_code, fields))
    assert not wrong


# -- backlog -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"title": "t", "points": -1}, "points", id="negative points"),
        pytest.param({"title": "t", "points": 1001}, "points", id="too many points"),
        pytest.param({"title": "t", "points": 2.5}, "points", id="fractional points"),
        pytest.param({"title": "t", "kind": "epic"}, "kind", id="unknown kind"),
        pytest.param({"title": ""}, "title", id="empty title"),
        pytest.param({"title": "t", "gpu_hours": -1}, "gpu_hours", id="negative GPU hours"),
        pytest.param({"title": "t", "description": "\u0000"}, "description", id="NUL in the description"),
    ],
)
async def test_add_item_rejects_an_invalid_body_and_writes_nothing(
    client: Client, auth: Auth, body: dict[str, Any], field: str
) -> None:
    team = await new_team(client, auth, members=())
    item = unique_id("item")
    r = await client.post(f"/teams/{team}/backlog", json={"item_id": item, **body}, headers=auth["member"])
    assert_problem(r, 422, field)
    assert await version(client, auth, f"item-{item}") == 0


async def test_add_item_rejects_an_item_id_already_taken(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth)
    item = await estimated_item(client, auth, team)
    r = await client.post(f"/teams/{team}/backlog", json={"item_id": item, "title": "again"}, headers=auth["member"])
    assert_problem(r, 409, "item_id")
    assert await version(client, auth, f"item-{item}") == 2


@pytest.mark.parametrize(
    ("votes", "field"),
    [
        pytest.param({}, "votes", id="no votes"),
        pytest.param({"zed": 3}, "votes.zed", id="a stranger votes"),
        pytest.param({"ana": 1001}, "votes", id="points out of range"),
        pytest.param({"ana": "five"}, "votes", id="points of the wrong type"),
    ],
)
async def test_estimate_rejects_invalid_votes_and_writes_nothing(
    client: Client, auth: Auth, votes: dict[str, Any], field: str
) -> None:
    team = await new_team(client, auth)
    item = await created(client, f"/teams/{team}/backlog", {"title": "train"}, auth["member"])
    r = await client.post(f"/teams/{team}/backlog/{item}/estimates", json={"votes": votes}, headers=auth["member"])
    body = assert_problem(r, 422)
    assert any(e["field"].startswith(field) for e in body["errors"]), body
    assert await version(client, auth, f"item-{item}") == 1


async def test_estimate_answers_404_for_an_item_of_another_team(client: Client, auth: Auth) -> None:
    team, other = await new_team(client, auth), await new_team(client, auth)
    item = await estimated_item(client, auth, other)
    r = await client.post(f"/teams/{team}/backlog/{item}/estimates", json={"votes": {"ana": 5}}, headers=auth["member"])
    assert_problem(r, 404, "item_id")
    assert await version(client, auth, f"item-{item}") == 2


# -- sprints -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"start_date": "2026-12-11", "end_date": "2026-11-30"}, "end_date", id="ends before it starts"),
        pytest.param({"focus_factor": 0}, "focus_factor", id="focus factor 0"),
        pytest.param({"focus_factor": 1.5}, "focus_factor", id="focus factor above 1"),
        pytest.param({"start_date": "30/11/2026"}, "start_date", id="not a date"),
        pytest.param({"name": None}, "name", id="null name"),
        pytest.param({"goal": "a\u0000b"}, "goal", id="NUL in the goal"),
    ],
)
async def test_plan_sprint_rejects_an_invalid_body_and_writes_nothing(
    client: Client, auth: Auth, body: dict[str, Any], field: str
) -> None:
    team = await new_team(client, auth, members=())
    sprint = unique_id("s")
    plan = {"sprint_id": sprint, "name": "S", "start_date": "2026-11-30", "end_date": "2026-12-11", **body}
    r = await client.post(f"/teams/{team}/sprints", json=plan, headers=auth["scrum_master"])
    assert_problem(r, 422, field)
    assert await version(client, auth, f"sprint-{sprint}") == 0


async def test_plan_sprint_rejects_a_sprint_id_already_taken(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth, members=())
    sprint = await planned_sprint(client, auth, team)
    plan = {"sprint_id": sprint, "name": "S", "start_date": "2026-11-30", "end_date": "2026-12-11"}
    assert_problem(await client.post(f"/teams/{team}/sprints", json=plan, headers=auth["scrum_master"]), 409)
    assert await version(client, auth, f"sprint-{sprint}") == 1


async def test_start_rejects_a_sprint_that_already_started(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth)
    sprint = await active_sprint(client, auth, team, [])
    assert_problem(await client.post(f"/sprints/{sprint}/start", headers=auth["scrum_master"]), 409)
    assert await version(client, auth, f"sprint-{sprint}") == 2


async def test_close_rejects_a_sprint_that_has_not_started(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth)
    sprint = await planned_sprint(client, auth, team)
    assert_problem(await client.post(f"/sprints/{sprint}/close", headers=auth["scrum_master"]), 409)
    assert await version(client, auth, f"sprint-{sprint}") == 1


async def test_a_closed_sprint_refuses_commitments_a_second_close_and_a_restart(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth)
    first, second = await estimated_item(client, auth, team), await estimated_item(client, auth, team)
    sprint = await active_sprint(client, auth, team, [first])
    assert (await client.post(f"/sprints/{sprint}/close", headers=sm)).status_code == 200
    closed_at = await version(client, auth, f"sprint-{sprint}")
    assert_problem(await client.post(f"/sprints/{sprint}/commitments", json={"item_ids": [second]}, headers=sm), 409)
    assert_problem(await client.post(f"/sprints/{sprint}/close", headers=sm), 409)
    assert_problem(await client.post(f"/sprints/{sprint}/start", headers=sm), 409)
    assert_problem(await client.post(f"/sprints/{sprint}/scope-changes", json={"add": [second]}, headers=sm), 409)
    progress = {"status": "done"}
    assert_problem(await client.post(f"/sprints/{sprint}/items/{first}/progress", json=progress, headers=sm), 409)
    assert await version(client, auth, f"sprint-{sprint}") == closed_at


@pytest.mark.parametrize(
    ("item_ids", "field"),
    [
        pytest.param([], "item_ids", id="none"),
        pytest.param(["nothing-here"], "item_ids[0]", id="unknown item"),
        pytest.param(["{item}", "{item}"], "item_ids[1]", id="the same item twice"),
        pytest.param(["{unestimated}"], "item_ids[0]", id="an item with no estimate"),
        pytest.param("{item}", "item_ids", id="a string, not a list"),
    ],
)
async def test_commit_rejects_items_that_cannot_be_committed(
    client: Client, auth: Auth, item_ids: Any, field: str
) -> None:
    team = await new_team(client, auth)
    ids = {
        "item": await estimated_item(client, auth, team),
        "unestimated": await created(client, f"/teams/{team}/backlog", {"title": "raw"}, auth["member"]),
    }
    sprint = await planned_sprint(client, auth, team)
    chosen = item_ids.format(**ids) if isinstance(item_ids, str) else [i.format(**ids) for i in item_ids]
    r = await client.post(f"/sprints/{sprint}/commitments", json={"item_ids": chosen}, headers=auth["scrum_master"])
    assert_problem(r, 422, field)
    assert await version(client, auth, f"sprint-{sprint}") == 1


async def test_commit_rejects_an_item_already_in_the_sprint(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth)
    item = await estimated_item(client, auth, team)
    sprint = await active_sprint(client, auth, team, [item])
    r = await client.post(f"/sprints/{sprint}/commitments", json={"item_ids": [item]}, headers=auth["scrum_master"])
    assert r.status_code in (409, 422), r.text
    assert_problem(r, r.status_code, "item_ids[0]")
    assert await version(client, auth, f"sprint-{sprint}") == 3


async def test_standups_are_refused_before_the_sprint_starts(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth)
    sprint = await planned_sprint(client, auth, team)
    standup = {"date": "2026-12-01", "entries": [{"member_id": "ana", "blockers": ["quota"]}]}
    assert_problem(await client.post(f"/sprints/{sprint}/standups", json=standup, headers=auth["bot"]), 409)
    assert await version(client, auth, f"sprint-{sprint}") == 1
    assert (await client.get(f"/teams/{team}", headers=auth["viewer"])).json()["open_impediments"] == 0


async def test_a_second_standup_on_one_date_is_refused_and_raises_no_impediment(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth)
    sprint = await active_sprint(client, auth, team, [])
    standup = {"date": "2026-12-01", "entries": [{"member_id": "ana", "blockers": ["quota"]}]}
    assert (await client.post(f"/sprints/{sprint}/standups", json=standup, headers=auth["bot"])).status_code == 201
    r = await client.post(f"/sprints/{sprint}/standups", json=standup, headers=auth["bot"])
    assert_problem(r, 409, "date")
    assert await version(client, auth, f"sprint-{sprint}") == 3
    assert (await client.get(f"/teams/{team}", headers=auth["viewer"])).json()["open_impediments"] == 1


@pytest.mark.parametrize(
    ("standup", "field"),
    [
        pytest.param({"date": "2027-01-04", "entries": [{"member_id": "ana"}]}, "date", id="after the sprint"),
        pytest.param({"date": "2026-12-01", "entries": []}, "entries", id="no entries"),
        pytest.param({"date": "2026-12-01", "entries": [{"member_id": "zed"}]}, "entries[0].member_id", id="stranger"),
        pytest.param(
            {"date": "2026-12-01", "entries": [{"member_id": "ana"}, {"member_id": "ana"}]},
            "entries[1].member_id",
            id="twice",
        ),
        pytest.param(
            {"date": "2026-12-01", "entries": [{"member_id": "ana", "blockers": [" "]}]},
            "entries[0].blockers[0]",
            id="blank blocker",
        ),
        pytest.param(
            {"date": "2026-12-01", "entries": [{"member_id": "ana", "blockers": ["x\u0000"]}]},
            "entries[0].blockers[0]",
            id="NUL in a blocker",
        ),
    ],
)
async def test_standup_rejects_an_invalid_body_and_writes_nothing(
    client: Client, auth: Auth, standup: dict[str, Any], field: str
) -> None:
    team = await new_team(client, auth)
    sprint = await active_sprint(client, auth, team, [])
    r = await client.post(f"/sprints/{sprint}/standups", json=standup, headers=auth["member"])
    assert_problem(r, 422, field)
    assert await version(client, auth, f"sprint-{sprint}") == 2
    assert (await client.get(f"/teams/{team}", headers=auth["viewer"])).json()["open_impediments"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"status": "finished"}, "status", id="unknown status"),
        pytest.param({"status": "in_progress", "remaining_points": 99}, "remaining_points", id="more than the item"),
        pytest.param({"status": "done", "remaining_points": 1}, "remaining_points", id="done with points left"),
        pytest.param({"status": "todo", "remaining_points": -1}, "remaining_points", id="negative"),
    ],
)
async def test_progress_rejects_an_invalid_body_and_writes_nothing(
    client: Client, auth: Auth, body: dict[str, Any], field: str
) -> None:
    team = await new_team(client, auth)
    item = await estimated_item(client, auth, team, points=3)
    sprint = await active_sprint(client, auth, team, [item])
    r = await client.post(f"/sprints/{sprint}/items/{item}/progress", json=body, headers=auth["member"])
    assert_problem(r, 422, field)
    assert await version(client, auth, f"sprint-{sprint}") == 3


async def test_progress_rejects_an_item_not_in_the_sprint(client: Client, auth: Auth) -> None:
    team = await new_team(client, auth)
    sprint = await active_sprint(client, auth, team, [])
    done = {"status": "done"}
    r = await client.post(f"/sprints/{sprint}/items/elsewhere/progress", json=done, headers=auth["member"])
    assert_problem(r, 422, "item_id")
    assert await version(client, auth, f"sprint-{sprint}") == 2


async def test_scope_change_rejects_nothing_to_change_and_unknown_items(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth)
    sprint = await active_sprint(client, auth, team, [])
    assert_problem(await client.post(f"/sprints/{sprint}/scope-changes", json={}, headers=sm), 422, "add")
    r = await client.post(f"/sprints/{sprint}/scope-changes", json={"remove": ["ghost"]}, headers=sm)
    assert_problem(r, 422, "remove[0]")
    r = await client.post(f"/sprints/{sprint}/scope-changes", json={"add": ["ghost"]}, headers=sm)
    assert_problem(r, 422, "add[0]")
    assert await version(client, auth, f"sprint-{sprint}") == 2


async def test_review_accepts_only_done_items_and_happens_once(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth)
    done, open_ = await estimated_item(client, auth, team), await estimated_item(client, auth, team)
    sprint = await active_sprint(client, auth, team, [done, open_])
    r = await client.post(f"/sprints/{sprint}/items/{done}/progress", json={"status": "done"}, headers=sm)
    assert r.status_code == 200, r.text
    at = await version(client, auth, f"sprint-{sprint}")
    r = await client.post(f"/sprints/{sprint}/review", json={"accepted_item_ids": [open_]}, headers=sm)
    assert_problem(r, 409, "accepted_item_ids[0]")
    r = await client.post(f"/sprints/{sprint}/review", json={"accepted_item_ids": ["ghost"]}, headers=sm)
    assert_problem(r, 422, "accepted_item_ids[0]")
    assert await version(client, auth, f"sprint-{sprint}") == at
    assert (await client.post(f"/sprints/{sprint}/review", json={"accepted_item_ids": [done]}, headers=sm)).is_success
    assert_problem(await client.post(f"/sprints/{sprint}/review", json={"accepted_item_ids": []}, headers=sm), 409)
    assert await version(client, auth, f"sprint-{sprint}") == at + 1


async def test_review_and_retrospective_are_refused_before_the_sprint_starts(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth)
    sprint = await planned_sprint(client, auth, team)
    assert_problem(await client.post(f"/sprints/{sprint}/review", json={"accepted_item_ids": []}, headers=sm), 409)
    assert_problem(await client.post(f"/sprints/{sprint}/retrospective", json={}, headers=sm), 409)
    assert await version(client, auth, f"sprint-{sprint}") == 1


async def test_retrospective_needs_owners_on_the_team_and_happens_once(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth)
    sprint = await active_sprint(client, auth, team, [])
    stranger = {"action_items": [{"title": "fix CI", "owner": "zed"}]}
    assert_problem(await client.post(f"/sprints/{sprint}/retrospective", json=stranger, headers=sm), 422)
    no_owner = {"action_items": [{"title": "fix CI"}]}
    assert_problem(
        await client.post(f"/sprints/{sprint}/retrospective", json=no_owner, headers=sm), 422, "action_items[0].owner"
    )
    assert await version(client, auth, f"sprint-{sprint}") == 2
    held = {"went_well": ["x"], "action_items": [{"title": "fix CI", "owner": "ana"}]}
    assert (await client.post(f"/sprints/{sprint}/retrospective", json=held, headers=sm)).is_success
    assert_problem(await client.post(f"/sprints/{sprint}/retrospective", json=held, headers=sm), 409)
    assert await version(client, auth, f"sprint-{sprint}") == 3


SPRINT_WRITES = [
    ("/commitments", {"item_ids": ["a"]}),
    ("/start", None),
    ("/standups", {"date": "2026-12-01", "entries": [{"member_id": "ana"}]}),
    ("/items/a/progress", {"status": "done"}),
    ("/scope-changes", {"remove": ["a"]}),
    ("/review", {"accepted_item_ids": []}),
    ("/retrospective", {}),
    ("/close", None),
]


@pytest.mark.parametrize(("suffix", "body"), SPRINT_WRITES, ids=[s for s, _ in SPRINT_WRITES])
async def test_sprint_writes_answer_404_for_an_unknown_sprint(
    client: Client, auth: Auth, suffix: str, body: dict[str, Any] | None
) -> None:
    sprint = unique_id("ghost")
    r = await client.post(f"/sprints/{sprint}{suffix}", json=body, headers=auth["scrum_master"])
    assert_problem(r, 404)
    assert_problem(await client.get(f"/sprints/{sprint}", headers=auth["viewer"]), 404)
    assert await version(client, auth, f"sprint-{sprint}") == 0


# -- impediments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"title": "t", "severity": "apocalyptic"}, "severity", id="unknown severity"),
        pytest.param({"title": " "}, "title", id="blank title"),
        pytest.param({"title": "t\u0000"}, "title", id="NUL in the title"),
        pytest.param({"title": "t", "blocked_item_ids": ["ghost"]}, "blocked_item_ids[0]", id="unknown item"),
        pytest.param({"title": "t", "blocked_item_ids": "ghost"}, "blocked_item_ids", id="not a list"),
    ],
)
async def test_raise_impediment_rejects_an_invalid_body_and_writes_nothing(
    client: Client, auth: Auth, body: dict[str, Any], field: str
) -> None:
    team = await new_team(client, auth, members=())
    impediment = unique_id("imp")
    r = await client.post(
        f"/teams/{team}/impediments", json={"impediment_id": impediment, **body}, headers=auth["member"]
    )
    assert_problem(r, 422, field)
    assert await version(client, auth, f"impediment-{impediment}") == 0


async def test_the_impediment_lifecycle_refuses_each_step_out_of_order(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth, members=())
    imp = await created(client, f"/teams/{team}/impediments", {"title": "GPU quota", "severity": "high"}, sm)
    assert_problem(await client.post(f"/impediments/{imp}/reopen", headers=sm), 409)
    assert (await client.post(f"/impediments/{imp}/acknowledge", headers=sm)).status_code == 200
    assert_problem(await client.post(f"/impediments/{imp}/acknowledge", headers=sm), 409)
    assert (await client.post(f"/impediments/{imp}/escalate", json={"reason": "a week"}, headers=sm)).is_success
    assert_problem(await client.post(f"/impediments/{imp}/escalate", headers=sm), 409)
    assert (await client.post(f"/impediments/{imp}/resolve", json={"resolution": "quota"}, headers=sm)).is_success
    assert_problem(await client.post(f"/impediments/{imp}/resolve", headers=auth["member"]), 409)
    assert_problem(await client.post(f"/impediments/{imp}/escalate", headers=sm), 409)
    assert await version(client, auth, f"impediment-{imp}") == 4
    assert (await client.post(f"/impediments/{imp}/reopen", headers=sm)).is_success
    assert (await client.post(f"/impediments/{imp}/resolve", headers=auth["member"])).is_success
    assert await version(client, auth, f"impediment-{imp}") == 6


@pytest.mark.parametrize("step", ["acknowledge", "escalate", "resolve", "reopen"])
async def test_impediment_steps_answer_404_for_an_unknown_impediment(client: Client, auth: Auth, step: str) -> None:
    imp = unique_id("ghost")
    assert_problem(await client.post(f"/impediments/{imp}/{step}", headers=auth["scrum_master"]), 404)
    assert await version(client, auth, f"impediment-{imp}") == 0


@pytest.mark.parametrize(
    ("step", "body", "field"),
    [
        ("escalate", {"reason": 3}, "reason"),
        ("escalate", {"why": "x"}, "why"),
        ("resolve", {"resolution": ["x"]}, "resolution"),
        ("resolve", {"resolution": "\u0000"}, "resolution"),
        ("reopen", {"reason": "x" * 4001}, "reason"),
    ],
)
async def test_impediment_steps_reject_an_invalid_body_and_write_nothing(
    client: Client, auth: Auth, step: str, body: dict[str, Any], field: str
) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth, members=())
    imp = await created(client, f"/teams/{team}/impediments", {"title": "GPU quota"}, sm)
    if step == "reopen":
        assert (await client.post(f"/impediments/{imp}/resolve", headers=sm)).is_success
    at = await version(client, auth, f"impediment-{imp}")
    assert_problem(await client.post(f"/impediments/{imp}/{step}", json=body, headers=sm), 422, field)
    assert await version(client, auth, f"impediment-{imp}") == at


@pytest.mark.parametrize("query", ["limit=1&limit=2", "after=cDA&after=cDE"])
async def test_a_query_parameter_given_twice_is_a_422_naming_it(client: Client, auth: Auth, query: str) -> None:
    r = await client.get(f"/events?{query}", headers=auth["admin"])
    assert_problem(r, 422, query.split("=")[0])
