"""The checkpointed catch-up runner: each projection follows the feed, one batch per transaction."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Final

import asyncpg
import msgspec

from sprintml.domain.decider import Event
from sprintml.eventstore import PostgresEventStore, RecordedEvent
from sprintml.eventstore.followers import Leadership, LostLeadership, leadership, save_checkpoint
from sprintml.eventstore.migrations import Connection
from sprintml.eventstore.postgres import NOTIFY_CHANNEL
from sprintml.projections.catalog import PROJECTIONS, follower_name
from sprintml.projections.projection import Projection
from sprintml.projections.registry import decode_data
from sprintml.projections.rows import Rows

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE: Final = 1000
_CONNECTION_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def ensure_checkpoint(connection: Connection, name: str) -> None:
    """Create the checkpoint row at 0 if it is missing, so it can be locked from the first batch."""
    await connection.execute(
        "INSERT INTO checkpoints (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING", name
    )


async def lock_checkpoint(connection: Connection, name: str) -> int:
    """The checkpoint, locked until the transaction ends.

    The row lock is what makes "never twice, never skipped" hold even when two instances run at
    once (a leader that has not noticed it lost its lock) or a rebuild swaps tables in: whoever
    writes a projection's rows holds this lock, and reads the position under it.
    """
    position = await connection.fetchval("SELECT position FROM checkpoints WHERE name = $1 FOR UPDATE", name)
    return int(position or 0)


Decoded = list[tuple[Event, RecordedEvent]]


def decode_batch(projection: Projection, batch: Sequence[RecordedEvent]) -> Decoded:
    """The events of a batch this projection handles, decoded once."""
    handles = projection.handles
    decoded: Decoded = []
    for recorded in batch:
        if recorded.type in handles:
            event = decode_data(recorded.type, recorded.data)
            if event is not None:
                decoded.append((event, recorded))
    return decoded


async def read_after(store: PostgresEventStore, position: int, limit: int) -> list[RecordedEvent]:
    """The next events of the feed after `position`.

    The store fences again only for a reader at or past its last fence, so positions of
    rolled-back appends at the end of the fenced range would look like the end of the feed for
    ever; asking for the head fences afresh, then the read goes past them.
    """
    batch = await store.read_all(position, limit)
    if not batch and await store.head_position() > position:
        batch = await store.read_all(position, limit)
    return batch


class ProjectionRunner:
    """Applies the feed to one projection's tables; the checkpoint moves in the same transaction."""

    def __init__(self, store: PostgresEventStore, projection: Projection, *, batch_size: int = DEFAULT_BATCH_SIZE):
        self.store = store
        self.projection = projection
        self.batch_size = batch_size
        self.checkpoint_name = follower_name(projection.name)
        self.position: int | None = None  # where this runner believes the checkpoint is

    async def step(self, leader: Leadership | None = None) -> int:
        """Apply the next batch; answer how many events it held (0: caught up with the feed)."""
        pool = self.store.pool
        if self.position is None:
            async with pool.acquire() as connection:
                await ensure_checkpoint(connection, self.checkpoint_name)
                self.position = await lock_checkpoint(connection, self.checkpoint_name)
        # Read before the transaction, so a batch holds one pooled connection, not two.
        batch = await read_after(self.store, self.position, self.batch_size)
        if not batch:
            return 0
        async with pool.acquire() as connection, connection.transaction():
            position = await lock_checkpoint(connection, self.checkpoint_name)
            if position == self.position:
                await self._apply(connection, batch, leader)
        if position != self.position:
            # Someone else moved it (a rebuild swapped its tables in): read from there instead,
            # once this transaction has let go of the checkpoint's lock.
            self.position = position
            return await self.step(leader)
        self.position = batch[-1].position
        return len(batch)

    async def _apply(self, connection: Connection, batch: list[RecordedEvent], leader: Leadership | None) -> None:
        rows = Rows(self.projection.tables)
        decoded = decode_batch(self.projection, batch)
        for event, recorded in decoded:
            self.projection.need(event, recorded, rows)
        await rows.load(connection)
        for event, recorded in decoded:
            self.projection.apply(event, recorded, rows)
        await rows.flush(connection)
        await save_checkpoint(connection, self.checkpoint_name, batch[-1].position)
        if leader is not None:
            await leader.check()  # a deposed leader must not commit

    async def catch_up(self, leader: Leadership | None = None) -> int:
        """Apply batches until the feed has no more; answer how many events were read."""
        total = 0
        while count := await self.step(leader):
            total += count
        return total

    async def run(
        self, leader: Leadership, stop: asyncio.Event, wake: asyncio.Event, *, poll_interval: float = 1.0
    ) -> None:
        """Follow the feed until `stop` is set; raise LostLeadership when the lock's session dies."""
        while not stop.is_set():
            wake.clear()
            if await self.step(leader):
                continue
            await leader.check()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), poll_interval)


