"""The projection-served reads on the real app: a scrum master's figures, read-your-writes, 404s and bad parameters.

The clock is frozen (writes stamp their events with it, reads measure age and "today" by it), so every
figure below is worked out by hand from the calendar of late 2026: 30 Nov and 7 Dec are Mondays.
"""

import base64
from typing import Any

import msgspec
import pytest

from sprintml.api import reads
from sprintml.eventstore import PostgresEventStore
from tests.api.conftest import Client, Clock, unique_id
from tests.api.test_errors import assert_problem

Auth = dict[str, dict[str, str]]


async def post(client: Client, path: str, body: Any, headers: dict[str, str], status: int = 201) -> dict[str, Any]:
    r = await client.post(path, json=body, headers=headers)
    assert r.status_code == status, r.text
    reply: dict[str, Any] = r.json()
    return reply


async def get(client: Client, path: str, auth: Auth, status: int = 200) -> Any:
    r = await client.get(path, headers=auth["viewer"])
    assert r.status_code == status, r.text
    return r.json()


async def team_with(client: Client, auth: Auth, hours: dict[str, float]) -> str:
    sm = auth["scrum_master"]
    team = (await post(client, "/teams", {"id": unique_id("team"), "name": "Vision"}, sm))["id"]
    for member, per_day in hours.items():
        body = {"member_id": member, "name": member.title(), "role": "ml_engineer", "hours_per_day": per_day}
        await post(client, f"/teams/{team}/members", body, sm)
    return str(team)


async def item(client: Client, auth: Auth, team: str, points: int | None) -> str:
    body: dict[str, Any] = {"item_id": unique_id("item"), "title": "train the ranker"}
    if points is not None:
        body["points"] = points
    return str((await post(client, f"/teams/{team}/backlog", body, auth["member"]))["id"])


async def sprint(client: Client, auth: Auth, team: str, start: str, end: str, items: list[str]) -> str:
    sm = auth["scrum_master"]
    body = {"sprint_id": unique_id("s"), "name": "S", "start_date": start, "end_date": end}
    sprint_id = str((await post(client, f"/teams/{team}/sprints", body, sm))["id"])
    if items:
        await post(client, f"/sprints/{sprint_id}/commitments", {"item_ids": items}, sm, 200)
    return sprint_id


async def progress(client: Client, auth: Auth, sprint_id: str, item_id: str, status: str, left: int | None) -> None:
    body: dict[str, Any] = {"status": status}
    if left is not None:
        body["remaining_points"] = left
    await post(client, f"/sprints/{sprint_id}/items/{item_id}/progress", body, auth["member"], 200)


# -- capacity ----------------------------------------------------------------------------------


async def test_capacity_counts_working_days_time_off_and_a_member_who_left(
    client: Client, auth: Auth, clock: Clock
) -> None:
    sm = auth["scrum_master"]
    clock.set("2026-11-25T09:00")
    team = await team_with(client, auth, {"ana": 6, "bo": 8, "cy": 4})
    s = await sprint(client, auth, team, "2026-11-30", "2026-12-11", [])
    # Thursday and Friday; then Saturday to Monday, of which only the Monday is a working day.
    await post(client, f"/teams/{team}/time-off", {"member_id": "ana", "start": "2026-12-03", "end": "2026-12-04"}, sm)
    await post(client, f"/teams/{team}/time-off", {"member_id": "bo", "start": "2026-12-05", "end": "2026-12-07"}, sm)

    view = await get(client, f"/teams/{team}/capacity?sprint_id={s}", auth)

    assert view == {
        "sprint_id": s,
        "members": [
            {"member_id": "ana", "working_days": 10, "time_off_days": 2, "hours": 38.4},  # 8 d x 6 h x 0.8
            {"member_id": "bo", "working_days": 10, "time_off_days": 1, "hours": 57.6},  # 9 d x 8 h x 0.8
            {"member_id": "cy", "working_days": 10, "time_off_days": 0, "hours": 32.0},  # 10 d x 4 h x 0.8
        ],
        "total_hours": 128.0,
        "focus_factor": 0.8,
        "points": None,  # no closed sprint yet: no points per hour
    }

    # Cy leaves on Wednesday 9 Dec: counted up to Tuesday, 7 working days.
    clock.set("2026-12-09T12:00")
    r = await client.delete(f"/teams/{team}/members/cy", headers=sm)
    assert r.status_code == 200, r.text
    view = await get(client, f"/teams/{team}/capacity?sprint_id={s}", auth)
    assert view["members"][2] == {"member_id": "cy", "working_days": 7, "time_off_days": 0, "hours": 22.4}
    assert view["total_hours"] == 118.4


