"""What every follower of the feed needs: a stored checkpoint and one active instance at a time."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg

from sprintml.eventstore.migrations import Connection


async def load_checkpoint(connection: Connection, name: str) -> int:
    """The last position the follower `name` has fully handled (0: nothing yet)."""
    position = await connection.fetchval("SELECT position FROM checkpoints WHERE name = $1", name)
    return int(position or 0)


async def save_checkpoint(connection: Connection, name: str, position: int) -> None:
    """Record progress; call it in the same transaction as the work it covers."""
    await connection.execute(
        "INSERT INTO checkpoints (name, position) VALUES ($1, $2) "
        "ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()",
        name,
        position,
    )


class LostLeadership(Exception):
    """The connection that held the follower's lock is gone: stop, another instance takes over."""


class Leadership:
    """Proof that this process is the one active instance of a follower, while `check()` passes."""

    def __init__(self, connection: asyncpg.Connection, name: str) -> None:
        self._connection = connection
        self.name = name

    async def check(self) -> None:
        """Raise LostLeadership if the session holding the lock has died."""
        try:
            await self._connection.fetchval("SELECT 1")
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise LostLeadership(self.name) from error


@contextlib.asynccontextmanager
async def leadership(dsn: str, name: str, *, retry_interval: float = 1.0) -> AsyncIterator[Leadership]:
    """Wait until this process holds the session advisory lock for `name`, then yield.

    The lock lives on a connection of its own: if that connection dies, Postgres releases
    the lock and a standby instance acquires it, so at most one instance is ever active.
    """
    connection: asyncpg.Connection = await asyncpg.connect(dsn)
    try:
        # Polling, not pg_advisory_lock(): a blocked call could not notice cancellation.
        while not await connection.fetchval(  # noqa: ASYNC110
            "SELECT pg_try_advisory_lock(hashtext('sprintml:' || $1))", name
        ):
            await asyncio.sleep(retry_interval)
        yield Leadership(connection, name)
    finally:
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await connection.close()
