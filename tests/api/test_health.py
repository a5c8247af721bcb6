"""The probes, on the real app and the real database."""

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from sprintml.api import create_app
from sprintml.config import Settings


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    app = create_app(Settings(database_url=database_url))
    async with AsyncTestClient(app) as client:
        yield client


async def test_health_answers_ok(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_reports_a_migrated_database(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["pending_migrations"] == []
