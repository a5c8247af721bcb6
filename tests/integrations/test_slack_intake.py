"""Slack intake on the real app and database: signatures, the slash command, redeliveries, events, the shortcut."""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from slack_sdk.signature import SignatureVerifier

from sprintml.accounts import TokenStore
from sprintml.api import create_app
from sprintml.application import CommandHandler
from sprintml.config import Settings
from sprintml.eventstore import PostgresEventStore
from sprintml.integrations.slack_intake import (
    SHORTCUT_CALLBACK_ID,
    SlackRaise,
    impediment_id_for,
    parse_command_text,
    raise_from_slack,
)

Client = AsyncTestClient[Litestar]
SECRET = "test-secret"


@pytest.fixture(scope="module")
async def client(database_url: str) -> AsyncIterator[Client]:
    async with AsyncTestClient(
        create_app(Settings(database_url=database_url, slack_signing_secret=SECRET, run_slack_poster=False))
    ) as c:
        yield c


@pytest.fixture(scope="module")
async def admin(store: PostgresEventStore) -> dict[str, str]:
    _, token = await TokenStore(store.pool).create(f"slack-admin-{uuid.uuid4().hex[:6]}", ["admin", "scrum_master"])
    return {"Authorization": f"Bearer {token}"}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def slack_user() -> str:
    return "U" + uuid.uuid4().hex[:10].upper()


def signed(body: bytes, *, secret: str = SECRET, age_seconds: int = 0) -> dict[str, str]:
    timestamp = str(int(time.time()) - age_seconds)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


def command_body(user_id: str, text: str, trigger_id: str) -> bytes:
    fields = {
        "token": "legacy",
        "team_id": "T0001",
        "channel_id": "C0001",
        "user_id": user_id,
        "user_name": "someone",
        "command": "/impediment",
        "text": text,
        "response_url": "https://hooks.slack.com/commands/T0001/1/abc",
        "trigger_id": trigger_id,
    }
    return urlencode(fields).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def send_command(client: Client, body: bytes, headers: dict[str, str] | None = None) -> Any:
    return await client.post(
        "/integrations/slack/commands",
        content=body,
        headers={**FORM, **(headers if headers is not None else signed(body))},
    )


async def team_with_member(client: Client, admin: dict[str, str], slack_user_id: str) -> str:
    team_id = unique("slack")
    created = await client.post("/teams", json={"id": team_id, "name": f"Team {team_id}"}, headers=admin)
    assert created.status_code == 201, created.text
    member = {
        "member_id": unique("m"),
        "name": "Ada",
        "role": "ml_engineer",
        "skills": {"pytorch": 4},
        "hours_per_day": 6,
        "slack_user_id": slack_user_id,
    }
    joined = await client.post(f"/teams/{team_id}/members", json=member, headers=admin)
    assert joined.status_code == 201, joined.text
    return team_id


async def open_impediments(client: Client, admin: dict[str, str], team_id: str) -> int:
    response = await client.get(f"/teams/{team_id}", headers=admin)
    assert response.status_code == 200, response.text
    count: int = response.json()["open_impediments"]
    return count


async def stream_types(store: PostgresEventStore, impediment_id: str) -> list[str]:
    return [event.type for event in await store.read_stream(f"impediment-{impediment_id}")]


async def delivery_rows(store: PostgresEventStore, delivery_id: str) -> int:
    count = await store.pool.fetchval("SELECT count(*) FROM slack_deliveries WHERE delivery_id = $1", delivery_id)
    return int(count)


def block_text(reply: dict[str, Any]) -> str:
    return json.dumps(reply["blocks"])


# -- the slash command ------------------------------------------------------------------------


