"""Rebuild projections from position zero into shadow tables, then swap them in at once.

While the rebuild replays the feed, the live tables keep serving and the runners keep updating
them. At the end one transaction locks the projections' checkpoint rows (a runner's batch holds
its row lock, so none is half-way), brings the shadow tables up to the furthest live checkpoint,
replaces the live tables with the shadow ones and moves the checkpoints to where the shadow
tables are. Readers see the old tables or the new ones, never a mix (0003_read_models.sql).
"""

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Final

import msgspec
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sprintml.eventstore import PostgresEventStore
from sprintml.eventstore.followers import save_checkpoint
from sprintml.eventstore.migrations import Connection
from sprintml.projections.catalog import follower_name, select
from sprintml.projections.projection import Envelope, Projection
from sprintml.projections.registry import decode_data
from sprintml.projections.rows import Rows
from sprintml.projections.runner import ensure_checkpoint, lock_checkpoint, read_after

SHADOW_SCHEMA: Final = "sprintml_rebuild"
_LOCK: Final = "sprintml:projections-rebuild"
DEFAULT_BATCH_SIZE: Final = 5000
# Append-only rows leave memory this often; rows with keys stay in memory until the swap, so each
# is written once by COPY instead of inserted and then updated over and over.
DEFAULT_FLUSH_EVERY: Final = 100_000


_FEED_SQL: Final = (
    "SELECT position, stream_id, version, type, data::text FROM events "
    "WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3"
)


class _Envelope(msgspec.Struct, frozen=True, array_like=True, gc=False):
    position: int
    stream_id: str
    version: int


# (type, data, envelope) of one stored event
_Stored = tuple[str, str | msgspec.Raw, Envelope]


class RebuildInProgress(Exception):
    """Another process is rebuilding projections right now."""


class RebuildReport(msgspec.Struct, frozen=True, kw_only=True):
    projections: list[str]
    events: int
    position: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