class _Wakers:
    """Wakes every idle runner of this process when the store announces new events."""

    def __init__(self) -> None:
        self.events: list[asyncio.Event] = []
        self.connection: asyncpg.Connection | None = None

    def new(self) -> asyncio.Event:
        event = asyncio.Event()
        self.events.append(event)
        return event

    def _notified(self, *_: object) -> None:
        for event in self.events:
            event.set()

    async def listen(self, dsn: str) -> None:
        try:
            self.connection = await asyncpg.connect(dsn)
            await self.connection.add_listener(NOTIFY_CHANNEL, self._notified)
        except _CONNECTION_ERRORS:
            log.warning("cannot LISTEN for new events; projections poll instead", exc_info=True)

    async def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(*_CONNECTION_ERRORS):
                await self.connection.close()


async def follow(
    store: PostgresEventStore,
    dsn: str,
    projection: Projection,
    stop: asyncio.Event,
    wake: asyncio.Event,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    poll_interval: float = 1.0,
    retry_interval: float = 1.0,
) -> None:
    """Run one projection for as long as `stop` is unset: standby until this process holds its lock,
    then active until the lock's connection dies, then standby again."""
    name = follower_name(projection.name)
    while not stop.is_set():
        try:
            async with leadership(dsn, name, retry_interval=retry_interval) as leader:
                log.info("projection %s: active in this process", projection.name)
                runner = ProjectionRunner(store, projection, batch_size=batch_size)
                await runner.run(leader, stop, wake, poll_interval=poll_interval)
        except LostLeadership:
            log.warning("projection %s: lost its lock; another instance takes over", projection.name)
        except _CONNECTION_ERRORS:
            log.warning("projection %s: database error; retrying", projection.name, exc_info=True)
        except Exception:
            # A bug meeting some event: the batch rolled back; say so, and try again (the lag shows it).
            log.exception("projection %s: failed to apply a batch; retrying", projection.name)
        if not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), retry_interval)


async def run_projections(
    store: PostgresEventStore,
    dsn: str,
    stop: asyncio.Event,
    projections: Sequence[Projection] = PROJECTIONS,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    poll_interval: float = 1.0,
    retry_interval: float = 1.0,
) -> None:
    """Run every projection until `stop` is set (`sprintml projections run`, and inside `serve`).

    Each projection has its own lock, so several processes share the work and stand in for each
    other. At stop, a batch in flight is cancelled: its transaction rolls back with its checkpoint.
    """
    wakers = _Wakers()
    await wakers.listen(dsn)
    tasks = [
        asyncio.create_task(
            follow(
                store,
                dsn,
                projection,
                stop,
                wakers.new(),
                batch_size=batch_size,
                poll_interval=poll_interval,
                retry_interval=retry_interval,
            ),
            name=f"projection:{projection.name}",
        )
        for projection in projections
    ]
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await wakers.close()


@contextlib.asynccontextmanager
async def projections_in_background(
    store: PostgresEventStore, dsn: str, projections: Sequence[Projection] = PROJECTIONS
) -> AsyncIterator[None]:
    """Run the projections for the lifetime of the block (the app's lifespan)."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_projections(store, dsn, stop, projections), name="projections")
    try:
        yield
    finally:
        stop.set()
        await task


class ProjectionLag(msgspec.Struct, frozen=True, kw_only=True):
    """How far one projection is behind the feed: in events, and in seconds since the oldest one it lacks."""

    name: str
    position: int
    events: int
    seconds: float


async def projection_lag(
    store: PostgresEventStore, projections: Sequence[Projection] = PROJECTIONS
) -> list[ProjectionLag]:
    """The lag of every projection, from the database (right whichever process runs them)."""
    rows = await store.pool.fetch(
        """
        WITH head AS (SELECT coalesce(max(position), 0) AS position FROM events)
        SELECT n.name, coalesce(c.position, 0) AS position,
               -- Positions are gap-free but for rolled-back appends: close enough, and no scan.
               greatest(head.position - coalesce(c.position, 0), 0) AS events,
               coalesce(extract(epoch FROM clock_timestamp() - (
                   SELECT e.recorded_at FROM events e WHERE e.position > coalesce(c.position, 0)
                   ORDER BY e.position LIMIT 1)), 0)::float8 AS seconds
        FROM head, unnest($1::text[]) AS n (name) LEFT JOIN checkpoints c ON c.name = n.name
        """,
        [follower_name(projection.name) for projection in projections],
    )
    return [
        ProjectionLag(
            name=row["name"].removeprefix("projection:"),
            position=row["position"],
            events=row["events"],
            seconds=max(row["seconds"], 0.0),
        )
        for row in rows
    ]
