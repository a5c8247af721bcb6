"""The real app on the real database, with one bearer token per role, and a clock a test can freeze."""

import datetime as dt
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import ClassVar

import pytest
import uvicorn
from litestar import Litestar
from litestar.testing import AsyncTestClient

from sprintml.accounts import ROLES, TokenStore
from sprintml.api import create_app, reads, writes
from sprintml.config import Settings
from sprintml.eventstore import PostgresEventStore

Client = AsyncTestClient[Litestar]


@pytest.fixture(scope="session")
async def client(database_url: str) -> AsyncIterator[Client]:
    # The poster would post the tests' teams to hooks.slack.com: its own tests run it locally.
    app = create_app(Settings(database_url=database_url, run_slack_poster=False))
    async with AsyncTestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
async def auth(store: PostgresEventStore) -> dict[str, dict[str, str]]:
    """`Authorization` headers by role: auth["scrum_master"]."""
    tokens = TokenStore(store.pool)
    headers = {}
    for role in ROLES:
        _, token = await tokens.create(f"{role}-{uuid.uuid4().hex[:6]}", [role])
        headers[role] = {"Authorization": f"Bearer {token}"}
    return headers


@pytest.fixture(scope="module")
def served_url(database_url: str) -> Iterator[str]:
    """The app under uvicorn on a free port, as `sprintml serve` runs it."""
    app = create_app(Settings(database_url=database_url, run_slack_poster=False))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start in 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


class FrozenDatetime(dt.datetime):
    """`datetime` whose `now()` is whatever the test last set."""

    current: ClassVar[dt.datetime]

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> "FrozenDatetime":
        return cls.current  # type: ignore[return-value]


class Clock:
    def set(self, when: str) -> None:
        FrozenDatetime.current = dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    monkeypatch.setattr(writes, "datetime", FrozenDatetime)
    monkeypatch.setattr(reads, "datetime", FrozenDatetime)
    return Clock()


def unique_id(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"
