"""Fixtures shared by every IO test: a real Postgres (DATABASE_URL's server, or an embedded one)."""

from collections.abc import AsyncIterator

import pytest

from sprintml.eventstore import PostgresEventStore
from sprintml.eventstore.scratch import postgres_server, scratch_database


@pytest.fixture(scope="session")
async def postgres_server_url() -> AsyncIterator[str]:
    """A server to create databases on: DATABASE_URL's, or an embedded one for this run."""
    async with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
async def database_url(postgres_server_url: str) -> AsyncIterator[str]:
    """One fresh, migrated database for the whole test run."""
    async with scratch_database(postgres_server_url, "sprintml_test") as url:
        store = await PostgresEventStore.connect(url)
        await store.close()
        yield url


@pytest.fixture
async def fresh_database_url(postgres_server_url: str) -> AsyncIterator[str]:
    """An empty database of its own, for tests that reason about the whole feed."""
    async with scratch_database(postgres_server_url, "sprintml_test_fresh") as url:
        yield url


@pytest.fixture(scope="session")
async def store(database_url: str) -> AsyncIterator[PostgresEventStore]:
    async with await PostgresEventStore.connect(database_url) as store:
        yield store
