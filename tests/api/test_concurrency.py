"""If-Match and ETag, Idempotency-Key replay per actor, and what every event's metadata records."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from sprintml.accounts import TokenStore
from sprintml.application import TEAM, CommandHandler, RequestContext
from sprintml.domain import team
from sprintml.domain.errors import RuleViolated
from sprintml.eventstore import PostgresEventStore
from tests.api.conftest import Client, unique_id

Auth = dict[str, dict[str, str]]


@pytest.fixture(scope="module")
async def actors(store: PostgresEventStore) -> dict[str, dict[str, str]]:
    """Two scrum masters with names we know, to tell whose key is whose."""
    tokens = TokenStore(store.pool)
    headers = {}
    for name in ("sm-one", "sm-two"):
        actor = unique_id(name)
        _, token = await tokens.create(actor, ["scrum_master"])
        headers[name] = {"Authorization": f"Bearer {token}", "X-Actor": actor}
    return headers


def bearer(headers: dict[str, str]) -> dict[str, str]:
    return {"Authorization": headers["Authorization"]}


async def new_team(client: Client, auth: Auth) -> str:
    team = unique_id("team")
    r = await client.post("/teams", json={"id": team, "name": "Platform"}, headers=auth["scrum_master"])
    assert r.status_code == 201, r.text
    return team


def member(member_id: str) -> dict[str, Any]:
    return {"member_id": member_id, "name": member_id.title(), "role": "ml_engineer", "hours_per_day": 6}


async def history(client: Client, auth: Auth, stream_id: str) -> dict[str, Any]:
    r = await client.get(f"/streams/{stream_id}", headers=auth["admin"])
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


# -- If-Match and ETag ---------------------------------------------------------------------


async def test_a_write_with_a_stale_if_match_is_412_and_writes_nothing(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth)
    assert (await client.post(f"/teams/{team}/members", json=member("ana"), headers=sm)).status_code == 201
    r = await client.post(f"/teams/{team}/members", json=member("bo"), headers={**sm, "If-Match": '"1"'})
    assert r.status_code == 412, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["etag"] == '"2"'
    view = await client.get(f"/teams/{team}", headers=auth["viewer"])
    assert [m["member_id"] for m in view.json()["members"]] == ["ana"]
    assert view.headers["etag"] == '"2"'


async def test_a_write_with_the_current_if_match_succeeds_and_answers_the_new_etag(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth)
    etag = (await client.get(f"/teams/{team}", headers=sm)).headers["etag"]
    r = await client.post(f"/teams/{team}/members", json=member("ana"), headers={**sm, "If-Match": etag})
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"2"'
    assert r.json()["version"] == 2


@pytest.mark.parametrize("if_match", ["*", "banana", '"-1"', "W/", '"1", "2"'])
async def test_an_if_match_that_is_no_version_of_ours_is_412(client: Client, auth: Auth, if_match: str) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth)
    r = await client.post(f"/teams/{team}/members", json=member("ana"), headers={**sm, "If-Match": if_match})
    assert r.status_code == 412, r.text
    assert (await history(client, auth, f"team-{team}"))["version"] == 1


async def test_if_match_on_a_sprint_and_an_impediment_guards_their_own_streams(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth)
    plan = {"name": "S", "start_date": "2026-11-30", "end_date": "2026-12-11"}
    sprint = (await client.post(f"/teams/{team}/sprints", json=plan, headers=sm)).json()["id"]
    assert (await client.post(f"/sprints/{sprint}/start", headers={**sm, "If-Match": '"2"'})).status_code == 412
    r = await client.post(f"/sprints/{sprint}/start", headers={**sm, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert (await client.get(f"/sprints/{sprint}", headers=sm)).json()["status"] == "active"
    imp = (await client.post(f"/teams/{team}/impediments", json={"title": "quota"}, headers=sm)).json()["id"]
    assert (await client.post(f"/impediments/{imp}/resolve", headers={**sm, "If-Match": '"0"'})).status_code == 412
    assert (await history(client, auth, f"impediment-{imp}"))["version"] == 1


async def test_two_writes_racing_with_one_if_match_let_exactly_one_win(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth)
    responses = await asyncio.gather(
        *(
            client.post(f"/teams/{team}/members", json=member(m), headers={**sm, "If-Match": '"1"'})
            for m in ("ana", "bo", "cy")
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 412, 412]
    assert (await history(client, auth, f"team-{team}"))["version"] == 2


async def test_etag_is_the_quoted_version_on_writes_and_reads(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = unique_id("team")
    r = await client.post("/teams", json={"id": team, "name": "Platform"}, headers=sm)
    assert r.headers["etag"] == f'"{r.json()["version"]}"' == '"1"'
    r = await client.post(f"/teams/{team}/members", json=member("ana"), headers=sm)
    assert r.headers["etag"] == f'"{r.json()["version"]}"' == '"2"'
    r = await client.get(f"/teams/{team}", headers=auth["viewer"])
    assert r.headers["etag"] == f'"{r.json()["version"]}"' == '"2"'
    plan = {"name": "S", "start_date": "2026-11-30", "end_date": "2026-12-11"}
    r = await client.post(f"/teams/{team}/sprints", json=plan, headers=sm)
    sprint = r.json()["id"]
    assert r.headers["etag"] == '"1"'
    r = await client.post(f"/sprints/{sprint}/start", headers=sm)
    assert r.headers["etag"] == f'"{r.json()["version"]}"' == '"2"'
    r = await client.get(f"/sprints/{sprint}", headers=auth["viewer"])
    assert r.headers["etag"] == f'"{r.json()["version"]}"' == '"2"'
    r = await client.get(f"/sprints/{sprint}?as_of=0", headers=auth["viewer"])
    assert r.status_code == 404  # before the first event nothing existed


# -- Idempotency-Key -----------------------------------------------------------------------


async def test_the_same_key_and_body_replays_the_first_response_without_writing(client: Client, auth: Auth) -> None:
    sm = {**auth["scrum_master"], "Idempotency-Key": unique_id("key")}
    first = await client.post("/teams", json={"name": "No id given"}, headers=sm)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = await client.post("/teams", json={"name": "No id given"}, headers=sm)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    team = first.json()["id"]
    assert (await history(client, auth, f"team-{team}"))["version"] == 1


async def test_a_replayed_standup_raises_its_blockers_once(client: Client, auth: Auth) -> None:
    sm = auth["scrum_master"]
    team = await new_team(client, auth)
    assert (await client.post(f"/teams/{team}/members", json=member("ana"), headers=sm)).status_code == 201
    plan = {"name": "S", "start_date": "2026-11-30", "end_date": "2026-12-11"}
    sprint = (await client.post(f"/teams/{team}/sprints", json=plan, headers=sm)).json()["id"]
    assert (await client.post(f"/sprints/{sprint}/start", headers=sm)).status_code == 200
    standup = {"date": "2026-12-01", "entries": [{"member_id": "ana", "blockers": ["quota", "flaky CI"]}]}
    bot = {**auth["bot"], "Idempotency-Key": "standup-2026-12-01"}
    first = await client.post(f"/sprints/{sprint}/standups", json=standup, headers=bot)
    again = await client.post(f"/sprints/{sprint}/standups", json=standup, headers=bot)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len(first.json()["impediment_ids"]) == 2
    assert (await client.get(f"/teams/{team}", headers=sm)).json()["open_impediments"] == 2
    assert (await history(client, auth, f"sprint-{sprint}"))["version"] == 3


async def test_the_same_key_with_another_body_is_422_and_writes_nothing(client: Client, auth: Auth) -> None:
    sm = {**auth["scrum_master"], "Idempotency-Key": unique_id("key")}
    team = await new_team(client, auth)
    assert (await client.post(f"/teams/{team}/members", json=member("ana"), headers=sm)).status_code == 201
    r = await client.post(f"/teams/{team}/members", json=member("bo"), headers=sm)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["Idempotency-Key"]
    r = await client.post("/teams", json={"name": "elsewhere"}, headers=sm)
    assert r.status_code == 422, r.text
    assert (await history(client, auth, f"team-{team}"))["version"] == 2


async def test_idempotency_keys_belong_to_one_actor(
    client: Client, auth: Auth, actors: dict[str, dict[str, str]]
) -> None:
    key = unique_id("key")
    team = await new_team(client, auth)
    one = {**bearer(actors["sm-one"]), "Idempotency-Key": key}
    two = {**bearer(actors["sm-two"]), "Idempotency-Key": key}
    assert (await client.post(f"/teams/{team}/members", json=member("ana"), headers=one)).status_code == 201
    r = await client.post(f"/teams/{team}/members", json=member("ana"), headers=two)
    assert r.status_code == 409, r.text  # not a replay of sm-one's answer: ana is already on the team
    assert "idempotent-replayed" not in r.headers
    r = await client.post(f"/teams/{team}/members", json=member("bo"), headers=two)
    assert r.status_code == 201, r.text
    assert (await history(client, auth, f"team-{team}"))["version"] == 3


async def test_racing_twins_with_one_key_write_once_and_answer_alike(client: Client, auth: Auth) -> None:
    sm = {**auth["scrum_master"], "Idempotency-Key": unique_id("key")}
    responses = await asyncio.gather(*(client.post("/teams", json={"name": "Twins"}, headers=sm) for _ in range(3)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.text for r in responses}) == 1
    team = responses[0].json()["id"]
    assert (await history(client, auth, f"team-{team}"))["version"] == 1


@pytest.mark.parametrize("key", ["has space", "x" * 201, "tab\tinside"])
async def test_an_idempotency_key_that_is_not_visible_ascii_is_422(client: Client, auth: Auth, key: str) -> None:
    team = unique_id("team")
    headers = {**auth["scrum_master"], "Idempotency-Key": key}
    r = await client.post("/teams", json={"id": team, "name": "x"}, headers=headers)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["Idempotency-Key"]
    assert (await client.get(f"/teams/{team}", headers=auth["viewer"])).status_code == 404


async def test_a_failed_first_attempt_is_not_replayed(client: Client, auth: Auth) -> None:
    sm = {**auth["scrum_master"], "Idempotency-Key": unique_id("key")}
    team = unique_id("team")
    members = f"/teams/{team}/members"
    assert (await client.post(members, json=member("ana"), headers=sm)).status_code == 404
    assert (await client.post("/teams", json={"id": team, "name": "now"}, headers=auth["admin"])).status_code == 201
    r = await client.post(members, json=member("ana"), headers=sm)
    assert r.status_code == 201, r.text


# -- metadata ------------------------------------------------------------------------------


async def test_every_event_records_actor_request_id_and_idempotency_key(
    client: Client, auth: Auth, actors: dict[str, dict[str, str]]
) -> None:
    one = actors["sm-one"]
    request_id, key = unique_id("req"), unique_id("key")
    team = await new_team(client, auth)
    headers = {**bearer(one), "X-Request-ID": request_id, "Idempotency-Key": key}
    assert (await client.post(f"/teams/{team}/members", json=member("ana"), headers=headers)).status_code == 201
    assert (await client.post(f"/teams/{team}/members", json=member("bo"), headers=bearer(one))).status_code == 201
    events = (await history(client, auth, f"team-{team}"))["events"]
    assert [e["type"] for e in events] == ["TeamCreated", "MemberJoined", "MemberJoined"]
    joined, unkeyed = events[1]["metadata"], events[2]["metadata"]
    assert joined["actor"] == one["X-Actor"]
    assert joined["correlation_id"] == request_id
    assert joined["idempotency_key"] == key
    assert unkeyed["actor"] == one["X-Actor"]
    assert unkeyed["correlation_id"]
    assert unkeyed["correlation_id"] not in (request_id, events[0]["metadata"]["correlation_id"])
    assert unkeyed.get("idempotency_key") is None


async def test_a_standups_impediments_share_its_request_metadata(
    client: Client, auth: Auth, actors: dict[str, dict[str, str]]
) -> None:
    sm = bearer(actors["sm-one"])
    team = await new_team(client, auth)
    assert (await client.post(f"/teams/{team}/members", json=member("ana"), headers=sm)).status_code == 201
    plan = {"name": "S", "start_date": "2026-11-30", "end_date": "2026-12-11"}
    sprint = (await client.post(f"/teams/{team}/sprints", json=plan, headers=sm)).json()["id"]
    assert (await client.post(f"/sprints/{sprint}/start", headers=sm)).status_code == 200
    request_id = unique_id("req")
    standup = {"date": "2026-12-01", "entries": [{"member_id": "ana", "blockers": ["quota"]}]}
    r = await client.post(f"/sprints/{sprint}/standups", json=standup, headers={**sm, "X-Request-ID": request_id})
    (impediment,) = r.json()["impediment_ids"]
    raised = (await history(client, auth, f"impediment-{impediment}"))["events"][0]
    assert raised["type"] == "ImpedimentRaised"
    assert raised["data"]["source"] == "standup"
    assert raised["metadata"]["actor"] == actors["sm-one"]["X-Actor"]
    assert raised["metadata"]["correlation_id"] == request_id


async def test_a_create_that_skips_reading_its_new_stream_still_cannot_overwrite_one(store: PostgresEventStore) -> None:
    """A write may start from the empty stream; an id that exists after all is read and refused."""
    handler = CommandHandler(store)
    team_id = unique_id("made")
    context = RequestContext(actor="test", correlation_id="made-here", now=datetime.now(UTC))

    def create(name: str) -> Any:
        command = team.CreateTeam(team_id=team_id, name=name, now=context.now)
        return lambda state: team.decide(command, state)

    first = await handler.execute(TEAM, team_id, create("First"), context, first=handler.no_stream(TEAM))
    assert first.version == 1
    with pytest.raises(RuleViolated):
        await handler.execute(TEAM, team_id, create("Second"), context, first=handler.no_stream(TEAM))
    loaded = await handler.load(TEAM, team_id)
    assert (loaded.version, loaded.state.name) == (1, "First")
