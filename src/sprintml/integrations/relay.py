"""The outbox relay: tails the event log from a checkpoint and publishes each event to NATS JetStream.

The log is the outbox
---------------------
The gap-free global feed (`PostgresEventStore.read_all`) already holds every committed
event in order, so appends need no second table and never wait for NATS. One relay at a
time (a Postgres advisory lock, `followers.leadership`) reads the feed after its
checkpoint, publishes each event with `Nats-Msg-Id` = event id, waits for JetStream's
acks, and only then moves the checkpoint. A crash between the ack and the checkpoint
re-publishes the tail of one batch, and JetStream drops those copies by message id.

Why the stream's order is the feed's order
------------------------------------------
Publishes within a batch are pipelined on one connection; a TCP connection and the
server's processing of it keep their order, so the stream stores them in position order.
The one way to lose that order is the client's reconnect buffer: after a broken socket it
would send later messages while earlier ones died with the socket. So the relay turns
automatic reconnection off: on any failure it drops the connection, backs off, connects
afresh and resumes after the highest position whose predecessors were all acked.

Why the duplicate window is two hours
-------------------------------------
An event is published twice only when its first publish may have been stored but was not
checkpointed: the retry comes one backoff later (at most `max_backoff` + `ack_timeout`,
about 15 s), or when a killed relay is restarted or a standby takes the lock (seconds to
the time an operator needs). Two hours covers that with a wide margin at a memory cost
the server pays per message in the window (small at sprintml's event rates). For longer
gaps, a (re)connecting relay first reads the stream's last message: if it is one of ours
and ahead of the checkpoint (same position, same event id), it resumes from there, so an
outage of any length re-publishes nothing the stream already holds.
"""

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import msgspec
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from sprintml.eventstore import PostgresEventStore, RecordedEvent, stream_category
from sprintml.eventstore.followers import Leadership, LostLeadership, leadership, load_checkpoint, save_checkpoint

STREAM_NAME: Final = "SPRINTML"
SUBJECT_PREFIX: Final = "sprintml"
CHECKPOINT_NAME: Final = "relay"
DUPLICATE_WINDOW_SECONDS: Final = 2 * 60 * 60.0

POSITION_HEADER: Final = "Sprintml-Position"
STREAM_HEADER: Final = "Sprintml-Stream"
VERSION_HEADER: Final = "Sprintml-Version"
MSG_ID_HEADER: Final = "Nats-Msg-Id"

LEADERSHIP_CHECK_SECONDS: Final = 5.0

_log = logging.getLogger(__name__)
_encode = msgspec.json.Encoder().encode
_NOT_A_SUBJECT_TOKEN = re.compile(r"[^A-Za-z0-9_-]")

OnPublished = Callable[[Sequence[RecordedEvent]], None]
"""Called with the events JetStream has just acked, before their checkpoint is saved."""


