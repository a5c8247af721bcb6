"""The global feed: gap-free under concurrent writers, in order, live."""

import asyncio
import uuid

import pytest

from sprintml.eventstore import Metadata, NewEvent, PostgresEventStore, RecordedEvent

METADATA = Metadata(actor="writer", correlation_id="feed-test")


async def test_the_feed_never_skips_an_event_under_16_concurrent_writers(fresh_database_url: str) -> None:
    writers, appends_each = 16, 40
    async with await PostgresEventStore.connect(fresh_database_url, max_size=20) as store:
        done = asyncio.Event()
        seen: list[RecordedEvent] = []

        async def follow() -> None:
            position = 0
            while True:
                finished = done.is_set()
                batch = await store.read_all(position, 50)
                seen.extend(batch)
                if batch:
                    position = batch[-1].position
                elif finished:
                    return
                else:
                    await asyncio.sleep(0)

        async def write(writer: int) -> None:
            for n in range(appends_each):
                # Mixed sizes, so transactions of different lengths interleave their commits.
                size = 1 + (writer + n) % 3
                events = [
                    NewEvent(event_id=uuid.uuid4(), type="Wrote", data={"w": writer, "n": n}, metadata=METADATA)
                    for _ in range(size)
                ]
                await store.append(f"feed-w{writer}", None, events)

        follower = asyncio.create_task(follow())
        await asyncio.gather(*(write(w) for w in range(writers)))
        done.set()
        await follower

        stored = [row["event_id"] for row in await store.pool.fetch("SELECT event_id FROM events ORDER BY position")]
    followed = [event.event_id for event in seen]
    assert len(followed) == len(set(followed)), "the follower saw an event twice"
    assert followed == stored, "the follower's feed differs from the stored events"
    assert [e.position for e in seen] == sorted(e.position for e in seen)


async def test_read_all_pages_through_in_position_order(fresh_database_url: str) -> None:
    async with await PostgresEventStore.connect(fresh_database_url) as store:
        for i in range(7):
            await store.append(f"page-{i}", 0, [NewEvent(event_id=uuid.uuid4(), type="T", data={}, metadata=METADATA)])
        first = await store.read_all(0, 3)
        second = await store.read_all(first[-1].position, 3)
        third = await store.read_all(second[-1].position, 3)
        assert [len(first), len(second), len(third)] == [3, 3, 1]
        assert await store.read_all(third[-1].position, 3) == []
        assert await store.head_position() == third[-1].position


async def test_a_subscriber_wakes_up_for_a_new_event(fresh_database_url: str) -> None:
    async with await PostgresEventStore.connect(fresh_database_url) as store:
        # A long poll interval: only the notification can deliver the event in time.
        feed = store.subscribe(0, poll_interval=30)
        waiting = asyncio.ensure_future(anext(feed))
        await asyncio.sleep(0.2)
        event = NewEvent(event_id=uuid.uuid4(), type="T", data={"live": True}, metadata=METADATA)
        await store.append("live-1", 0, [event])
        batch = await asyncio.wait_for(waiting, timeout=5)
        assert [e.event_id for e in batch] == [event.event_id]
        await feed.aclose()


@pytest.mark.parametrize("round_", range(3))
async def test_a_rolled_back_append_leaves_a_hole_not_a_skip(fresh_database_url: str, round_: int) -> None:
    async with await PostgresEventStore.connect(fresh_database_url) as store:
        events = [NewEvent(event_id=uuid.uuid4(), type="T", data={}, metadata=METADATA)]
        await store.append("hole-a", 0, events)
        with pytest.raises(Exception):  # noqa: B017,PT011 - the store's own error, whichever
            await store.append("hole-a", 0, [NewEvent(event_id=uuid.uuid4(), type="T", data={}, metadata=METADATA)])
        after = NewEvent(event_id=uuid.uuid4(), type="T", data={"round": round_}, metadata=METADATA)
        await store.append("hole-b", 0, [after])
        feed = await store.read_all(0)
        assert [e.stream_id for e in feed] == ["hole-a", "hole-b"]


async def test_a_reader_past_a_fence_of_holes_still_sees_the_next_event(fresh_database_url: str) -> None:
    """The fence may land on a position an append drew and rolled back: the reader must look past it."""
    async with await PostgresEventStore.connect(fresh_database_url) as store:
        first = NewEvent(event_id=uuid.uuid4(), type="T", data={}, metadata=METADATA)
        await store.append("fence-a", 0, [first])
        [recorded] = await store.read_all(0)
        await store.pool.fetchval("SELECT nextval('events_position_seq')")  # drawn, never committed
        assert await store.read_all(recorded.position) == [], "the fence now covers only a hole"
        later = NewEvent(event_id=uuid.uuid4(), type="T", data={}, metadata=METADATA)
        await store.append("fence-b", 0, [later])
        assert [e.event_id for e in await store.read_all(recorded.position)] == [later.event_id]