async def test_capacity_shows_time_off_scheduled_just_before(client: Client, auth: Auth, clock: Clock) -> None:
    clock.set("2026-11-25T09:00")
    team = await team_with(client, auth, {"ana": 5})
    s = await sprint(client, auth, team, "2026-11-30", "2026-12-04", [])
    assert (await get(client, f"/teams/{team}/capacity?sprint_id={s}", auth))["total_hours"] == 20.0
    off = {"member_id": "ana", "start": "2026-12-01", "end": "2026-12-01"}
    await post(client, f"/teams/{team}/time-off", off, auth["member"])
    view = await get(client, f"/teams/{team}/capacity?sprint_id={s}", auth)
    assert view["members"] == [{"member_id": "ana", "working_days": 5, "time_off_days": 1, "hours": 16.0}]


async def test_capacity_refuses_a_missing_unknown_or_foreign_sprint_and_an_unknown_team(
    client: Client, auth: Auth
) -> None:
    team, other = await team_with(client, auth, {"ana": 6}), await team_with(client, auth, {"bo": 6})
    theirs = await sprint(client, auth, other, "2026-11-30", "2026-12-11", [])
    viewer = auth["viewer"]
    assert_problem(await client.get(f"/teams/{team}/capacity", headers=viewer), 422, "sprint_id")
    assert_problem(await client.get(f"/teams/{team}/capacity?sprint_id=a%20b", headers=viewer), 422, "sprint_id")
    assert_problem(
        await client.get(f"/teams/{team}/capacity?sprint_id={unique_id()}", headers=viewer), 404, "sprint_id"
    )
    assert_problem(await client.get(f"/teams/{team}/capacity?sprint_id={theirs}", headers=viewer), 404, "sprint_id")
    ghost = unique_id("ghost")
    assert_problem(await client.get(f"/teams/{ghost}/capacity?sprint_id={theirs}", headers=viewer), 404, "team_id")


# -- velocity, capacity in points, forecast ------------------------------------------------------


async def test_velocity_capacity_points_and_forecast_follow_the_closed_sprints(
    client: Client, auth: Auth, clock: Clock
) -> None:
    sm = auth["scrum_master"]
    clock.set("2026-10-28T09:00")
    team = await team_with(client, auth, {"ana": 6})  # 10 days x 6 h x 0.8 = 48 h a sprint
    a, b, c, d = [await item(client, auth, team, points) for points in (5, 3, 2, 5)]
    assert await get(client, f"/teams/{team}/velocity", auth) == {"sprints": [], "average": None}

    # Sprint 1 commits 10 points and finishes 8; c goes back to the backlog.
    s1 = await sprint(client, auth, team, "2026-11-02", "2026-11-13", [a, b, c])
    await post(client, f"/sprints/{s1}/start", None, sm, 200)
    for done in (a, b):
        await progress(client, auth, s1, done, "done", None)
    await post(client, f"/sprints/{s1}/close", None, sm, 200)
    first = {"sprint_id": s1, "committed_points": 10, "completed_points": 8, "capacity_hours": 48.0}
    assert await get(client, f"/teams/{team}/velocity", auth) == {"sprints": [first], "average": 8.0}

    # Sprint 2 commits c and d, 7 points, and finishes both.
    s2 = await sprint(client, auth, team, "2026-11-16", "2026-11-27", [c, d])
    await post(client, f"/sprints/{s2}/start", None, sm, 200)
    for done in (c, d):
        await progress(client, auth, s2, done, "done", None)
    await post(client, f"/sprints/{s2}/close", None, sm, 200)
    second = {"sprint_id": s2, "committed_points": 7, "completed_points": 7, "capacity_hours": 48.0}
    assert await get(client, f"/teams/{team}/velocity", auth) == {"sprints": [first, second], "average": 7.5}

    # 15 points in 96 hours: the next 48 h sprint holds 7.5 points.
    s3 = await sprint(client, auth, team, "2026-11-30", "2026-12-11", [])
    capacity = await get(client, f"/teams/{team}/capacity?sprint_id={s3}", auth)
    assert (capacity["total_hours"], capacity["points"]) == (48.0, 7.5)

    # 15 points from velocities {8, 7}: two sprints unless both draws are 7 (one future in four).
    e, f = await item(client, auth, team, 13), await item(client, auth, team, 2)
    result = await get(client, f"/teams/{team}/forecast?items={e},{f}", auth)
    assert result == {"p50": 2, "p85": 3, "p95": 3, "samples": 10_000}
    # 14 points: any two sprints do it.
    await post(client, f"/sprints/{s3}/commitments", {"item_ids": [e]}, sm, 200)
    await post(client, f"/sprints/{s3}/start", None, sm, 200)
    await progress(client, auth, s3, e, "in_progress", 12)
    result = await get(client, f"/teams/{team}/forecast?items={e},{f}", auth)
    assert result == {"p50": 2, "p85": 2, "p95": 2, "samples": 10_000}
    # A done item needs nothing, and any one sprint does 2 points.
    await progress(client, auth, s3, e, "done", None)
    result = await get(client, f"/teams/{team}/forecast?items={e},{f}", auth)
    assert result == {"p50": 1, "p85": 1, "p95": 1, "samples": 10_000}

    seeded = f"/teams/{team}/forecast?items={a},{e},{f},{c}&seed=7&samples=25"
    assert await get(client, seeded, auth) == await get(client, seeded, auth)
    assert (await get(client, seeded, auth))["samples"] == 25