async def test_a_signed_command_raises_an_impediment_for_the_members_team_and_answers_ephemerally(
    client: Client, admin: dict[str, str], store: PostgresEventStore
) -> None:
    user = slack_user()
    team_id = await team_with_member(client, admin, user)
    trigger = unique("trig.")

    response = await send_command(client, command_body(user, "critical eval cluster down", trigger))

    assert response.status_code == 200, response.text
    reply = response.json()
    impediment_id = impediment_id_for(f"slash:{trigger}")
    assert reply["response_type"] == "ephemeral"
    assert reply["blocks"][0]["type"] == "header"
    assert "eval cluster down" in block_text(reply)
    assert "critical" in block_text(reply)
    assert impediment_id in block_text(reply)
    assert f"impediment-{impediment_id}" in block_text(reply)  # the reference
    history = await client.get(f"/streams/impediment-{impediment_id}", headers=admin)
    assert history.status_code == 200, history.text
    (raised,) = history.json()["events"]
    assert raised["type"] == "ImpedimentRaised"
    assert raised["data"]["team_id"] == team_id
    assert raised["data"]["source"] == "slack"
    assert raised["data"]["severity"] == "critical"
    assert raised["data"]["title"] == "eval cluster down"
    assert raised["metadata"]["actor"].startswith(f"slack:{user}/")
    assert await open_impediments(client, admin, team_id) == 1


async def test_a_command_without_severity_raises_a_medium_impediment(
    client: Client, admin: dict[str, str], store: PostgresEventStore
) -> None:
    user = slack_user()
    await team_with_member(client, admin, user)
    trigger = unique("trig.")

    response = await send_command(client, command_body(user, "waiting on GPU quota", trigger))

    assert response.status_code == 200
    (event,) = await store.read_stream(f"impediment-{impediment_id_for(f'slash:{trigger}')}")
    assert json.loads(bytes(event.data))["severity"] == "medium"


@pytest.mark.parametrize(
    ("text", "severity", "title", "team_id"),
    [
        ("critical eval cluster down", "critical", "eval cluster down", None),
        ("eval cluster down", "medium", "eval cluster down", None),
        ("HIGH  data  labelling late", "high", "data labelling late", None),
        ("low", "low", "", None),
        ("team:vision low flaky CI", "low", "flaky CI", "vision"),
        ("blocked by <@U123|bob> on &lt;infra&gt;", "medium", "blocked by bob on <infra>", None),
    ],
)
def test_command_text_is_parsed_into_team_severity_and_title(
    text: str, severity: str, title: str, team_id: str | None
) -> None:
    parsed = parse_command_text(text)
    assert (parsed.severity, parsed.title, parsed.team_id) == (severity, title, team_id)


async def test_a_command_without_text_answers_with_usage_and_writes_nothing(
    client: Client, admin: dict[str, str], store: PostgresEventStore
) -> None:
    user = slack_user()
    await team_with_member(client, admin, user)
    trigger = unique("trig.")

    response = await send_command(client, command_body(user, "high", trigger))

    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert "Usage" in block_text(response.json())
    assert await stream_types(store, impediment_id_for(f"slash:{trigger}")) == []


# -- signatures -------------------------------------------------------------------------------