def stream_config(stream: str = STREAM_NAME, subject_prefix: str = SUBJECT_PREFIX) -> StreamConfig:
    """The stream every sprintml event goes to (infra/nats/sprintml-stream.json says the same)."""
    return StreamConfig(
        name=stream,
        description="Every sprintml event, in the order of the event log",
        subjects=[f"{subject_prefix}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        # Kept for ever, like the log: consumers may replay from the start.
        max_age=None,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=1,
    )


async def ensure_stream(js: JetStreamContext, stream: str = STREAM_NAME, subject_prefix: str = SUBJECT_PREFIX) -> None:
    """Create the stream, or bring the settings the relay relies on to ours on an existing one.

    Only subjects and the duplicate window are updated: replicas, limits and placement stay
    as an operator set them (a cluster runs R3, say, where our default is R1).
    """
    wanted = stream_config(stream, subject_prefix)
    try:
        info = await js.stream_info(stream)
    except NotFoundError:
        await js.add_stream(wanted)
        return
    current = info.config
    if current.storage != wanted.storage:
        # The server cannot change storage in place, and memory would lose events on a restart.
        _log.warning("relay: stream %s uses %s storage, not %s", stream, current.storage, wanted.storage)
    if sorted(current.subjects or []) != wanted.subjects or current.duplicate_window != wanted.duplicate_window:
        await js.update_stream(current.evolve(subjects=wanted.subjects, duplicate_window=wanted.duplicate_window))


def subject_for(event: RecordedEvent, subject_prefix: str = SUBJECT_PREFIX) -> str:
    """`sprintml.<stream type>.<event type>`, e.g. `sprintml.impediment.ImpedimentRaised`."""
    event_type = _NOT_A_SUBJECT_TOKEN.sub("_", event.type) or "_"
    return f"{subject_prefix}.{stream_category(event.stream_id)}.{event_type}"


def headers_for(event: RecordedEvent) -> dict[str, str]:
    return {
        MSG_ID_HEADER: str(event.event_id),
        POSITION_HEADER: str(event.position),
        STREAM_HEADER: event.stream_id,
        VERSION_HEADER: str(event.version),
        "Content-Type": "application/json",
    }


def payload_for(event: RecordedEvent) -> bytes:
    """The stored envelope as JSON; `data` and `metadata` are embedded as the raw JSON stored."""
    return _encode(event)


@dataclass
class RelayStatus:
    """What this process's relay is doing, for logs and metrics (lag for `/ready`: `relay_lag`)."""

    active: bool = False
    """This instance holds the relay lock (a standby waits with False)."""
    connected: bool = False
    published_position: int = 0
    """Every event up to this position is acked by JetStream and checkpointed."""
    head_position: int = 0
    """The highest position the relay has read from the feed."""
    oldest_unpublished_at: datetime | None = None
    published: int = 0
    duplicates: int = 0
    """Acks JetStream marked as duplicates: re-publishes it dropped."""
    last_error: str | None = None
    started_at: float = field(default_factory=time.monotonic)


class RelayLag(msgspec.Struct, frozen=True, kw_only=True):
    """How far the published stream trails the event log."""

    events: int
    seconds: float
    """Age of the oldest event not yet published (0 when caught up)."""
    published_position: int
    head_position: int


_LAG_SQL = """
SELECT c.position, coalesce(max(e.position), c.position), count(e.position),
       coalesce(extract(epoch FROM clock_timestamp() - min(e.recorded_at)), 0)::float8
FROM (SELECT coalesce(max(position), 0) AS position FROM checkpoints WHERE name = $1) AS c
LEFT JOIN events AS e ON e.position > c.position
GROUP BY c.position
"""


async def relay_lag(store: PostgresEventStore, name: str = CHECKPOINT_NAME) -> RelayLag:
    """The relay's lag read from the database, so any process (API, CLI) can report it."""
    row = await store.pool.fetchrow(_LAG_SQL, name)
    assert row is not None
    return RelayLag(
        published_position=int(row[0]), head_position=int(row[1]), events=int(row[2]), seconds=float(row[3])
    )


class _Backoff:
    """Capped exponential backoff: 0.1 s, 0.2 s, 0.4 s ... `cap`."""

    def __init__(self, cap: float, first: float = 0.1) -> None:
        self.cap = cap
        self.first = first
        self._next = first

    def reset(self) -> None:
        self._next = self.first

    async def sleep(self) -> None:
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        await asyncio.sleep(delay)


class _PublishIncomplete(Exception):
    """Part of a batch was not acked: reconnect and resume after the acked prefix."""


class NatsRelay:
    """One relay instance: `run()` until cancelled; see the module docstring."""

    def __init__(
        self,
        store: PostgresEventStore,
        dsn: str,
        nats_url: str,
        *,
        from_position: int | None = None,
        batch_size: int = 500,
        stream: str = STREAM_NAME,
        subject_prefix: str = SUBJECT_PREFIX,
        checkpoint_name: str = CHECKPOINT_NAME,
        status: RelayStatus | None = None,
        on_published: OnPublished | None = None,
        ack_timeout: float = 5.0,
        max_backoff: float = 10.0,
        poll_interval: float = 1.0,
    ) -> None:
        self.store = store
        self.dsn = dsn
        self.nats_url = nats_url
        self.batch_size = batch_size
        self.stream = stream
        self.subject_prefix = subject_prefix
        self.checkpoint_name = checkpoint_name
        self.status = status if status is not None else RelayStatus()
        self.on_published = on_published
        self.ack_timeout = ack_timeout
        self.poll_interval = poll_interval
        self._from_position = from_position
        self._backoff = _Backoff(max_backoff)
        self._position = 0
        self._checked_leadership_at = 0.0

    async def run(self) -> None:
        """Publish for ever: wait for the lock, then relay; any failure backs off and retries."""
        while True:
            try:
                async with leadership(self.dsn, self.checkpoint_name) as lead:
                    self.status.active = True
                    await self._start_position()
                    await self._relay_while_leader(lead)
            except Exception as error:  # never crash the process: the log keeps every event
                self._failed(error)
                await self._backoff.sleep()
            finally:
                self.status.active = False
                self.status.connected = False

    async def _start_position(self) -> None:
        async with self.store.pool.acquire() as connection:
            if self._from_position is not None:
                # An explicit start overrides the checkpoint once; later restarts resume from it.
                await save_checkpoint(connection, self.checkpoint_name, self._from_position)
                self._from_position = None
            self._position = await load_checkpoint(connection, self.checkpoint_name)
        self.status.published_position = self._position

    async def _relay_while_leader(self, lead: Leadership) -> None:
        while True:
            await lead.check()
            self._checked_leadership_at = time.monotonic()
            try:
                await self._connect_and_publish(lead)
            except LostLeadership:
                raise
            except Exception as error:
                self._failed(error)
                await self._backoff.sleep()

    async def _connect_and_publish(self, lead: Leadership) -> None:
        lost = asyncio.Event()

        async def on_lost() -> None:
            lost.set()

        async def on_error(error: Exception) -> None:
            _log.debug("relay: NATS error: %r", error)  # the failure itself is logged once, below

        connection = NatsClient()
        try:
            # No automatic reconnection: its buffer could reorder messages (module docstring).
            # max_reconnect_attempts=0 would mean "for ever" in the initial server loop; 1 fails fast.
            await connection.connect(
                self.nats_url,
                name="sprintml-relay",
                allow_reconnect=False,
                connect_timeout=2,
                max_reconnect_attempts=1,
                reconnect_time_wait=0,
                error_cb=on_error,
                disconnected_cb=on_lost,
                closed_cb=on_lost,
            )
            js = connection.jetstream()
            await ensure_stream(js, self.stream, self.subject_prefix)
            await self._skip_what_the_stream_holds(js)
            self.status.connected = True
            self.status.last_error = None
            self._backoff.reset()
            await self._publish_feed(lead, js, lost)
        finally:
            self.status.connected = False
            with contextlib.suppress(Exception):
                await connection.close()

    async def _skip_what_the_stream_holds(self, js: JetStreamContext) -> None:
        """Resume after the stream's last message when it is our event ahead of the checkpoint."""
        info = await js.stream_info(self.stream)
        last_seq = int(info.state.last_seq or 0)
        if last_seq == 0:
            return
        try:
            message = await js.get_msg(self.stream, seq=last_seq)
        except NotFoundError:
            return
        headers: dict[str, str] = message.headers or {}
        try:
            position = int(headers.get(POSITION_HEADER, ""))
        except ValueError:
            return
        if position <= self._position:
            return
        events = await self.store.read_all(position - 1, 1)
        # The same position with another id is a different database (restored, recreated): republish.
        if events and events[0].position == position and str(events[0].event_id) == headers.get(MSG_ID_HEADER):
            await self._save_checkpoint(position)

    async def _publish_feed(self, lead: Leadership, js: JetStreamContext, lost: asyncio.Event) -> None:
        feed = self.store.subscribe(self._position, self.batch_size, self.poll_interval)
        try:
            async for batch in feed:
                if time.monotonic() - self._checked_leadership_at > LEADERSHIP_CHECK_SECONDS:
                    await lead.check()
                    self._checked_leadership_at = time.monotonic()
                self.status.head_position = max(self.status.head_position, batch[-1].position)
                self.status.oldest_unpublished_at = batch[0].recorded_at
                await self._publish_batch(js, batch, lost)
                self.status.oldest_unpublished_at = None
        finally:
            if isinstance(feed, AsyncGenerator):
                await feed.aclose()  # gives the LISTEN connection back to the pool now

    async def _publish_batch(self, js: JetStreamContext, batch: list[RecordedEvent], lost: asyncio.Event) -> None:
        """Pipeline the batch, then checkpoint the prefix whose acks all came back."""
        futures: list[asyncio.Future[Any]] = []
        acked = 0
        try:
            for event in batch:
                futures.append(
                    await js.publish_async(
                        subject_for(event, self.subject_prefix), payload_for(event), headers=headers_for(event)
                    )
                )
            await _wait_for_acks(futures, lost, self.ack_timeout)
        finally:
            duplicates = 0
            for future in futures:
                if not future.done() or future.cancelled() or future.exception() is not None:
                    break
                acked += 1
                duplicates += bool(future.result().duplicate)
            for future in futures[acked:]:
                future.cancel()
            if acked:
                done = batch[:acked]
                self.status.published += acked - duplicates
                self.status.duplicates += duplicates
                if self.on_published is not None:
                    self.on_published(done)
                await self._save_checkpoint(done[-1].position)
        if acked < len(batch):
            failed = futures[acked] if acked < len(futures) else None
            reason = failed.exception() if failed is not None and failed.done() and not failed.cancelled() else None
            raise _PublishIncomplete(f"{acked} of {len(batch)} events acked; first failure: {reason!r}")

    async def _save_checkpoint(self, position: int) -> None:
        async with self.store.pool.acquire() as connection:
            await save_checkpoint(connection, self.checkpoint_name, position)
        self._position = position
        self.status.published_position = position

    def _failed(self, error: Exception) -> None:
        self.status.last_error = repr(error)
        _log.warning("relay: %r; retrying after backoff", error)


async def _wait_for_acks(futures: list[asyncio.Future[Any]], lost: asyncio.Event, ack_timeout: float) -> None:
    """Until every ack is in, the connection is lost, or the timeout passes, whichever comes first."""
    if not futures:
        return
    acks: asyncio.Future[Any] = asyncio.gather(*futures, return_exceptions=True)
    lost_waiter: asyncio.Future[Any] = asyncio.ensure_future(lost.wait())
    try:
        await asyncio.wait({acks, lost_waiter}, timeout=ack_timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        lost_waiter.cancel()
        if not acks.done():
            acks.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await acks
        with contextlib.suppress(asyncio.CancelledError):
            await lost_waiter


async def run_relay(
    store: PostgresEventStore,
    dsn: str,
    nats_url: str,
    *,
    from_position: int | None = None,
    batch_size: int = 500,
    stop: asyncio.Event | None = None,
    **options: Any,
) -> None:
    """Relay the event log to JetStream until `stop` is set or the task is cancelled.

    `options` go to `NatsRelay` (stream, subject_prefix, status, on_published, timeouts).
    """
    relay = NatsRelay(store, dsn, nats_url, from_position=from_position, batch_size=batch_size, **options)
    if stop is None:
        await relay.run()
        return
    running = asyncio.ensure_future(relay.run())
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (running, stopping):
            task.cancel()
        await asyncio.gather(running, stopping, return_exceptions=True)


@contextlib.asynccontextmanager
async def relay_in_background(
    store: PostgresEventStore, dsn: str, nats_url: str | None, **options: Any
) -> AsyncIterator[RelayStatus]:
    """Run the relay as a task for the life of the block (none without a NATS URL)."""
    status: RelayStatus = options.pop("status", None) or RelayStatus()
    if not nats_url:
        # Nothing piles up meanwhile: the log is the outbox, and the first relay starts at its checkpoint.
        yield status
        return
    task = asyncio.get_running_loop().create_task(
        run_relay(store, dsn, nats_url, status=status, **options), name="sprintml-relay"
    )
    try:
        yield status
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
