"""The Postgres event store: the only module that reads and writes the `events` table.

Why the global feed never skips an event
----------------------------------------
Positions come from a sequence, and a value is drawn when a row is inserted, not when its
transaction commits. Two writers can draw 41 and 42 and 42 can commit first: a reader that
has just seen 42 and then asks for "position > 42" never sees 41. This is the trap
explained on `_lock_table` in pyeventsourcing's postgres recorder.

One cure is to serialise appends under an exclusive lock held until commit. We measured
it: every commit's WAL flush then happens inside the lock, so eight writers go no faster
than one. Another is Marten's transaction-id high-water mark, which makes the feed wait
for the oldest open transaction in the whole database, events or not.

We use a fence instead (migrations/0001_events.sql). An append holds one advisory lock in
SHARED mode from before it draws its positions until it commits, so appends still run and
commit in parallel. A reader calls `feed_fence()`: it reads the last position drawn by
anyone (sequences are not MVCC), then takes the same lock EXCLUSIVE for an instant, which
is granted only once every append that was in flight has committed or rolled back. Every
position up to the one it read is then final, and a fresh snapshot sees all the committed
ones. Readers remember the highest fenced position and fence again only when they have
read past it, so a catch-up read fences once and an idle poll not at all; under load a
fence stalls new appends for at most one commit.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from types import TracebackType
from typing import Any, Self

import asyncpg
import msgspec
from asyncpg.pool import PoolConnectionProxy

from sprintml.eventstore.idempotency import IdempotencyKey, StoredResponse, find_response, save_response
from sprintml.eventstore.migrations import Connection, migrate, pending_migrations
from sprintml.eventstore.store import (
    MAX_EVENT_BYTES,
    MAX_EVENTS_PER_APPEND,
    AppendResult,
    ConcurrencyError,
    DuplicateEventIds,
    InvalidEvent,
    NewEvent,
    RecordedEvent,
    StreamAppend,
    check_stream_id,
)

_json_encode = msgspec.json.Encoder().encode
_JSONB_VERSION = b"\x01"

NOTIFY_CHANNEL = "sprintml_events"
NOTIFY_SPACING = 0.01
"""Seconds between two NOTIFYs of one store: a follower hears of a burst at most this late."""

_APPEND_SQL = "SELECT * FROM append_events($1, $2, $3, $4, $5, $6)"
_READ_COLUMNS = "position, event_id, stream_id, version, type, data, metadata, recorded_at"
_READ_ALL_SQL = f"SELECT {_READ_COLUMNS} FROM events WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3"
_LAST_DRAWN_SQL = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_position_seq"
_READ_STREAM_SQL = f"SELECT {_READ_COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 ORDER BY version"


def _encode_jsonb(value: Any) -> bytes:
    return _JSONB_VERSION + _json_encode(value)


def _decode_jsonb(value: bytes) -> msgspec.Raw:
    # Left as raw JSON: the relay forwards it untouched and projections decode it straight
    # into typed events, which is faster than building dicts first (bench/eventstore.py).
    return msgspec.Raw(value[1:])


async def init_connection(connection: Connection) -> None:
    """Codecs for every pooled connection: jsonb in binary, written by msgspec, read as raw JSON."""
    await connection.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=_encode_jsonb, decoder=_decode_jsonb, format="binary"
    )


async def release_without_reset_query(connection: asyncpg.Connection) -> None:
    """The pool's `reset`: asyncpg still rolls back an open transaction and drops listener
    callbacks, but skips its reset query (UNLISTEN *, unlock all, RESET ALL), a round trip on
    every release, so on every query of a request. Nothing here leaves session state behind on
    a pooled connection: the few that LISTEN or take a session advisory lock undo it before
    they release (`subscribe`, `migrate`, `rebuild`), and nothing SETs a session variable."""


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=init_connection, reset=release_without_reset_query
    )
    assert pool is not None
    return pool


def _to_recorded(row: asyncpg.Record) -> RecordedEvent:
    return RecordedEvent(
        position=row[0],
        event_id=row[1],
        stream_id=row[2],
        version=row[3],
        type=row[4],
        data=row[5],
        metadata=row[6],
        recorded_at=row[7],
    )


def _encode_events(events: Sequence[NewEvent]) -> tuple[list[msgspec.Raw], list[msgspec.Raw]]:
    data: list[msgspec.Raw] = []
    metadata: list[msgspec.Raw] = []
    for event in events:
        encoded = _json_encode(event.data)
        if len(encoded) > MAX_EVENT_BYTES:
            raise InvalidEvent(f"event {event.type} is {len(encoded)} bytes; the limit is {MAX_EVENT_BYTES}")
        data.append(msgspec.Raw(encoded))
        metadata.append(msgspec.Raw(_json_encode(event.metadata)))
    return data, metadata


class PostgresEventStore:
    """Event store over one asyncpg pool (the pool is owned by whoever created it)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._fenced = 0  # every position up to this one is final (see the module docstring)
        self._notify_pending = False
        self._notified_at = 0.0
        self._background: set[asyncio.Task[None]] = set()

    @classmethod
    async def connect(cls, dsn: str, *, migrate_schema: bool = True, max_size: int = 10) -> Self:
        pool = await create_pool(dsn, max_size=max_size)
        if migrate_schema:
            async with pool.acquire() as connection:
                await migrate(connection)
        return cls(pool)

    async def close(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.pool.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- writing -----------------------------------------------------------------------

    async def append(self, stream_id: str, expected_version: int | None, events: Sequence[NewEvent]) -> AppendResult:
        """Append to one stream in one transaction (one round trip)."""
        (result,) = await self.append_many(
            [StreamAppend(stream_id=stream_id, expected_version=expected_version, events=events)]
        )
        return result

    async def append_many(
        self,
        appends: Sequence[StreamAppend],
        *,
        idempotency: tuple[IdempotencyKey, Callable[[list[AppendResult]], StoredResponse]] | None = None,
    ) -> list[AppendResult]:
        """Append to several streams atomically; any failure writes nothing.

        With `idempotency`, the response built from the results is saved under the key in the
        same transaction (KeyTaken if a concurrent request with that key committed first).
        """
        async with self.pool.acquire() as connection:
            try:
                results = await _append_in_transaction(connection, appends, idempotency)
            except _SameEventsInFlight:
                # The same events were being appended concurrently and committed first:
                # this call is a retry of that append, so now it answers as a replay.
                results = await _append_in_transaction(connection, appends, idempotency)
        self.notify_followers()
        return results

    async def find_response(self, key: IdempotencyKey) -> StoredResponse | None:
        """The stored first response for an idempotency key, if any."""
        async with self.pool.acquire() as connection:
            return await find_response(connection, key)

    def notify_followers(self) -> None:
        """Wake every LISTENing follower soon, once for any number of appends in between.

        NOTIFY is sent after the append's commit, on its own: inside the append it would
        serialise every commit on a database-wide lock. The first append after a quiet spell
        notifies at once; under load, one NOTIFY per NOTIFY_SPACING covers every append in
        between (one per append cost concurrent writers a third of their rate). Followers poll
        as well, so a lost notification delays an event by one poll interval, never loses it.
        """
        if self._notify_pending:
            return
        self._notify_pending = True
        task = asyncio.get_running_loop().create_task(self._notify())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _notify(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, self._notified_at + NOTIFY_SPACING - loop.time()))
        self._notify_pending = False  # appends from here on are after this NOTIFY: they ask again
        self._notified_at = loop.time()
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self.pool.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)

    # -- reading -----------------------------------------------------------------------

    async def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        rows = await self.pool.fetch(_READ_STREAM_SQL, stream_id, from_version)
        return [_to_recorded(row) for row in rows]

    async def stream_version(self, stream_id: str) -> int:
        version = await self.pool.fetchval(
            "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream_id
        )
        return int(version)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Committed events after a position, in global order, never skipping one."""
        async with self.pool.acquire() as connection:
            if after_position >= self._fenced:
                await self._fence(connection)
            rows = await connection.fetch(_READ_ALL_SQL, after_position, self._fenced, limit)
            if not rows and after_position < self._fenced:
                # Only positions of rolled-back appends lie up to the fence: look past it, or a
                # follower there would take those gaps for the end of the feed for ever.
                await self._fence(connection)
                rows = await connection.fetch(_READ_ALL_SQL, after_position, self._fenced, limit)
        return [_to_recorded(row) for row in rows]

    async def _fence(self, connection: Connection) -> None:
        if await connection.fetchval(_LAST_DRAWN_SQL) <= self._fenced:
            return  # nothing drawn since the last fence: no need to stall the writers
        self._fenced = max(self._fenced, int(await connection.fetchval("SELECT feed_fence()")))

    async def head_position(self) -> int:
        """The position of the last event that is final in the feed (0 for an empty store)."""
        async with self.pool.acquire() as connection:
            await self._fence(connection)
        return int(
            await self.pool.fetchval("SELECT coalesce(max(position), 0) FROM events WHERE position <= $1", self._fenced)
        )

    async def streams_of_team(self, team_id: str, category: str, as_of: int | None = None) -> list[str]:
        """Ids of the `category` streams whose first event names `team_id`, oldest first."""
        rows = await self.pool.fetch(
            "SELECT stream_id FROM events WHERE data ? 'team_id' AND data ->> 'team_id' = $1 AND version = 1 "
            "AND starts_with(stream_id, $2) AND position <= $3 ORDER BY position",
            team_id,
            f"{category}-",
            as_of if as_of is not None else 2**62,
        )
        return [row["stream_id"] for row in rows]

    async def position_at(self, instant: Any) -> int:
        """The last position recorded at or before an instant (for `?as_of=<time>`)."""
        value = await self.pool.fetchval(
            "SELECT coalesce(max(position), 0) FROM events WHERE recorded_at <= $1", instant
        )
        return int(value)

    async def subscribe(
        self, after_position: int = 0, batch_size: int = 1000, poll_interval: float = 1.0
    ) -> AsyncIterator[list[RecordedEvent]]:
        """Follow the feed for ever: LISTEN/NOTIFY wakes us, polling covers a lost notification."""
        wake = asyncio.Event()

        def on_notify(*_: object) -> None:
            wake.set()

        listener = await self._listen(on_notify)
        position = after_position
        try:
            while True:
                wake.clear()
                batch = await self.read_all(position, batch_size)
                if batch:
                    position = batch[-1].position
                    yield batch
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), poll_interval)
        finally:
            if listener is not None:
                with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    await listener.remove_listener(NOTIFY_CHANNEL, on_notify)
                await self.pool.release(listener)

    async def _listen(self, on_notify: Callable[..., None]) -> PoolConnectionProxy | None:
        connection = await self.pool.acquire()
        try:
            await connection.add_listener(NOTIFY_CHANNEL, on_notify)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self.pool.release(connection)
            return None  # polling alone still delivers every event
        return connection

    # -- health ------------------------------------------------------------------------

    async def pending_migrations(self) -> list[str]:
        async with self.pool.acquire() as connection:
            return await pending_migrations(connection)


async def _append_in_transaction(
    connection: Connection,
    appends: Sequence[StreamAppend],
    idempotency: tuple[IdempotencyKey, Callable[[list[AppendResult]], StoredResponse]] | None,
) -> list[AppendResult]:
    if len(appends) == 1 and idempotency is None:
        # A lone statement is its own transaction: no BEGIN/COMMIT round trips.
        return [await append_on(connection, appends[0])]
    async with connection.transaction():
        results = [await append_on(connection, append) for append in appends]
        if idempotency is not None:
            key, respond = idempotency
            await save_response(connection, key, respond(results))
        return results


async def append_on(connection: Connection, append: StreamAppend) -> AppendResult:
    """Run one stream's append on a connection (inside the caller's transaction, if any)."""
    check_stream_id(append.stream_id)
    events = append.events
    if not events:
        raise InvalidEvent("an append needs at least one event")
    if len(events) > MAX_EVENTS_PER_APPEND:
        raise InvalidEvent(f"at most {MAX_EVENTS_PER_APPEND} events per append")
    data, metadata = _encode_events(events)
    rows = await _call_append(connection, append, data, metadata)
    return AppendResult(
        stream_id=append.stream_id,
        version=rows[-1]["out_version"],
        positions=[row["out_position"] for row in rows],
        recorded_at=rows[-1]["out_recorded_at"],
        replayed=rows[0]["out_replayed"],
    )


class _SameEventsInFlight(Exception):
    """A concurrent append with these event ids committed first."""


async def _call_append(
    connection: Connection, append: StreamAppend, data: list[msgspec.Raw], metadata: list[msgspec.Raw]
) -> list[asyncpg.Record]:
    events = append.events
    try:
        return await connection.fetch(
            _APPEND_SQL,
            append.stream_id,
            append.expected_version,
            [event.event_id for event in events],
            [event.type for event in events],
            data,
            metadata,
        )
    except asyncpg.PostgresError as error:
        raise _translate(error, append) from error


def _translate(error: asyncpg.PostgresError, append: StreamAppend) -> Exception:
    """The store's own errors; asyncpg's never leave this module."""
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate == "SM001":
        actual = int(getattr(error, "detail", None) or -1)
        return ConcurrencyError(append.stream_id, append.expected_version, actual)
    if isinstance(error, asyncpg.UniqueViolationError):
        if getattr(error, "constraint_name", None) == "events_event_id_unique":
            return _SameEventsInFlight(str(error))
        # Two appends drew the same version: the one that committed first won.
        return ConcurrencyError(append.stream_id, append.expected_version, -1)
    if sqlstate == "SM002":
        return DuplicateEventIds(str(error))
    if isinstance(error, asyncpg.UntranslatableCharacterError | asyncpg.DataError):
        return InvalidEvent(f"the event cannot be stored: {error}")
    return error
