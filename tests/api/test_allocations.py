"""Allocation over HTTP: what-if solves, plans as events, approval, and the current allocation."""

from typing import Any

from tests.api.conftest import Client, unique_id


def instance(current: dict[str, int] | None = None) -> dict[str, Any]:
    engineer: dict[str, Any] = {"id": "e1", "capacity_hours": 40, "skills": {"ml": 4}}
    if current is not None:
        engineer["current"] = current
    return {
        "engineers": [engineer, {"id": "e2", "capacity_hours": 40, "skills": {"ml": 3, "backend": 4}}],
        "gpu_pools": [{"id": "h100", "gpu_type": "H100", "memory_gb": 80, "count": 8}],
        "projects": [
            {
                "id": "p1",
                "priority": 5,
                "roles": [{"skill": "ml", "min_level": 3, "hours": 40, "min_hours": 20}],
                "gpus": {"count": 4, "min_memory_gb": 40},
            },
            {"id": "p2", "priority": 2, "roles": [{"skill": "backend", "min_level": 3, "hours": 30}]},
        ],
        "options": {"time_limit_s": 5},
    }


async def test_a_what_if_solve_answers_a_plan_and_writes_nothing(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    head = (await client.get("/events?limit=1000", headers=auth["admin"])).json()["next"]
    r = await client.post("/allocations/solve", json=instance(), headers=auth["planner"])
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["status"] == "OPTIMAL"
    assert {p["id"]: p["funded"] for p in plan["projects"]} == {"p1": True, "p2": True}
    assert plan["objective"]["funded_priority"] == 7
    later = await client.get(f"/events?after={head}", headers=auth["admin"])
    assert not [e for e in later.json()["events"] if e["stream_id"].startswith("plan-")]


async def test_only_planners_may_solve(client: Client, auth: dict[str, dict[str, str]]) -> None:
    r = await client.post("/allocations/solve", json=instance(), headers=auth["scrum_master"])
    assert r.status_code == 403


async def test_an_unsatisfiable_pin_is_a_422_naming_engineer_project_and_constraint(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    body = instance()
    body["projects"][0]["pinned"] = [{"engineer": "e1", "hours": 100}]
    r = await client.post("/allocations/solve", json=body, headers=auth["planner"])
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert any(e.get("engineer") == "e1" and e.get("project") == "p1" and e.get("constraint") for e in errors)


async def test_an_unknown_engineer_in_a_pin_is_a_422_with_its_path(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    body = instance()
    body["projects"][0]["pinned"] = [{"engineer": "nobody", "hours": 4}]
    r = await client.post("/allocations/solve", json=body, headers=auth["planner"])
    assert r.status_code == 422, r.text
    assert any("projects[0].pinned[0]" in (e.get("field") or "") for e in r.json()["errors"])


async def test_an_approved_plan_becomes_current_and_a_stale_one_cannot_be_approved(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    planner = auth["planner"]
    first = await client.post("/allocation-plans", json=instance(), headers=planner)
    second = await client.post("/allocation-plans", json=instance(), headers=planner)
    assert first.status_code == second.status_code == 201, first.text
    first_id, second_id = first.json()["id"], second.json()["id"]

    r = await client.get(f"/allocation-plans/{first_id}", headers=auth["viewer"])
    assert r.json()["status"] == "proposed"
    assert r.json()["solver_version"]

    r = await client.post(f"/allocation-plans/{first_id}/approve", headers=planner)
    assert r.status_code == 200, r.text
    assert (await client.get(f"/allocation-plans/{first_id}", headers=planner)).json()["status"] == "approved"

    r = await client.post(f"/allocation-plans/{first_id}/approve", headers=planner)
    assert r.status_code == 409, "a plan is approved at most once"
    r = await client.post(f"/allocation-plans/{second_id}/approve", headers=planner)
    assert r.status_code == 409, "its inputs are no longer the latest: re-solve"

    current = (await client.get("/allocations/current", headers=auth["member"])).json()
    assert current["plan_id"] == first_id
    hours = {e["engineer"]: e["hours"] for e in current["engineers"]}
    assert hours == {e["id"]: e["assigned_hours"] for e in first.json()["output"]["engineers"] if e["assigned_hours"]}

    # A solve that omits `current` now starts from the approved hours: nothing needs to move.
    again = await client.post("/allocations/solve", json=instance(), headers=planner)
    assert again.json()["objective"]["churn_hours"] == 0
    moved = await client.post("/allocations/solve", json=instance(current={"p2": 40}), headers=planner)
    assert moved.json()["objective"]["churn_hours"] > 0

    # A project that left the portfolio since the approval drops out of the approved hours.
    without_p1 = instance()
    without_p1["projects"] = [p for p in without_p1["projects"] if p["id"] != "p1"]
    r = await client.post("/allocations/solve", json=without_p1, headers=planner)
    assert r.status_code == 200, r.text
    assert [p["id"] for p in r.json()["projects"]] == ["p2"]


async def test_unknown_plans_are_404(client: Client, auth: dict[str, dict[str, str]]) -> None:
    missing = unique_id("plan")
    assert (await client.get(f"/allocation-plans/{missing}", headers=auth["viewer"])).status_code == 404
    assert (await client.post(f"/allocation-plans/{missing}/approve", headers=auth["planner"])).status_code == 404
