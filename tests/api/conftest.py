"""The real app on the real database, with one bearer token per role."""

import uuid
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from sprintml.accounts import ROLES, TokenStore
from sprintml.api import create_app
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


def unique_id(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"
