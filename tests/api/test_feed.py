"""The global event feed and one stream's audit history: paging, bounds, cursors, unknown streams."""

import base64
from typing import Any

import pytest

from tests.api.conftest import Client, unique_id

Auth = dict[str, dict[str, str]]
EVENT_FIELDS = {"position", "event_id", "stream_id", "version", "type", "data", "metadata", "recorded_at"}


async def head_cursor(client: Client, auth: Auth) -> str:
    """The `next` cursor after the last event so far."""
    cursor = None
    while True:
        query = f"?limit=1000&after={cursor}" if cursor else "?limit=1000"
        page = (await client.get(f"/events{query}", headers=auth["admin"])).json()
        if not page["events"]:
            return cursor or page["next"]
        cursor = page["next"]


async def team_with_members(client: Client, auth: Auth, count: int) -> str:
    sm = auth["scrum_master"]
    team = unique_id("team")
    assert (await client.post("/teams", json={"id": team, "name": "Feed"}, headers=sm)).status_code == 201
    for n in range(count):
        body = {"member_id": f"m{n}", "name": f"M{n}", "role": "ml_engineer", "hours_per_day": 6}
        assert (await client.post(f"/teams/{team}/members", json=body, headers=sm)).status_code == 201
    return team


async def test_the_feed_pages_through_new_events_in_order_without_skipping_or_repeating(
    client: Client, auth: Auth
) -> None:
    start = await head_cursor(client, auth)
    team = await team_with_members(client, auth, 4)
    seen: list[dict[str, Any]] = []
    cursor = start
    for _ in range(50):
        page = (await client.get(f"/events?limit=2&after={cursor}", headers=auth["bot"])).json()
        assert len(page["events"]) <= 2
        if not page["events"]:
            assert page["next"] == cursor  # an empty page leaves the cursor where it was
            break
        seen.extend(page["events"])
        cursor = page["next"]
    positions = [e["position"] for e in seen]
    assert positions == sorted(set(positions))
    mine = [e for e in seen if e["stream_id"] == f"team-{team}"]
    assert [e["version"] for e in mine] == [1, 2, 3, 4, 5]
    assert [e["type"] for e in mine] == ["TeamCreated"] + ["MemberJoined"] * 4
    assert all(set(e) >= EVENT_FIELDS for e in mine)
    assert mine[0]["data"]["team_id"] == team


async def test_the_feed_defaults_to_a_hundred_events(client: Client, auth: Auth) -> None:
    await team_with_members(client, auth, 0)
    page = (await client.get("/events", headers=auth["admin"])).json()
    assert 1 <= len(page["events"]) <= 100


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "ten", "1.5"])
async def test_the_feed_rejects_a_limit_outside_1_to_1000(client: Client, auth: Auth, limit: str) -> None:
    r = await client.get(f"/events?limit={limit}", headers=auth["admin"])
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["limit"]


async def test_the_feed_accepts_the_largest_limit(client: Client, auth: Auth) -> None:
    r = await client.get("/events?limit=1000", headers=auth["admin"])
    assert r.status_code == 200, r.text


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%25%25%25",
        cursor_of("p-1"),
        cursor_of("q12"),
        cursor_of("p"),
        cursor_of("p" + "9" * 30),
        cursor_of("p\u00b2"),
        "x" * 101,
        "%C3%84%07",
    ],
)
async def test_the_feed_and_stream_history_reject_a_cursor_they_did_not_make(
    client: Client, auth: Auth, cursor: str
) -> None:
    team = await team_with_members(client, auth, 0)
    for path in ("/events", f"/streams/team-{team}"):
        r = await client.get(f"{path}?after={cursor}", headers=auth["admin"])
        assert r.status_code == 422, (path, r.text)
        assert [e["field"] for e in r.json()["errors"]] == ["after"]


async def test_stream_history_pages_with_next_until_none(client: Client, auth: Auth) -> None:
    team = await team_with_members(client, auth, 4)
    versions: list[int] = []
    query = "?limit=2"
    for _ in range(10):
        r = await client.get(f"/streams/team-{team}{query}", headers=auth["scrum_master"])
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["stream_id"] == f"team-{team}"
        assert page["version"] == 5
        versions.extend(e["version"] for e in page["events"])
        if page["next"] is None:
            break
        query = f"?limit=2&after={page['next']}"
    assert versions == [1, 2, 3, 4, 5]


async def test_stream_history_answers_404_for_an_unknown_stream(client: Client, auth: Auth) -> None:
    r = await client.get(f"/streams/team-{unique_id()}", headers=auth["admin"])
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("stream_id", ["no-category-dash-ok", "Team-x", "team", "team-has%20space", "-x"])
async def test_stream_history_rejects_a_stream_id_of_the_wrong_shape(
    client: Client, auth: Auth, stream_id: str
) -> None:
    r = await client.get(f"/streams/{stream_id}", headers=auth["admin"])
    if stream_id == "no-category-dash-ok":
        assert r.status_code == 404, r.text  # a valid shape that names nothing
        return
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["stream_id"]


@pytest.mark.parametrize("limit", ["0", "1001"])
async def test_stream_history_rejects_a_limit_outside_1_to_1000(client: Client, auth: Auth, limit: str) -> None:
    team = await team_with_members(client, auth, 0)
    r = await client.get(f"/streams/team-{team}?limit={limit}", headers=auth["admin"])
    assert r.status_code == 422, r.text
