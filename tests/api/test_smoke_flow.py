"""A whole sprint through the API alone, as a scrum master runs it."""

from tests.api.conftest import Client, Clock, unique_id


async def test_a_scrum_master_runs_a_whole_sprint(
    client: Client, auth: dict[str, dict[str, str]], clock: Clock
) -> None:
    # The team is set up the week before the sprint: members who join during a sprint count from that day on.
    clock.set("2026-11-25T09:00")
    sm, member = auth["scrum_master"], auth["member"]
    team = unique_id("team")
    r = await client.post("/teams", json={"id": team, "name": "Platform"}, headers=sm)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1
    assert r.headers["etag"] == '"1"'
    for m in ("ana", "bo"):
        r = await client.post(
            f"/teams/{team}/members",
            json={"member_id": m, "name": m.title(), "role": "ml_engineer", "skills": {"ml": 4}, "hours_per_day": 6},
            headers=sm,
        )
        assert r.status_code == 201, r.text
    r = await client.post(
        f"/teams/{team}/time-off", json={"member_id": "bo", "start": "2026-12-03", "end": "2026-12-04"}, headers=member
    )
    assert r.status_code == 201, r.text
    items = []
    for title in ("train baseline", "eval harness"):
        r = await client.post(f"/teams/{team}/backlog", json={"title": title, "kind": "story"}, headers=member)
        assert r.status_code == 201, r.text
        items.append(r.json()["id"])
        r = await client.post(
            f"/teams/{team}/backlog/{items[-1]}/estimates", json={"votes": {"ana": 5, "bo": 5}}, headers=member
        )
        assert r.status_code == 201, r.text
        assert r.json()["consensus_points"] == 5
    r = await client.post(
        f"/teams/{team}/sprints",
        json={
            "sprint_id": unique_id("s"),
            "name": "S1",
            "goal": "baseline",
            "start_date": "2026-11-30",
            "end_date": "2026-12-11",
        },
        headers=sm,
    )
    assert r.status_code == 201, r.text
    sprint = r.json()["id"]
    r = await client.post(f"/sprints/{sprint}/commitments", json={"item_ids": items}, headers=sm)
    assert r.status_code == 200, r.text
    assert r.json()["committed_points"] == 10
    # 10 working days x 6 h x 0.8 for ana; 8 days for bo (two days off)
    assert r.json()["capacity_hours"] == 10 * 6 * 0.8 + 8 * 6 * 0.8
    r = await client.post(f"/sprints/{sprint}/start", headers=sm)
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/sprints/{sprint}/standups",
        json={
            "date": "2026-12-01",
            "entries": [{"member_id": "ana", "yesterday": "a", "today": "b", "blockers": ["GPU quota"]}],
        },
        headers=auth["bot"],
    )
    assert r.status_code == 201, r.text
    assert len(r.json()["impediment_ids"]) == 1
    r = await client.post(f"/sprints/{sprint}/items/{items[0]}/progress", json={"status": "done"}, headers=member)
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/sprints/{sprint}/review", json={"accepted_item_ids": [items[0]], "feedback": ["nice"]}, headers=sm
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/sprints/{sprint}/retrospective",
        json={"went_well": ["x"], "to_improve": ["y"], "action_items": [{"title": "z", "owner": "ana"}]},
        headers=sm,
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"/sprints/{sprint}/close", headers=sm)
    assert r.status_code == 200, r.text
    r = await client.get(f"/sprints/{sprint}", headers=auth["viewer"])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed"
    r = await client.get(f"/teams/{team}", headers=auth["viewer"])
    assert r.status_code == 200, r.text
    assert r.json()["open_impediments"] == 1