async def test_forecast_refuses_what_it_cannot_forecast(client: Client, auth: Auth) -> None:
    team = await team_with(client, auth, {"ana": 6})
    estimated, unestimated = await item(client, auth, team, 3), await item(client, auth, team, None)
    viewer = auth["viewer"]

    def forecast(query: str) -> str:
        return f"/teams/{team}/forecast?{query}"

    assert_problem(await client.get(forecast(f"items={estimated}"), headers=viewer), 409)  # no velocity yet
    assert_problem(await client.get(forecast(f"items={unestimated}"), headers=viewer), 422, "items")
    assert_problem(await client.get(forecast(f"items={unique_id()}"), headers=viewer), 404, "items")
    for bad in ("items=", f"items={estimated},,x", "items=a%20b", "", f"items={estimated}&samples=0"):
        r = await client.get(forecast(bad), headers=viewer)
        assert r.status_code == 422, (bad, r.text)
    assert_problem(await client.get(forecast(f"items={estimated}&samples=10001"), headers=viewer), 422, "samples")
    assert_problem(await client.get(forecast(f"items={estimated}&seed=-1"), headers=viewer), 422, "seed")
    too_many = ",".join(["x"] * 501)
    assert_problem(await client.get(forecast(f"items={too_many}"), headers=viewer), 422, "items")
    ghost = unique_id("ghost")
    assert_problem(await client.get(f"/teams/{ghost}/forecast?items=x", headers=viewer), 404, "team_id")


async def test_velocity_answers_404_for_an_unknown_team(client: Client, auth: Auth) -> None:
    assert_problem(await client.get(f"/teams/{unique_id('ghost')}/velocity", headers=auth["viewer"]), 404, "team_id")


# -- burndown ----------------------------------------------------------------------------------


async def test_burndown_follows_progress_and_scope_day_by_day(client: Client, auth: Auth, clock: Clock) -> None:
    sm = auth["scrum_master"]
    clock.set("2026-11-25T09:00")
    team = await team_with(client, auth, {"ana": 6})
    a, b, c = await item(client, auth, team, 5), await item(client, auth, team, 3), await item(client, auth, team, 5)
    s = await sprint(client, auth, team, "2026-11-30", "2026-12-11", [a, b])
    # 8 points down to 0 over 10 working days: 8/9 a day.
    ideal = [8.0, 7.11, 6.22, 5.33, 4.44, 3.56, 2.67, 1.78, 0.89, 0.0]
    dates = [f"2026-11-{day}" for day in (30,)] + [f"2026-12-{day:02}" for day in (1, 2, 3, 4, 7, 8, 9, 10, 11)]

    def expected(actual: list[float]) -> dict[str, Any]:
        padded = actual + [None] * (len(dates) - len(actual))
        return {"days": [{"date": d, "ideal": i, "actual": x} for d, i, x in zip(dates, ideal, padded, strict=True)]}

    assert await get(client, f"/sprints/{s}/burndown", auth) == expected([])  # nothing has ended yet

    clock.set("2026-11-30T09:00")
    await post(client, f"/sprints/{s}/start", None, sm, 200)
    clock.set("2026-12-02T10:00")
    await progress(client, auth, s, a, "in_progress", 2)
    assert await get(client, f"/sprints/{s}/burndown", auth) == expected([8.0, 8.0, 5.0])

    # Scope added mid-sprint raises the actual line, never the ideal one.
    await post(client, f"/sprints/{s}/scope-changes", {"add": [c]}, sm, 200)
    assert await get(client, f"/sprints/{s}/burndown", auth) == expected([8.0, 8.0, 10.0])

    clock.set("2026-12-03T16:00")
    await progress(client, auth, s, b, "done", None)
    assert await get(client, f"/sprints/{s}/burndown", auth) == expected([8.0, 8.0, 10.0, 7.0])


