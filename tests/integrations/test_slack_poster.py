"""The Slack poster against a real local HTTP receiver: what is posted, once, with retries, never blocking writes."""

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from sprintml.accounts import TokenStore
from sprintml.api import create_app
from sprintml.config import Settings
from sprintml.eventstore import PostgresEventStore
from sprintml.integrations.slack_poster import SlackPoster, slack_poster_in_background

Client = AsyncTestClient[Litestar]


class Receiver:
    """A real HTTP server on 127.0.0.1 standing in for hooks.slack.com; answers are scripted per path."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.attempts: list[tuple[str, int, dict[str, Any]]] = []
        self.arrived = 0
        self.scripts: dict[str, list[int]] = {}
        self.gate = threading.Event()
        self.gate.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.arrived += 1
                receiver.gate.wait(20)
                with receiver.lock:
                    script = receiver.scripts.get(self.path, [])
                    status = script.pop(0) if script else 200
                    receiver.attempts.append((self.path, status, json.loads(body)))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def rewrite(self, url: str) -> str:
        return f"http://127.0.0.1:{self.port}{urlsplit(url).path}"

    def delivered(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return [body for p, status, body in self.attempts if p == path and status == 200]

    def tries(self, path: str) -> list[int]:
        with self.lock:
            return [status for p, status, _ in self.attempts if p == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.thread.start()
    try:
        yield receiver
    finally:
        receiver.gate.set()
        receiver.server.shutdown()
        receiver.server.server_close()


@pytest.fixture(scope="module")
async def client(database_url: str) -> AsyncIterator[Client]:
    async with AsyncTestClient(create_app(Settings(database_url=database_url, run_slack_poster=False))) as c:
        yield c


@pytest.fixture(scope="module")
async def admin(store: PostgresEventStore) -> dict[str, str]:
    _, token = await TokenStore(store.pool).create(f"poster-admin-{uuid.uuid4().hex[:6]}", ["admin", "scrum_master"])
    return {"Authorization": f"Bearer {token}"}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


async def eventually(check: Callable[[], bool], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


class Team:
    def __init__(self, client: Client, admin: dict[str, str]) -> None:
        self.client = client
        self.admin = admin
        self.team_id = unique("post")
        self.webhook_path = f"/services/T000/{unique('B')}/XXX"

    async def create(self) -> "Team":
        response = await self.client.post("/teams", json={"id": self.team_id, "name": "Platform"}, headers=self.admin)
        assert response.status_code == 201, response.text
        return self

    async def register_webhook(self) -> None:
        response = await self.client.put(
            f"/teams/{self.team_id}/slack-webhook",
            json={"webhook_url": f"https://hooks.slack.com{self.webhook_path}"},
            headers=self.admin,
        )
        assert response.status_code == 200, response.text

    async def raise_impediment(self, title: str, severity: str = "high") -> str:
        impediment_id = unique("imp")
        response = await self.client.post(
            f"/teams/{self.team_id}/impediments",
            json={"impediment_id": impediment_id, "title": title, "severity": severity},
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        return impediment_id

    async def escalate(self, impediment_id: str, reason: str) -> None:
        response = await self.client.post(
            f"/impediments/{impediment_id}/escalate", json={"reason": reason}, headers=self.admin
        )
        assert response.status_code == 200, response.text


def poster_options(receiver: Receiver, **overrides: Any) -> dict[str, Any]:
    return {
        "rewrite_url": receiver.rewrite,
        "checkpoint_name": unique("slack-poster-test-"),
        "first_backoff": 0.01,
        "max_backoff": 0.05,
        "poll_interval": 0.1,
        "sla_interval": 3600.0,
        **overrides,
    }


def headers_of(body: dict[str, Any]) -> str:
    header: str = body["blocks"][0]["text"]["text"]
    return header


async def test_raised_and_escalated_impediments_are_posted_once_each_as_block_kit(
    client: Client, admin: dict[str, str], store: PostgresEventStore, database_url: str, receiver: Receiver
) -> None:
    team = await Team(client, admin).create()
    before_webhook = await team.raise_impediment("raised before the webhook existed")
    options = poster_options(receiver, from_position=await store.head_position())
    async with slack_poster_in_background(store, database_url, **options) as poster:
        await team.register_webhook()
        first = await team.raise_impediment("eval cluster down", "critical")
        second = await team.raise_impediment("labels late", "low")
        await team.escalate(first, "blocks the release")
        await eventually(lambda: len(receiver.delivered(team.webhook_path)) >= 3)
        head = await store.head_position()
        await eventually(lambda: poster.status.position >= head)

    bodies = receiver.delivered(team.webhook_path)
    assert [headers_of(body) for body in bodies] == ["Impediment raised", "Impediment raised", "Impediment escalated"]
    assert all(body["blocks"] and body["text"] for body in bodies)
    assert first in json.dumps(bodies[0])
    assert "eval cluster down" in json.dumps(bodies[0])
    assert "critical" in json.dumps(bodies[0]["blocks"])
    assert second in json.dumps(bodies[1])
    assert first in json.dumps(bodies[2])
    assert "blocks the release" in json.dumps(bodies[2])
    assert before_webhook not in json.dumps(bodies)
    assert receiver.tries(team.webhook_path) == [200, 200, 200]


async def test_a_receiver_failing_twice_gets_the_post_once_after_retries(
    client: Client, admin: dict[str, str], store: PostgresEventStore, database_url: str, receiver: Receiver
) -> None:
    team = await Team(client, admin).create()
    await team.register_webhook()
    receiver.scripts[team.webhook_path] = [500, 503]
    options = poster_options(receiver, from_position=await store.head_position())
    async with slack_poster_in_background(store, database_url, **options) as poster:
        impediment_id = await team.raise_impediment("feature store is down")
        await eventually(lambda: len(receiver.delivered(team.webhook_path)) == 1)
        head = await store.head_position()
        await eventually(lambda: poster.status.position >= head)

    assert receiver.tries(team.webhook_path) == [500, 503, 200]
    (body,) = receiver.delivered(team.webhook_path)
    assert impediment_id in json.dumps(body)
    assert poster.status.given_up == 0


async def test_a_permanent_refusal_is_given_up_and_the_poster_moves_on(
    client: Client, admin: dict[str, str], store: PostgresEventStore, database_url: str, receiver: Receiver
) -> None:
    team = await Team(client, admin).create()
    await team.register_webhook()
    receiver.scripts[team.webhook_path] = [404]
    options = poster_options(receiver, from_position=await store.head_position())
    async with slack_poster_in_background(store, database_url, **options) as poster:
        refused = await team.raise_impediment("posted to a revoked webhook")
        accepted = await team.raise_impediment("posted after the refusal")
        await eventually(lambda: len(receiver.delivered(team.webhook_path)) == 1)

    assert receiver.tries(team.webhook_path) == [404, 200]  # a 404 is not retried
    assert poster.status.given_up == 1
    assert accepted in json.dumps(receiver.delivered(team.webhook_path))
    assert refused not in json.dumps(receiver.delivered(team.webhook_path))


async def test_a_receiver_that_never_answers_is_given_up_after_bounded_attempts(
    client: Client, admin: dict[str, str], store: PostgresEventStore, database_url: str, receiver: Receiver
) -> None:
    team = await Team(client, admin).create()
    await team.register_webhook()
    receiver.scripts[team.webhook_path] = [500, 500, 500]
    options = poster_options(receiver, from_position=await store.head_position(), max_attempts=3)
    async with slack_poster_in_background(store, database_url, **options) as poster:
        await team.raise_impediment("nobody hears this")
        await eventually(lambda: poster.status.given_up == 1)
        head = await store.head_position()
        await eventually(lambda: poster.status.position >= head)

    assert receiver.tries(team.webhook_path) == [500, 500, 500]
    checkpoint = await store.pool.fetchval(
        "SELECT position FROM checkpoints WHERE name = $1", options["checkpoint_name"]
    )
    assert checkpoint >= head


async def test_the_poster_never_blocks_appends(
    client: Client, admin: dict[str, str], store: PostgresEventStore, database_url: str, receiver: Receiver
) -> None:
    team = await Team(client, admin).create()
    await team.register_webhook()
    receiver.gate.clear()  # the receiver holds every request until released
    options = poster_options(receiver, from_position=await store.head_position())
    async with (
        httpx.AsyncClient(timeout=30) as http,
        slack_poster_in_background(store, database_url, http=http, **options),
    ):
        ids = [await team.raise_impediment("first")]
        await eventually(lambda: receiver.arrived >= 1)  # the poster is now stuck in a post
        started = time.monotonic()
        ids += [await team.raise_impediment(f"while Slack hangs {n}") for n in range(3)]
        elapsed = time.monotonic() - started
        receiver.gate.set()
        await eventually(lambda: len(receiver.delivered(team.webhook_path)) == 4)

    assert elapsed < 2.0, f"three appends took {elapsed:.2f}s while the poster waited on Slack"
    delivered = json.dumps(receiver.delivered(team.webhook_path))
    assert all(impediment_id in delivered for impediment_id in ids)


async def test_an_sla_breach_is_posted_once_per_impediment(
    client: Client, admin: dict[str, str], store: PostgresEventStore, database_url: str, receiver: Receiver
) -> None:
    team = await Team(client, admin).create()
    await team.register_webhook()
    critical = await team.raise_impediment("eval cluster down", "critical")  # SLA 4 h
    low = await team.raise_impediment("docs typo", "low")  # SLA 7 days
    resolved = await team.raise_impediment("fixed already", "critical")
    response = await client.post(f"/impediments/{resolved}/resolve", json={"resolution": "done"}, headers=admin)
    assert response.status_code == 200, response.text

    def five_hours_later() -> datetime:
        return datetime.now(UTC) + timedelta(hours=5)

    options = poster_options(
        receiver, from_position=await store.head_position(), sla_interval=0.05, clock=five_hours_later
    )

    def breaches() -> list[dict[str, Any]]:
        return [b for b in receiver.delivered(team.webhook_path) if headers_of(b) == "Impediment past its SLA"]

    async with slack_poster_in_background(store, database_url, **options):
        await eventually(lambda: len(breaches()) >= 1)
        await asyncio.sleep(0.5)  # ten more checks

    (breach,) = breaches()
    assert critical in json.dumps(breach)
    assert low not in json.dumps(receiver.delivered(team.webhook_path))
    assert resolved not in json.dumps(receiver.delivered(team.webhook_path))
    assert await store.pool.fetchval("SELECT count(*) FROM slack_sla_posts WHERE impediment_id = $1", critical) == 1

    # A restarted poster remembers it: no second post.
    async with slack_poster_in_background(store, database_url, **{**options, "checkpoint_name": unique("again-")}):
        await asyncio.sleep(0.5)
    assert len(breaches()) == 1


async def test_a_first_run_starts_at_the_head_of_the_feed(
    client: Client, admin: dict[str, str], store: PostgresEventStore, database_url: str, receiver: Receiver
) -> None:
    team = await Team(client, admin).create()
    await team.register_webhook()
    old = await team.raise_impediment("old news")
    poster = SlackPoster(store, database_url, **poster_options(receiver))
    task = asyncio.get_running_loop().create_task(poster.run())
    try:
        await eventually(lambda: poster.status.active)
        await eventually(lambda: poster.status.position > 0)
        new = await team.raise_impediment("news")
        await eventually(lambda: len(receiver.delivered(team.webhook_path)) == 1)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    delivered = json.dumps(receiver.delivered(team.webhook_path))
    assert new in delivered
    assert old not in delivered