def _wrong_secret(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, signed(body, secret="not-the-secret")


def _stale(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, signed(body, age_seconds=5 * 60 + 30)


def _missing(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, {}


def _missing_signature(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, {"X-Slack-Request-Timestamp": str(int(time.time()))}


def _tampered(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body.replace(b"eval", b"evil"), signed(body)


def _not_a_number(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, {**signed(body), "X-Slack-Request-Timestamp": "yesterday"}


@pytest.mark.parametrize("forge", [_wrong_secret, _stale, _missing, _missing_signature, _tampered, _not_a_number])
async def test_a_request_without_a_good_signature_is_refused_and_writes_nothing(
    client: Client, admin: dict[str, str], store: PostgresEventStore, forge: Any
) -> None:
    user = slack_user()
    team_id = await team_with_member(client, admin, user)
    trigger = unique("trig.")
    body, headers = forge(command_body(user, "critical eval cluster down", trigger))

    response = await send_command(client, body, headers)

    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401
    assert await stream_types(store, impediment_id_for(f"slash:{trigger}")) == []
    assert await delivery_rows(store, f"slash:{trigger}") == 0
    assert await open_impediments(client, admin, team_id) == 0


async def test_a_stale_but_otherwise_good_event_is_refused(client: Client) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc", "token": "t"}).encode()

    response = await client.post(
        "/integrations/slack/events",
        content=body,
        headers={"Content-Type": "application/json", **signed(body, age_seconds=301)},
    )

    assert response.status_code == 401


async def test_slack_endpoints_answer_401_when_no_signing_secret_is_configured(database_url: str) -> None:
    body = command_body(slack_user(), "high something", unique("trig."))
    async with AsyncTestClient(create_app(Settings(database_url=database_url, run_slack_poster=False))) as unconfigured:
        response = await send_command(unconfigured, body)
    assert response.status_code == 401
    assert "SLACK_SIGNING_SECRET" in response.json()["detail"]
    assert response.headers["content-type"].startswith("application/problem+json")


# -- redelivery and unknown users -------------------------------------------------------------


@pytest.mark.parametrize("retry_headers", [{}, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}])
async def test_a_redelivered_command_raises_nothing_new(
    client: Client, admin: dict[str, str], store: PostgresEventStore, retry_headers: dict[str, str]
) -> None:
    user = slack_user()
    team_id = await team_with_member(client, admin, user)
    trigger = unique("trig.")
    body = command_body(user, "high feature store is down", trigger)
    first = await send_command(client, body)

    again = await send_command(client, body, {**signed(body), **retry_headers})

    assert first.status_code == again.status_code == 200
    assert "Already raised" in block_text(again.json())
    assert impediment_id_for(f"slash:{trigger}") in block_text(again.json())
    assert await stream_types(store, impediment_id_for(f"slash:{trigger}")) == ["ImpedimentRaised"]
    assert await delivery_rows(store, f"slash:{trigger}") == 1
    assert await open_impediments(client, admin, team_id) == 1


async def test_redeliveries_racing_the_first_delivery_raise_one_impediment(
    client: Client, admin: dict[str, str], store: PostgresEventStore
) -> None:
    user = slack_user()
    await team_with_member(client, admin, user)
    handler = CommandHandler(store)
    request = SlackRaise(delivery_id=unique("slash:"), slack_user_id=user, title="racing", severity="high")

    results = await asyncio.gather(*(raise_from_slack(handler, request, datetime.now(UTC)) for _ in range(5)))

    assert sorted(result.outcome for result in results) == ["already_raised"] * 4 + ["raised"]
    assert {result.impediment_id for result in results} == {impediment_id_for(request.delivery_id)}
    assert await stream_types(store, impediment_id_for(request.delivery_id)) == ["ImpedimentRaised"]
    assert await delivery_rows(store, request.delivery_id) == 1


async def test_a_redelivery_after_the_member_left_is_still_answered_as_already_raised(
    client: Client, admin: dict[str, str], store: PostgresEventStore
) -> None:
    user = slack_user()
    team_id = await team_with_member(client, admin, user)
    trigger = unique("trig.")
    body = command_body(user, "high feature store is down", trigger)
    await send_command(client, body)
    roster = (await client.get(f"/teams/{team_id}", headers=admin)).json()["members"]
    left = await client.delete(f"/teams/{team_id}/members/{roster[0]['member_id']}", headers=admin)
    assert left.status_code == 200, left.text

    again = await send_command(client, body)

    assert "Already raised" in block_text(again.json())
    assert await stream_types(store, impediment_id_for(f"slash:{trigger}")) == ["ImpedimentRaised"]


async def test_an_unknown_slack_user_gets_help_and_nothing_is_written(
    client: Client, store: PostgresEventStore
) -> None:
    trigger = unique("trig.")

    response = await send_command(client, command_body(slack_user(), "critical eval cluster down", trigger))

    assert response.status_code == 200
    reply = response.json()
    assert reply["response_type"] == "ephemeral"
    assert "not linked" in reply["text"]
    assert "slack_user_id" in block_text(reply)
    assert await stream_types(store, impediment_id_for(f"slash:{trigger}")) == []
    assert await delivery_rows(store, f"slash:{trigger}") == 0


async def test_a_member_of_two_teams_is_asked_which_and_can_name_it(
    client: Client, admin: dict[str, str], store: PostgresEventStore
) -> None:
    user = slack_user()
    first_team = await team_with_member(client, admin, user)
    second_team = await team_with_member(client, admin, user)
    ambiguous = unique("trig.")

    asked = await send_command(client, command_body(user, "high no labels", ambiguous))

    assert "several teams" in asked.json()["text"]
    assert first_team in block_text(asked.json())
    assert second_team in block_text(asked.json())
    assert await stream_types(store, impediment_id_for(f"slash:{ambiguous}")) == []
    named = unique("trig.")
    answered = await send_command(client, command_body(user, f"team:{second_team} high no labels", named))
    assert "Impediment raised" in answered.json()["text"]
    (event,) = await store.read_stream(f"impediment-{impediment_id_for(f'slash:{named}')}")
    assert json.loads(bytes(event.data))["team_id"] == second_team


# -- Events API and the message shortcut ------------------------------------------------------


async def post_event(client: Client, envelope: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    body = json.dumps(envelope).encode()
    return await client.post(
        "/integrations/slack/events",
        content=body,
        headers={"Content-Type": "application/json", **signed(body), **(headers or {})},
    )


async def test_url_verification_echoes_the_challenge(client: Client) -> None:
    response = await post_event(
        client,
        {"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"},
    )

    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


async def test_a_redelivered_event_callback_is_recorded_once(client: Client, store: PostgresEventStore) -> None:
    event_id = unique("Ev")
    envelope = {
        "type": "event_callback",
        "event_id": event_id,
        "team_id": "T0001",
        "event": {"type": "app_mention", "user": "U1", "text": "hi", "ts": "1.2"},
    }

    first = await post_event(client, envelope)
    again = await post_event(client, envelope, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})

    assert first.status_code == again.status_code == 200
    assert await delivery_rows(store, f"event:{event_id}") == 1


def shortcut_body(user_id: str, text: str, trigger_id: str, callback_id: str = SHORTCUT_CALLBACK_ID) -> bytes:
    payload = {
        "type": "message_action",
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "action_ts": "1607081569.852971",
        "team": {"id": "T0001", "domain": "example"},
        "user": {"id": user_id, "name": "ada"},
        "channel": {"id": "C0001", "name": "ml-platform"},
        "message": {"type": "message", "user": "U999", "ts": "1607081500.000100", "text": text},
        # Not Slack's host: the app must not call it back (only https://hooks.slack.com/ is).
        "response_url": "https://example.invalid/actions/T0001/1/xyz",
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


async def post_shortcut(client: Client, body: bytes) -> Any:
    return await client.post("/integrations/slack/events", content=body, headers={**FORM, **signed(body)})


async def test_the_message_shortcut_raises_an_impediment_from_the_message_text(
    client: Client, admin: dict[str, str], store: PostgresEventStore
) -> None:
    user = slack_user()
    team_id = await team_with_member(client, admin, user)
    trigger = unique("trig.")
    text = "High memory on the training nodes\nOOM kills every night since Tuesday"

    response = await post_shortcut(client, shortcut_body(user, text, trigger))
    again = await post_shortcut(client, shortcut_body(user, text, trigger))

    assert response.status_code == again.status_code == 200
    (event,) = await store.read_stream(f"impediment-{impediment_id_for(f'shortcut:{trigger}')}")
    data = json.loads(bytes(event.data))
    assert data["title"] == "High memory on the training nodes"
    assert data["severity"] == "medium"  # a message's first word is not a severity
    assert data["source"] == "slack"
    assert data["team_id"] == team_id
    assert "OOM kills" in data["description"]


async def test_another_shortcut_or_an_unknown_user_raises_nothing(
    client: Client, admin: dict[str, str], store: PostgresEventStore
) -> None:
    user = slack_user()
    await team_with_member(client, admin, user)
    other_callback = unique("trig.")
    stranger = unique("trig.")

    ignored = await post_shortcut(client, shortcut_body(user, "text", other_callback, callback_id="something_else"))
    unknown = await post_shortcut(client, shortcut_body(slack_user(), "text", stranger))

    assert ignored.status_code == unknown.status_code == 200
    assert await stream_types(store, impediment_id_for(f"shortcut:{other_callback}")) == []
    assert await stream_types(store, impediment_id_for(f"shortcut:{stranger}")) == []


async def test_a_tampered_shortcut_is_refused(client: Client, admin: dict[str, str], store: PostgresEventStore) -> None:
    user = slack_user()
    await team_with_member(client, admin, user)
    trigger = unique("trig.")
    body = shortcut_body(user, "eval cluster down", trigger)

    response = await client.post(
        "/integrations/slack/events", content=body.replace(b"eval", b"evil"), headers={**FORM, **signed(body)}
    )

    assert response.status_code == 401
    assert await stream_types(store, impediment_id_for(f"shortcut:{trigger}")) == []