async def rebuild(
    store: PostgresEventStore,
    names: Sequence[str] | None = None,
    *,
    progress: bool = True,
    console: Console | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    flush_every: int = DEFAULT_FLUSH_EVERY,
) -> RebuildReport:
    """Rebuild the named projections (all when None) from zero; the API keeps serving meanwhile.

    Raises UnknownProjection for a name not in the catalog and RebuildInProgress if another
    rebuild holds the lock.
    """
    projections = select(names)
    async with store.pool.acquire() as holder:
        if not await holder.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", _LOCK):
            raise RebuildInProgress("another rebuild of the projections is running")
        try:
            with _collector_paused():
                return await _Rebuild(store, projections, batch_size).run(progress, console, flush_every)
        finally:
            await holder.execute("SELECT pg_advisory_unlock(hashtext($1))", _LOCK)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: a rebuild keeps every row in memory, and each collection
    would walk them all again (it costs a third of the rebuild's time); reference counting still
    frees what goes away, and cycles wait for the end of the rebuild."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Rebuild:
    def __init__(self, store: PostgresEventStore, projections: Sequence[Projection], batch_size: int) -> None:
        self.store = store
        self.projections = projections
        self.batch_size = batch_size
        self.tables = [table for projection in projections for table in projection.tables]
        self.rows = Rows(self.tables, schema=SHADOW_SCHEMA, complete=True)
        self.position = 0
        self.events = 0
        # Which projections handle each event type, looked up once per event.
        self.by_type: dict[str, list[Projection]] = {}
        for projection in projections:
            for type_name in projection.handles:
                self.by_type.setdefault(type_name, []).append(projection)

    async def run(self, progress: bool, console: Console | None, flush_every: int) -> RebuildReport:
        started = time.perf_counter()
        pool = self.store.pool
        async with pool.acquire() as connection:
            await self._create_shadow(connection)
            head = await self.store.head_position()
            bar = Progress(
                SpinnerColumn(),
                TextColumn("rebuilding {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:>9,.0f} events/s"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                disable=not progress,
            )
            with bar:
                names = ", ".join(projection.name for projection in self.projections)
                task = bar.add_task(names, total=head, rate=0.0)
                unflushed = 0
                async for batch in self._feed(head):
                    self._apply(batch)
                    unflushed += len(batch)
                    if unflushed >= flush_every:
                        async with connection.transaction():
                            await self.rows.flush(connection, appends_only=True)
                        unflushed = 0
                    rate = self.events / (time.perf_counter() - started)
                    bar.update(task, completed=self.position, total=max(head, self.position), rate=rate)
                async with connection.transaction():
                    await self.rows.flush(connection)
                    await self._index_shadow(connection)
                await self._swap(connection)
                bar.update(task, completed=self.position, total=self.position)
        return RebuildReport(
            projections=[projection.name for projection in self.projections],
            events=self.events,
            position=self.position,
            seconds=time.perf_counter() - started,
        )

    async def _feed(self, head: int) -> AsyncIterator[list[_Stored]]:
        """The feed from zero up to `head` (fenced: final) in batches, each read while the one
        before is applied, and only the columns projections use: the envelope's uuid, metadata and
        timestamp cost more to decode than some projections cost to apply."""
        async with self.store.pool.acquire() as reader:

            async def read(after: int) -> list[_Stored]:
                rows = await reader.fetch(_FEED_SQL, after, head, self.batch_size)
                return [(row[3], row[4], _Envelope(row[0], row[1], row[2])) for row in rows]

            ahead = asyncio.create_task(read(0))
            try:
                while batch := await ahead:
                    ahead = asyncio.create_task(read(batch[-1][2].position))
                    yield batch
            finally:
                ahead.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ahead

    async def _create_shadow(self, connection: Connection) -> None:
        for projection in self.projections:
            await ensure_checkpoint(connection, follower_name(projection.name))
        async with connection.transaction():
            # A rebuild that died half-way left its shadow behind: start afresh.
            await connection.execute(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE")
            await connection.execute(f"CREATE SCHEMA {SHADOW_SCHEMA}")
            for table in self.tables:
                # Indexes come after the bulk load (`_index_shadow`): one sort beats a million inserts.
                await connection.execute(
                    f"CREATE TABLE {SHADOW_SCHEMA}.{table.name} "
                    f"(LIKE {table.name} INCLUDING ALL EXCLUDING INDEXES EXCLUDING CONSTRAINTS)"
                )

    async def _index_shadow(self, connection: Connection) -> None:
        """Give each shadow table the live table's keys and indexes, under the same names."""
        schema = await connection.fetchval("SELECT current_schema()")
        for table in self.tables:
            live = f"{schema}.{table.name}"
            constraints = await connection.fetch(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass",
                live,
            )
            for name, definition in constraints:
                await connection.execute(f"ALTER TABLE {SHADOW_SCHEMA}.{table.name} ADD CONSTRAINT {name} {definition}")
            indexes = await connection.fetch(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = $3::regclass)",
                schema,
                table.name,
                live,
            )
            for _, definition in indexes:
                await connection.execute(definition.replace(f" ON {live} ", f" ON {SHADOW_SCHEMA}.{table.name} ", 1))

    def _apply(self, batch: Sequence[_Stored]) -> None:
        by_type = self.by_type
        rows = self.rows
        for type_name, data, envelope in batch:
            handlers = by_type.get(type_name)
            if handlers:
                event = decode_data(type_name, data)
                if event is not None:
                    for projection in handlers:
                        projection.apply(event, envelope, rows)
        self.position = batch[-1][2].position
        self.events += len(batch)

    async def _swap(self, connection: Connection) -> None:
        async with connection.transaction():
            # Sorted, so two swaps (or a swap and a runner) always lock in the same order.
            names = sorted(follower_name(projection.name) for projection in self.projections)
            live = [await lock_checkpoint(connection, name) for name in names]
            # The live tables may be ahead: catch the shadow up while the runners wait on the locks.
            while self.position < max(live) and (batch := await read_after(self.store, self.position, self.batch_size)):
                self._apply([(recorded.type, recorded.data, recorded) for recorded in batch])
            await self.rows.flush(connection)
            schema = await connection.fetchval("SELECT current_schema()")
            for table in self.tables:
                await connection.execute(f"DROP TABLE {schema}.{table.name}")
                await connection.execute(f"ALTER TABLE {SHADOW_SCHEMA}.{table.name} SET SCHEMA {schema}")
            await connection.execute(f"DROP SCHEMA {SHADOW_SCHEMA}")
            for name in names:
                await save_checkpoint(connection, name, self.position)
