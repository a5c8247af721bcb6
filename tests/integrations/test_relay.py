"""The outbox relay on a real Postgres and a real nats-server."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg

from sprintml.eventstore import Metadata, NewEvent, PostgresEventStore, RecordedEvent
from sprintml.eventstore.followers import load_checkpoint, save_checkpoint
from sprintml.integrations import RelayStatus, ensure_stream, relay_in_background, relay_lag, run_relay, stream_config

if TYPE_CHECKING:  # only for annotations: every test folder's conftest is named `conftest`
    from conftest import NatsServer, Target

INFRA_STREAM = Path(__file__).parents[2] / "infra" / "nats" / "sprintml-stream.json"
FAST = {"max_backoff": 0.3, "poll_interval": 0.2, "ack_timeout": 2.0}


async def append(store: PostgresEventStore, stream_id: str, count: int, event_type: str = "ImpedimentRaised") -> None:
    version = await store.stream_version(stream_id)
    for index in range(count):
        event = NewEvent(
            event_id=uuid.uuid4(),
            type=event_type,
            data={"title": f"blocker {index}", "team_id": "platform"},
            metadata=Metadata(actor="test", correlation_id="relay-test"),
        )
        await store.append(stream_id, version + index, [event])


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {seconds} s")
        await asyncio.sleep(0.05)


async def caught_up(store: PostgresEventStore) -> None:
    async def done() -> bool:
        lag = await relay_lag(store)
        return lag.events == 0 and lag.published_position == await store.head_position()

    await eventually(done)


async def messages(js: JetStreamContext, stream: str) -> list[RawStreamMsg]:
    info = await js.stream_info(stream)
    return [await js.get_msg(stream, seq=seq) for seq in range(info.state.first_seq, info.state.last_seq + 1)]


def ids(events: Sequence[RecordedEvent]) -> list[str]:
    return [str(event.event_id) for event in events]


def msg_ids(stored: Sequence[RawStreamMsg]) -> list[str]:
    return [(message.headers or {})["Nats-Msg-Id"] for message in stored]


def relay_options(target: Target, **more: Any) -> dict[str, Any]:
    return {"stream": target.stream, "subject_prefix": target.subject_prefix, **FAST, **more}


async def test_the_relay_publishes_every_event_in_position_order_with_its_id_and_headers(
    fresh_store: PostgresEventStore, fresh_database_url: str, nats_url: str, js: JetStreamContext, target: Target
) -> None:
    await append(fresh_store, "impediment-42", 3)
    await append(fresh_store, "sprint-7", 2, "SprintStarted")
    await append(fresh_store, "impediment-43", 2, "ImpedimentResolved")
    async with relay_in_background(fresh_store, fresh_database_url, nats_url, **relay_options(target)):
        await caught_up(fresh_store)
    feed = await fresh_store.read_all(0, 100)
    stored = await messages(js, target.stream)

    assert msg_ids(stored) == ids(feed)
    first, sprint = stored[0], stored[3]
    assert first.subject == f"{target.subject_prefix}.impediment.ImpedimentRaised"
    assert sprint.subject == f"{target.subject_prefix}.sprint.SprintStarted"
    assert (sprint.headers or {})["Sprintml-Position"] == str(feed[3].position)
    assert (sprint.headers or {})["Sprintml-Stream"] == "sprint-7"
    envelope = json.loads(first.data or b"")
    assert envelope["event_id"] == str(feed[0].event_id)
    assert envelope["position"] == feed[0].position
    assert envelope["data"] == {"title": "blocker 0", "team_id": "platform"}
    assert envelope["metadata"]["actor"] == "test"
    again = await js.publish(first.subject or "", first.data or b"", headers={"Nats-Msg-Id": str(feed[0].event_id)})
    assert again.duplicate, "JetStream drops a second copy by its Nats-Msg-Id"


async def test_events_appended_while_the_broker_is_down_all_arrive_once_and_in_order_when_it_is_back(
    fresh_store: PostgresEventStore, fresh_database_url: str, own_nats_server: NatsServer, target: Target
) -> None:
    status = RelayStatus()
    options = relay_options(target, status=status)
    async with relay_in_background(fresh_store, fresh_database_url, own_nats_server.url, **options):
        await append(fresh_store, "impediment-1", 5)
        await caught_up(fresh_store)
        own_nats_server.stop()

        started = time.monotonic()
        await append(fresh_store, "impediment-2", 50)
        assert time.monotonic() - started < 10, "appends must not wait for the broker"
        await eventually(lambda: _is(not status.connected))
        assert (await relay_lag(fresh_store)).events == 50

        own_nats_server.start()
        await caught_up(fresh_store)

    connection = await nats.connect(own_nats_server.url)
    try:
        stored = await messages(connection.jetstream(), target.stream)
    finally:
        await connection.close()
    assert msg_ids(stored) == ids(await fresh_store.read_all(0, 100))
    assert len(stored) == 55


async def test_a_relay_killed_between_the_ack_and_its_checkpoint_leaves_no_duplicate_after_a_restart(
    fresh_store: PostgresEventStore, fresh_database_url: str, nats_url: str, js: JetStreamContext, target: Target
) -> None:
    await append(fresh_store, "impediment-9", 20)
    killed = asyncio.Event()
    relay: asyncio.Task[None] | None = None

    def kill(_: Sequence[RecordedEvent]) -> None:
        assert relay is not None
        relay.cancel()  # lands on the checkpoint write that comes next
        killed.set()

    relay = asyncio.create_task(
        run_relay(fresh_store, fresh_database_url, nats_url, on_published=kill, **relay_options(target))
    )
    await killed.wait()
    with pytest.raises(asyncio.CancelledError):
        await relay
    async with fresh_store.pool.acquire() as connection:
        assert await load_checkpoint(connection, "relay") == 0
    assert len(await messages(js, target.stream)) == 20

    status = RelayStatus()
    async with relay_in_background(fresh_store, fresh_database_url, nats_url, **relay_options(target, status=status)):
        await append(fresh_store, "impediment-9", 5)
        await caught_up(fresh_store)
    assert msg_ids(await messages(js, target.stream)) == ids(await fresh_store.read_all(0, 100))


async def test_a_relay_whose_checkpoint_is_behind_the_stream_resumes_after_the_last_message(
    fresh_store: PostgresEventStore, fresh_database_url: str, nats_url: str, js: JetStreamContext, target: Target
) -> None:
    await append(fresh_store, "impediment-5", 10)
    async with relay_in_background(fresh_store, fresh_database_url, nats_url, **relay_options(target)):
        await caught_up(fresh_store)
    async with fresh_store.pool.acquire() as connection:
        await save_checkpoint(connection, "relay", 3)  # as after a crash longer than the duplicate window

    status = RelayStatus()
    async with relay_in_background(fresh_store, fresh_database_url, nats_url, **relay_options(target, status=status)):
        await caught_up(fresh_store)
    assert status.duplicates == 0, "nothing the stream holds is published again"
    assert len(await messages(js, target.stream)) == 10


async def test_without_a_nats_url_no_relay_runs_and_nothing_is_checkpointed(
    fresh_store: PostgresEventStore, fresh_database_url: str
) -> None:
    await append(fresh_store, "impediment-3", 2)
    async with relay_in_background(fresh_store, fresh_database_url, None) as status:
        await asyncio.sleep(0.3)
        assert not status.active
    async with fresh_store.pool.acquire() as connection:
        assert await connection.fetchval("SELECT count(*) FROM checkpoints") == 0


async def test_a_relay_configured_later_starts_from_the_first_event_or_from_the_position_given(
    fresh_store: PostgresEventStore, fresh_database_url: str, nats_url: str, js: JetStreamContext, target: Target
) -> None:
    await append(fresh_store, "impediment-4", 6)
    feed = await fresh_store.read_all(0, 100)
    options = relay_options(target, from_position=feed[3].position)
    async with relay_in_background(fresh_store, fresh_database_url, nats_url, **options):
        await caught_up(fresh_store)
    assert msg_ids(await messages(js, target.stream)) == ids(feed[4:])


async def test_of_two_relays_only_one_is_active_and_each_event_is_published_once(
    fresh_store: PostgresEventStore, fresh_database_url: str, nats_url: str, js: JetStreamContext, target: Target
) -> None:
    first, second = RelayStatus(), RelayStatus()
    async with (
        relay_in_background(fresh_store, fresh_database_url, nats_url, **relay_options(target, status=first)),
        relay_in_background(fresh_store, fresh_database_url, nats_url, **relay_options(target, status=second)),
    ):
        await eventually(lambda: _is(first.active or second.active))
        await append(fresh_store, "impediment-6", 10)
        await caught_up(fresh_store)
        assert first.active != second.active
        assert first.published + second.published == 10
    assert msg_ids(await messages(js, target.stream)) == ids(await fresh_store.read_all(0, 100))


async def test_the_lag_counts_the_unpublished_events_and_the_age_of_the_oldest(
    fresh_store: PostgresEventStore, fresh_database_url: str, nats_url: str, js: JetStreamContext, target: Target
) -> None:
    assert (await relay_lag(fresh_store)).events == 0
    await append(fresh_store, "impediment-8", 4)
    await asyncio.sleep(0.2)
    lag = await relay_lag(fresh_store)
    assert lag.events == 4
    assert lag.seconds >= 0.2
    assert lag.published_position == 0
    async with relay_in_background(fresh_store, fresh_database_url, nats_url, **relay_options(target)):
        await caught_up(fresh_store)
    lag = await relay_lag(fresh_store)
    assert (lag.events, lag.seconds, lag.published_position) == (0, 0.0, lag.head_position)


async def test_ensure_stream_updates_the_window_of_an_existing_stream_and_keeps_the_operators_limits(
    js: JetStreamContext, target: Target
) -> None:
    subjects = [f"{target.subject_prefix}.>"]
    await js.add_stream(name=target.stream, subjects=subjects, duplicate_window=60, max_age=86400 * 365)
    await ensure_stream(js, target.stream, target.subject_prefix)
    await ensure_stream(js, target.stream, target.subject_prefix)  # and again: nothing to change
    config = (await js.stream_info(target.stream)).config
    assert config.duplicate_window == stream_config().duplicate_window
    assert config.max_age == 86400 * 365
    assert config.subjects == subjects


async def test_run_relay_returns_when_stop_is_set(
    fresh_store: PostgresEventStore, fresh_database_url: str, nats_url: str, js: JetStreamContext, target: Target
) -> None:
    await append(fresh_store, "impediment-10", 2)
    stop = asyncio.Event()
    options = relay_options(target)
    relay = asyncio.create_task(run_relay(fresh_store, fresh_database_url, nats_url, stop=stop, **options))
    await caught_up(fresh_store)
    stop.set()
    await asyncio.wait_for(relay, 5)
    assert len(await messages(js, target.stream)) == 2


def test_the_stream_configuration_in_infra_matches_the_code() -> None:
    infra = json.loads(INFRA_STREAM.read_text())
    code = stream_config().as_dict()
    assert {key: infra[key] for key in code if key in infra} == {key: code[key] for key in code if key in infra}
    assert {"name", "subjects", "storage", "duplicate_window", "retention"} <= infra.keys()


async def _is(value: bool) -> bool:
    return value
