"""Event store throughput beside raw asyncpg INSERTs into an equivalent unordered table.

Run: `make bench` or `python bench/eventstore.py [--seconds 1] [--rounds 5]`. Targets (issue 2):
1 writer >= 0.7x raw, 8 writers >= 0.5x raw, read_all >= 200,000 events/s.

Store and raw take turns, `--rounds` times each, and the median of each side is printed: on
a shared 2-core machine a single run of each drifts with whatever else runs meanwhile.
"""

import argparse
import asyncio
import itertools
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
import msgspec

from sprintml.eventstore import Metadata, NewEvent, PostgresEventStore
from sprintml.eventstore.postgres import init_connection, release_without_reset_query
from sprintml.eventstore.scratch import postgres_server, scratch_database

RAW_TABLE = """
CREATE TABLE raw_events (
    id bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, stream_id text NOT NULL,
    version bigint NOT NULL, type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(), UNIQUE (stream_id, version))
"""
RAW_INSERT = (
    "INSERT INTO raw_events (event_id, stream_id, version, type, data, metadata) "
    "SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::jsonb[])"
)
PAYLOAD = {"title": "GPU quota exhausted on eval cluster", "severity": "high", "blocked_item_ids": ["item-1"]}
METADATA = Metadata(actor="bench", correlation_id="bench")
_encode = msgspec.json.encode


async def run_writers(writers: int, seconds: float, write: Callable[[int, int], Awaitable[None]]) -> int:
    """Each writer appends to its own stream until time is up; answer the number of appends."""
    deadline = time.perf_counter() + seconds
    counts = [0] * writers

    async def writer(index: int) -> None:
        for version in itertools.count(1):
            if time.perf_counter() >= deadline:
                return
            await write(index, version)
            counts[index] += 1

    await asyncio.gather(*(writer(i) for i in range(writers)))
    return sum(counts)


async def alternating(
    rounds: int, store_side: Callable[[], Awaitable[float]], raw_side: Callable[[], Awaitable[float]]
) -> tuple[float, float]:
    """The medians of `rounds` store and raw rates, measured turn about."""
    store_rates, raw_rates = [], []
    for _ in range(rounds):
        store_rates.append(await store_side())
        raw_rates.append(await raw_side())
    return statistics.median(store_rates), statistics.median(raw_rates)


async def measure(url: str, seconds: float, rounds: int) -> list[tuple[str, float, float]]:
    store = await PostgresEventStore.connect(url, max_size=10)
    raw = await asyncpg.create_pool(
        url, min_size=8, max_size=10, init=init_connection, reset=release_without_reset_query
    )
    assert raw is not None
    await raw.execute(RAW_TABLE)
    results: list[tuple[str, float, float]] = []
    run = itertools.count()
    for writers, batch in [(1, 1), (8, 1), (1, 10), (8, 10)]:

        async def store_side(writers: int = writers, batch: int = batch) -> float:
            tag = next(run)

            async def write(w: int, v: int) -> None:
                events = [
                    NewEvent(event_id=uuid.uuid4(), type="ImpedimentRaised", data=PAYLOAD, metadata=METADATA)
                    for _ in range(batch)
                ]
                await store.append(f"bench-{tag}x{w}", (v - 1) * batch, events)

            return await run_writers(writers, seconds, write) * batch / seconds

        async def raw_side(writers: int = writers, batch: int = batch) -> float:
            tag = next(run)

            async def write(w: int, v: int) -> None:
                await raw.execute(
                    RAW_INSERT,
                    [uuid.uuid4() for _ in range(batch)],
                    [f"bench-{tag}x{w}"] * batch,
                    [(v - 1) * batch + i + 1 for i in range(batch)],
                    ["ImpedimentRaised"] * batch,
                    [msgspec.Raw(_encode(PAYLOAD))] * batch,
                    [msgspec.Raw(_encode(METADATA))] * batch,
                )

            return await run_writers(writers, seconds, write) * batch / seconds

        store_rate, raw_rate = await alternating(rounds, store_side, raw_side)
        results.append((f"append {writers} writer(s), batch {batch}", store_rate, raw_rate))

    total = await store.head_position()

    async def read_all_rate() -> float:
        started = time.perf_counter()
        read, position = 0, 0
        while batch_events := await store.read_all(position, 1000):
            read += len(batch_events)
            position = batch_events[-1].position
        return read / (time.perf_counter() - started)

    async def scan_rate() -> float:
        started = time.perf_counter()
        scanned = len(await raw.fetch("SELECT * FROM raw_events ORDER BY id"))
        return scanned / (time.perf_counter() - started)

    read_rate, raw_scan_rate = await alternating(rounds, read_all_rate, scan_rate)
    results.append((f"read_all ({total} events, pages of 1000)", read_rate, raw_scan_rate))
    await raw.close()
    await store.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="duration of each append measurement")
    parser.add_argument("--rounds", type=int, default=5, help="turns of store and raw per measurement")
    args = parser.parse_args()
    async with postgres_server() as server, scratch_database(server, "bench_eventstore") as url:
        results = await measure(url, args.seconds, args.rounds)
    print(f"medians of {args.rounds} alternating rounds")
    print(f"{'measurement':44} {'store ev/s':>12} {'raw ev/s':>12} {'ratio':>7}")
    for name, store_rate, raw_rate in results:
        print(f"{name:44} {store_rate:12,.0f} {raw_rate:12,.0f} {store_rate / raw_rate:7.2f}")


if __name__ == "__main__":
    asyncio.run(main())