async def test_burndown_answers_404_for_an_unknown_sprint(client: Client, auth: Auth) -> None:
    ghost = unique_id("ghost")
    assert_problem(await client.get(f"/sprints/{ghost}/burndown", headers=auth["viewer"]), 404, "sprint_id")


# -- impediment board --------------------------------------------------------------------------


async def test_impediment_board_orders_by_severity_with_age_sla_and_pages(
    client: Client, auth: Auth, clock: Clock
) -> None:
    sm, member = auth["scrum_master"], auth["member"]
    clock.set("2026-11-25T09:00")
    team = await team_with(client, auth, {"ana": 6})
    s = await sprint(client, auth, team, "2026-11-30", "2026-12-11", [])
    await post(client, f"/sprints/{s}/start", None, sm, 200)

    def raise_(title: str, severity: str) -> dict[str, Any]:
        return {"impediment_id": unique_id("imp"), "title": title, "severity": severity}

    clock.set("2026-12-01T09:00")
    quota = (await post(client, f"/teams/{team}/impediments", raise_("GPU quota", "critical"), member))["id"]
    clock.set("2026-12-01T10:00")
    flaky = (await post(client, f"/teams/{team}/impediments", raise_("flaky eval", "low"), member))["id"]
    clock.set("2026-12-01T11:00")
    access = (await post(client, f"/teams/{team}/impediments", raise_("data access", "high"), member))["id"]
    clock.set("2026-12-01T12:00")
    standup = {"date": "2026-12-01", "entries": [{"member_id": "ana", "blockers": ["VPN down"]}]}
    (vpn,) = (await post(client, f"/sprints/{s}/standups", standup, member))["impediment_ids"]

    clock.set("2026-12-01T15:00")
    board = await get(client, f"/teams/{team}/impediments?status=open", auth)
    rows = [
        {k: row[k] for k in ("impediment_id", "title", "severity", "status", "source", "age_hours", "sla_state")}
        for row in board["items"]
    ]
    assert rows == [
        {
            "impediment_id": quota,
            "title": "GPU quota",
            "severity": "critical",
            "status": "open",
            "source": "api",
            "age_hours": 6.0,
            "sla_state": "breached",  # critical: 4 h
        },
        {
            "impediment_id": access,
            "title": "data access",
            "severity": "high",
            "status": "open",
            "source": "api",
            "age_hours": 4.0,
            "sla_state": "ok",
        },
        {
            "impediment_id": vpn,
            "title": "VPN down",
            "severity": "medium",
            "status": "open",
            "source": "standup",
            "age_hours": 3.0,
            "sla_state": "ok",
        },
        {
            "impediment_id": flaky,
            "title": "flaky eval",
            "severity": "low",
            "status": "open",
            "source": "api",
            "age_hours": 5.0,
            "sla_state": "ok",
        },
    ]
    assert board["items"][0]["sla_due_at"] == "2026-12-01T13:00:00Z"
    assert board["open_by_severity"] == {"critical": 1, "high": 1, "medium": 1, "low": 1}
    assert board["next"] is None

    # Resolved at 15:00, two hours past its SLA: off the open board at once, on the resolved one.
    await post(client, f"/impediments/{quota}/resolve", {"resolution": "quota raised"}, sm, 200)
    board = await get(client, f"/teams/{team}/impediments", auth)
    assert [row["impediment_id"] for row in board["items"]] == [access, vpn, flaky]
    resolved = (await get(client, f"/teams/{team}/impediments?status=resolved", auth))["items"]
    assert [(r["impediment_id"], r["time_to_resolve_hours"], r["sla_state"]) for r in resolved] == [
        (quota, 6.0, "breached")
    ]
    assert len((await get(client, f"/teams/{team}/impediments?status=all", auth))["items"]) == 4

    first = await get(client, f"/teams/{team}/impediments?limit=2", auth)
    assert [row["impediment_id"] for row in first["items"]] == [access, vpn]
    second = await get(client, f"/teams/{team}/impediments?limit=2&after={first['next']}", auth)
    assert [row["impediment_id"] for row in second["items"]] == [flaky]
    assert second["next"] is None


