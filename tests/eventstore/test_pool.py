"""Pooled connections go back without asyncpg's reset query, so nothing may leave session state on them."""

import asyncio
import uuid

from sprintml.eventstore import Metadata, NewEvent, PostgresEventStore
from sprintml.eventstore.migrations import migrate

METADATA = Metadata(actor="test", correlation_id="pool-test")


async def session_state_of_every_pooled_connection(store: PostgresEventStore) -> list[tuple[int, int]]:
    """(channels listened to, advisory locks held) of each connection of the pool."""
    connections = [await store.pool.acquire() for _ in range(store.pool.get_max_size())]
    try:
        return [
            tuple(
                await connection.fetchrow(
                    "SELECT (SELECT count(*) FROM pg_listening_channels()),"
                    " (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid())"
                )
            )
            for connection in connections
        ]
    finally:
        await asyncio.gather(*(store.pool.release(connection) for connection in connections))


async def test_a_finished_subscription_and_a_migration_leave_no_listen_and_no_lock(fresh_database_url: str) -> None:
    async with await PostgresEventStore.connect(fresh_database_url, max_size=4) as store:
        await store.append("pool-a", 0, [NewEvent(event_id=uuid.uuid4(), type="T", data={}, metadata=METADATA)])
        feed = store.subscribe(0, poll_interval=30)
        assert len(await anext(feed)) == 1
        await feed.aclose()
        async with store.pool.acquire() as connection:
            await migrate(connection)
        assert await session_state_of_every_pooled_connection(store) == [(0, 0)] * 4
