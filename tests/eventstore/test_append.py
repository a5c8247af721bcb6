"""Appending: expected versions, idempotency, atomicity and refusals, on a real Postgres."""

import asyncio
import uuid

import msgspec
import pytest

from sprintml.eventstore import (
    NO_STREAM,
    ConcurrencyError,
    DuplicateEventIds,
    InvalidEvent,
    Metadata,
    NewEvent,
    PostgresEventStore,
    StreamAppend,
)
from sprintml.eventstore.store import MAX_EVENT_BYTES

METADATA = Metadata(actor="alice", correlation_id="req-1", causation_id="cmd-1")


def new_event(type_: str = "Happened", **data: object) -> NewEvent:
    return NewEvent(event_id=uuid.uuid4(), type=type_, data=data, metadata=METADATA)


def unique_stream(category: str = "team") -> str:
    return f"{category}-{uuid.uuid4().hex[:12]}"


async def test_append_to_a_new_stream_starts_at_version_one(store: PostgresEventStore) -> None:
    stream = unique_stream()
    result = await store.append(stream, NO_STREAM, [new_event(n=1), new_event(n=2)])
    assert result.version == 2
    assert not result.replayed
    events = await store.read_stream(stream)
    assert [e.version for e in events] == [1, 2]
    assert [msgspec.json.decode(e.data) for e in events] == [{"n": 1}, {"n": 2}]
    assert events[0].decoded_metadata() == METADATA
    assert result.positions == [e.position for e in events]


async def test_a_stale_expected_version_writes_nothing(store: PostgresEventStore) -> None:
    stream = unique_stream()
    await store.append(stream, NO_STREAM, [new_event()])
    with pytest.raises(ConcurrencyError) as raised:
        await store.append(stream, NO_STREAM, [new_event()])
    assert raised.value.actual == 1
    assert await store.stream_version(stream) == 1


async def test_any_version_appends_wherever_the_stream_is(store: PostgresEventStore) -> None:
    stream = unique_stream()
    await store.append(stream, None, [new_event()])
    result = await store.append(stream, None, [new_event()])
    assert result.version == 2


async def test_n_writers_on_one_version_have_exactly_one_winner(store: PostgresEventStore) -> None:
    stream = unique_stream()
    await store.append(stream, NO_STREAM, [new_event()])

    async def attempt(writer: int) -> int | None:
        try:
            await store.append(stream, 1, [new_event(writer=writer)])
        except ConcurrencyError:
            return None
        return writer

    outcomes = await asyncio.gather(*(attempt(i) for i in range(12)))
    winners = [w for w in outcomes if w is not None]
    assert len(winners) == 1
    events = await store.read_stream(stream)
    assert [e.version for e in events] == [1, 2]
    assert msgspec.json.decode(events[1].data) == {"writer": winners[0]}


async def test_reappending_the_same_event_ids_writes_nothing_new(store: PostgresEventStore) -> None:
    stream = unique_stream()
    events = [new_event(n=1), new_event(n=2)]
    first = await store.append(stream, NO_STREAM, events)
    again = await store.append(stream, NO_STREAM, events)
    assert again.replayed
    assert (again.version, again.positions) == (first.version, first.positions)
    assert len(await store.read_stream(stream)) == 2


async def test_concurrent_duplicates_store_the_events_once(store: PostgresEventStore) -> None:
    stream = unique_stream()
    events = [new_event(n=1)]
    results = await asyncio.gather(*(store.append(stream, None, events) for _ in range(6)))
    assert {r.positions[0] for r in results} == {results[0].positions[0]}
    assert sum(not r.replayed for r in results) == 1
    assert len(await store.read_stream(stream)) == 1


async def test_event_ids_stored_in_another_stream_are_refused(store: PostgresEventStore) -> None:
    event = new_event()
    await store.append(unique_stream(), NO_STREAM, [event])
    with pytest.raises(DuplicateEventIds):
        await store.append(unique_stream(), NO_STREAM, [event])


async def test_append_many_is_all_or_nothing(store: PostgresEventStore) -> None:
    sprint, impediment, taken = unique_stream("sprint"), unique_stream("impediment"), unique_stream()
    await store.append(taken, NO_STREAM, [new_event()])
    with pytest.raises(ConcurrencyError):
        await store.append_many(
            [
                StreamAppend(stream_id=sprint, expected_version=NO_STREAM, events=[new_event()]),
                StreamAppend(stream_id=impediment, expected_version=NO_STREAM, events=[new_event()]),
                StreamAppend(stream_id=taken, expected_version=NO_STREAM, events=[new_event()]),
            ]
        )
    assert await store.stream_version(sprint) == 0
    assert await store.stream_version(impediment) == 0

    results = await store.append_many(
        [
            StreamAppend(stream_id=sprint, expected_version=NO_STREAM, events=[new_event()]),
            StreamAppend(stream_id=impediment, expected_version=NO_STREAM, events=[new_event()]),
        ]
    )
    assert [r.version for r in results] == [1, 1]
    assert results[0].positions[0] < results[1].positions[0]


@pytest.mark.parametrize(
    "stream_id",
    ["", "team", "team-", "Team-x", "team-has space", "team-" + "x" * 65, "team-a/b", "-x", "team-ünï"],
)
async def test_bad_stream_ids_are_refused(store: PostgresEventStore, stream_id: str) -> None:
    with pytest.raises(InvalidEvent, match="stream id"):
        await store.append(stream_id, NO_STREAM, [new_event()])


async def test_an_oversized_payload_is_refused_and_nothing_written(store: PostgresEventStore) -> None:
    stream = unique_stream()
    with pytest.raises(InvalidEvent, match="limit"):
        await store.append(stream, NO_STREAM, [new_event(blob="x" * MAX_EVENT_BYTES)])
    assert await store.stream_version(stream) == 0


async def test_a_nul_character_is_refused_and_nothing_written(store: PostgresEventStore) -> None:
    stream = unique_stream()
    with pytest.raises(InvalidEvent, match="cannot be stored"):
        await store.append(stream, NO_STREAM, [new_event(title="bad\x00title")])
    assert await store.stream_version(stream) == 0


async def test_an_empty_append_is_refused(store: PostgresEventStore) -> None:
    with pytest.raises(InvalidEvent):
        await store.append(unique_stream(), NO_STREAM, [])


async def test_reopening_the_pool_finds_every_event(database_url: str) -> None:
    stream = unique_stream()
    async with await PostgresEventStore.connect(database_url) as first:
        written = [new_event(n=i) for i in range(25)]
        await first.append(stream, NO_STREAM, written)
    async with await PostgresEventStore.connect(database_url) as second:
        read = await second.read_stream(stream)
    assert [e.event_id for e in read] == [e.event_id for e in written]