async def test_a_raised_impediment_is_on_the_board_at_once(client: Client, auth: Auth) -> None:
    team = await team_with(client, auth, {})
    for n in range(5):
        raised = await post(client, f"/teams/{team}/impediments", {"title": f"blocker {n}"}, auth["bot"])
        board = await get(client, f"/teams/{team}/impediments", auth)
        assert raised["id"] in [row["impediment_id"] for row in board["items"]]
        assert len(board["items"]) == n + 1


def forged_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(value)).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("status=stuck", "status", id="unknown status"),
        pytest.param("limit=0", "limit", id="limit 0"),
        pytest.param("limit=1001", "limit", id="limit 1001"),
        pytest.param("limit=ten", "limit", id="limit not a number"),
        pytest.param("after=not-a-cursor", "after", id="garbage cursor"),
        pytest.param("after=%C3%84%07", "after", id="non-ASCII cursor"),
        pytest.param("after=" + forged_cursor([40000, "2026-12-01T09:00:00Z", "x"]), "after", id="rank too big"),
        pytest.param("after=" + forged_cursor([1, "2026-12-01T09:00:00", "x"]), "after", id="naive time"),
        pytest.param("after=" + forged_cursor([1, "2026-12-01T09:00:00Z", "a\u0000b"]), "after", id="NUL in id"),
    ],
)
async def test_impediment_board_refuses_bad_parameters(client: Client, auth: Auth, query: str, field: str) -> None:
    team = await team_with(client, auth, {})
    assert_problem(await client.get(f"/teams/{team}/impediments?{query}", headers=auth["viewer"]), 422, field)


async def test_impediment_board_answers_404_for_an_unknown_team(client: Client, auth: Auth) -> None:
    r = await client.get(f"/teams/{unique_id('ghost')}/impediments", headers=auth["viewer"])
    assert_problem(r, 404, "team_id")


# -- read-your-writes ----------------------------------------------------------------------------


async def test_each_read_waits_for_a_position_at_or_past_the_write_before_it(
    client: Client, auth: Auth, store: PostgresEventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    waited: list[tuple[int, tuple[str, ...]]] = []
    real_wait = reads.wait_until_projected

    async def spy(store_: PostgresEventStore, position: int, seconds: float, names: tuple[str, ...]) -> bool:
        waited.append((position, tuple(names)))
        return await real_wait(store_, position, seconds, names)

    monkeypatch.setattr(reads, "wait_until_projected", spy)
    team = await team_with(client, auth, {"ana": 6})
    s = await sprint(client, auth, team, "2026-11-30", "2026-12-11", [])
    written = await post(client, f"/teams/{team}/impediments", {"title": "quota"}, auth["member"])
    for path in (
        f"/teams/{team}/capacity?sprint_id={s}",
        f"/teams/{team}/velocity",
        f"/sprints/{s}/burndown",
        f"/teams/{team}/impediments",
    ):
        waited.clear()
        await get(client, path, auth)
        ((position, names),) = waited
        assert position >= written["position"], path
        assert names, path


async def test_a_read_answers_503_with_retry_after_when_the_projections_stay_behind(
    client: Client, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def never(*_: Any) -> bool:
        return False

    monkeypatch.setattr(reads, "wait_until_projected", never)
    team = await team_with(client, auth, {})
    r = await client.get(f"/teams/{team}/impediments", headers=auth["viewer"])
    body = assert_problem(r, 503)
    assert r.headers["retry-after"] == "1"
    assert body["position"] >= 1
