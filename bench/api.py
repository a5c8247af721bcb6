"""HTTP API write throughput and latency under concurrent clients, beside the event store's own append rate.

Run: `make bench` or `python bench/api.py [--seconds 20] [--clients 16] [--store-seconds 10]`.
Targets (issue 3), on the 2-core reference machine: 16 clients posting impediments and stand-ups
to `sprintml serve` get >= 0.40x the append rate of 16 writers calling the store directly
(measured in the same run, on the same database server), with p99 latency < 100 ms.

The server is a real `sprintml serve` subprocess on a scratch database (projections running
inside it as usual; relay and Slack poster off; warning-level logs, so no access log). The store's
writers append one event at a time, alternately the two events the API's requests mostly write,
through a pool of the size `serve` has; they use a second scratch database on the same server, so
neither side sees the other's events.
Each client alternates `POST /teams/{id}/impediments` and `POST /sprints/{id}/standups` (eight
entries, one blocker in four stand-ups, which raises an impediment in the same transaction). A
sprint holds one stand-up per date, so each client works through its own ten-day sprints and
plans and starts the next one every ten stand-ups; those two requests are counted as well.
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import os
import secrets
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from asyncio.subprocess import PIPE, STDOUT
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sprintml.domain import impediment, sprint
from sprintml.domain.decider import Event
from sprintml.eventstore import Metadata, NewEvent, PostgresEventStore
from sprintml.eventstore.scratch import postgres_server, scratch_database
from sprintml.projections import encode_event

TARGET_RATIO = 0.40
TARGET_P99_MS = 100.0
MEMBERS = 8
STANDUPS_PER_SPRINT = 10
BLOCKER_EVERY = 4
EPOCH = dt.date(2030, 1, 7)  # a Monday; sprints of one client follow each other from here
NOW = dt.datetime(2030, 1, 7, 9, tzinfo=dt.UTC)
METADATA = Metadata(actor="bench", correlation_id="bench")
SEVERITIES = ["low", "medium", "high", "critical"]
TITLE = "GPU quota exhausted on eval cluster"
DESCRIPTION = "Eval jobs queue for hours; the nightly regression suite did not finish."
BIN = Path(sys.executable).parent
READY_WITHIN = 60.0  # seconds for `sprintml serve` to answer /ready


# -- the server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int


@contextlib.asynccontextmanager
async def sprintml_serve(database_url: str, admin_token: str) -> AsyncIterator[Server]:
    """Yield a `sprintml serve` subprocess on the database, once ready; stop it on exit."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SPRINTML_ADMIN_TOKEN": admin_token,
        "SPRINTML_RUN_RELAY": "0",
        "SPRINTML_RUN_SLACK_POSTER": "0",
    }
    env.pop("NATS_URL", None)
    command = [str(BIN / "sprintml"), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with tempfile.TemporaryDirectory(prefix="sprintml-bench-api-") as folder:
        log = Path(folder) / "serve.log"
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(*command, env=env, stdout=output, stderr=STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            await wait_ready(base_url, process, log)
            yield Server(base_url, process.pid)
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 20)
                except TimeoutError:
                    process.kill()
                    await process.wait()
            if process.returncode not in (0, -signal.SIGTERM):
                print(f"sprintml serve exited with {process.returncode}:\n{tail(log)}", file=sys.stderr)


async def wait_ready(base_url: str, process: asyncio.subprocess.Process, log: Path) -> None:
    deadline = time.perf_counter() + READY_WITHIN
    async with httpx.AsyncClient(base_url=base_url, timeout=5.0) as client:
        while time.perf_counter() < deadline:
            if process.returncode is not None:
                raise SystemExit(f"sprintml serve exited with {process.returncode}:\n{tail(log)}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise SystemExit(f"sprintml serve was not ready within {READY_WITHIN:g} s:\n{tail(log)}")


def tail(log: Path, size: int = 4000) -> str:
    return log.read_bytes()[-size:].decode(errors="replace")


def process_cpu(pid: int) -> float | None:
    """Seconds of CPU a process has used so far (Linux /proc), or None where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def create_token(database_url: str) -> str:
    """A bearer token with the roles the clients need, made the way an operator makes one."""
    command = [str(BIN / "sprintml"), "token", "create", "--actor", "bench"]
    command += ["--role", "scrum_master", "--role", "member", "--role", "bot"]
    env = {**os.environ, "DATABASE_URL": database_url}
    process = await asyncio.create_subprocess_exec(*command, env=env, stdout=PIPE, stderr=PIPE)
    out, err = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"sprintml token create failed:\n{err.decode(errors='replace')}")
    return out.decode().strip()


# -- the clients ---------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    status: int
    ms: float


@dataclass
class Tally:
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def post(client: httpx.AsyncClient, tally: Tally, kind: str, path: str, body: dict[str, Any] | None) -> bool:
    """POST and record the latency; a non-2xx answer or a broken connection is an error."""
    started = time.perf_counter()
    try:
        response = await client.post(path, json=body)
    except httpx.HTTPError as error:
        tally.samples.append(Sample(kind, 0, (time.perf_counter() - started) * 1000))
        tally.errors.append(f"{kind}: {type(error).__name__}: {error}")
        return False
    tally.samples.append(Sample(kind, response.status_code, (time.perf_counter() - started) * 1000))
    if not response.is_success:
        tally.errors.append(f"{kind}: {response.status_code} {response.text[:300]}")
        return False
    return True


class Client:
    """One client: alternates an impediment and a stand-up in its own sprint, rotating sprints."""

    def __init__(self, http: httpx.AsyncClient, index: int, team_id: str, tally: Tally) -> None:
        self.http = http
        self.index = index
        self.team_id = team_id
        self.tally = tally
        self.sprints = itertools.count()
        self.sprint_id = ""
        self.start = EPOCH
        self.day = STANDUPS_PER_SPRINT  # no sprint yet: the first stand-up plans one
        self.standups = 0
        self.impediments = 0

    async def next_sprint(self) -> bool:
        number = next(self.sprints)
        self.sprint_id = f"bench-c{self.index}-s{number}"
        self.start = EPOCH + dt.timedelta(days=STANDUPS_PER_SPRINT * number)
        self.day = 0
        body = {
            "sprint_id": self.sprint_id,
            "name": f"Sprint {number}",
            "goal": "ship the next model",
            "start_date": self.start.isoformat(),
            "end_date": (self.start + dt.timedelta(days=STANDUPS_PER_SPRINT - 1)).isoformat(),
        }
        return await post(self.http, self.tally, "plan sprint", f"/teams/{self.team_id}/sprints", body) and (
            await post(self.http, self.tally, "start sprint", f"/sprints/{self.sprint_id}/start", None)
        )

    async def impediment(self) -> None:
        body = {"title": TITLE, "severity": SEVERITIES[self.impediments % 4], "description": DESCRIPTION}
        self.impediments += 1
        await post(self.http, self.tally, "impediment", f"/teams/{self.team_id}/impediments", body)

    async def standup(self) -> None:
        if self.day >= STANDUPS_PER_SPRINT and not await self.next_sprint():
            self.day = STANDUPS_PER_SPRINT  # try a new sprint next time
            return
        blocked = self.standups % BLOCKER_EVERY == 0
        entries = [
            {
                "member_id": f"m{m}",
                "yesterday": "trained the baseline on the new split",
                "today": "evaluate against last sprint's model",
                "blockers": ["waiting for GPU quota"] if blocked and m == 0 else [],
            }
            for m in range(MEMBERS)
        ]
        body = {"date": (self.start + dt.timedelta(days=self.day)).isoformat(), "entries": entries}
        self.day += 1  # a failed stand-up still uses up its date: the next one must not collide
        self.standups += 1
        await post(self.http, self.tally, "stand-up", f"/sprints/{self.sprint_id}/standups", body)

    async def run(self, deadline: float) -> None:
        while time.perf_counter() < deadline:
            await self.impediment()
            if time.perf_counter() >= deadline:
                return
            await self.standup()


async def set_up_team(base_url: str, token: str, team_id: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as http:
        tally = Tally()
        await post(http, tally, "team", "/teams", {"id": team_id, "name": "Bench team"})
        for m in range(MEMBERS):
            member = {
                "member_id": f"m{m}",
                "name": f"Member {m}",
                "role": "ml_engineer",
                "skills": {"python": 1 + m % 5, "pytorch": 1 + (m * 3) % 5},
                "hours_per_day": 6,
            }
            await post(http, tally, "member", f"/teams/{team_id}/members", member)
        if tally.errors:
            raise SystemExit("setting up the team failed:\n" + "\n".join(tally.errors))


async def load_api(base_url: str, token: str, team_id: str, clients: int, seconds: float) -> tuple[Tally, float]:
    """Every client warms up (one of each request, unmeasured), then all run for `seconds`."""
    headers = {"Authorization": f"Bearer {token}"}
    async with contextlib.AsyncExitStack() as stack:
        https = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30.0))
            for _ in range(clients)
        ]
        warm_up = Tally()
        runners = [Client(http, i, team_id, warm_up) for i, http in enumerate(https)]
        await asyncio.gather(*(c.impediment() for c in runners))
        await asyncio.gather(*(c.standup() for c in runners))
        if warm_up.errors:
            raise SystemExit("the warm-up requests failed:\n" + "\n".join(warm_up.errors[:10]))
        tally = Tally()
        for runner in runners:
            runner.tally = tally
        started = time.perf_counter()
        await asyncio.gather(*(c.run(started + seconds) for c in runners))
        elapsed = time.perf_counter() - started
    return tally, elapsed


# -- the store alone -----------------------------------------------------------------


def store_payloads() -> list[NewEvent]:
    """The two events the API's requests mostly write, as the handler encodes them."""
    raised = impediment.ImpedimentRaised(
        impediment_id=uuid.uuid4().hex[:16],
        team_id="bench-team",
        title=TITLE,
        severity="high",
        source="api",
        description=DESCRIPTION,
        raised_at=NOW,
    )
    standup = sprint.StandupRecorded(
        date=EPOCH,
        entries=[
            sprint.StandupEntry(
                member_id=f"m{m}",
                yesterday="trained the baseline on the new split",
                today="evaluate against last sprint's model",
            )
            for m in range(MEMBERS)
        ],
        recorded_at=NOW,
    )
    return [new(raised), new(standup)]


def new(event: Event) -> NewEvent:
    type_name, data = encode_event(event)
    return NewEvent(event_id=uuid.uuid4(), type=type_name, data=data, metadata=METADATA)


async def load_store(url: str, writers: int, seconds: float) -> tuple[int, float]:
    """`writers` writers append one event at a time to their own streams; answer (appends, seconds)."""
    store = await PostgresEventStore.connect(url)  # the pool size `sprintml serve` uses
    shapes = store_payloads()
    deadline = time.perf_counter() + seconds

    async def writer(index: int) -> int:
        for version in itertools.count(1):
            if time.perf_counter() >= deadline:
                return version - 1
            shape = shapes[version % 2]
            event = NewEvent(event_id=uuid.uuid4(), type=shape.type, data=shape.data, metadata=METADATA)
            await store.append(f"bench-w{index}", version - 1, [event])
        raise AssertionError("unreachable")

    try:
        started = time.perf_counter()
        appended = sum(await asyncio.gather(*(writer(i) for i in range(writers))))
        return appended, time.perf_counter() - started
    finally:
        await store.close()


# -- the run -------------------------------------------------------------------------


def quantiles(values: Sequence[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[98]


@dataclass
class Run:
    clients: int
    tally: Tally
    elapsed: float
    store_appends: int
    store_elapsed: float
    server_cpu: float | None
    client_cpu: float
    load_average: float


def report(run: Run) -> bool:
    """Print the figures and the verdict; answer whether every request succeeded."""
    tally, elapsed = run.tally, run.elapsed
    print(f"{'request':14} {'count':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    for kind in ("impediment", "stand-up", "plan sprint", "start sprint"):
        times = [s.ms for s in tally.samples if s.kind == kind]
        if not times:
            continue
        k50, k99 = quantiles(times) if len(times) > 1 else (times[0], times[0])
        failed = sum(not 200 <= s.status < 300 for s in tally.samples if s.kind == kind)
        print(
            f"{kind:14} {len(times):8,} {len(times) / elapsed:8,.0f} {k50:8.1f} {k99:8.1f} "
            f"{max(times):8.1f} {failed:7,}"
        )
    requests = len(tally.samples)
    rate = requests / elapsed
    store_rate = run.store_appends / run.store_elapsed
    ratio = rate / store_rate
    p50, p99 = quantiles([s.ms for s in tally.samples])
    failed = sum(not 200 <= s.status < 300 for s in tally.samples)
    rows = [
        (f"API, {run.clients} clients, {elapsed:.1f} s", f"{rate:,.0f} req/s"),
        ("  latency p50", f"{p50:.1f} ms"),
        ("  latency p99", f"{p99:.1f} ms"),
        ("  non-2xx or failed requests", f"{failed:,}"),
    ]
    if run.server_cpu is not None:
        rows.append(("  server CPU per request", f"{run.server_cpu / requests * 1000:.2f} ms"))
    rows += [
        ("  bench client CPU per request", f"{run.client_cpu / requests * 1000:.2f} ms"),
        ("  load average before the API load", f"{run.load_average:.2f}"),
        (f"store alone, {run.clients} writers, {run.store_elapsed:.1f} s", f"{store_rate:,.0f} appends/s"),
        ("ratio API / store", f"{ratio:.2f}"),
    ]
    for name, value in rows:
        print(f"{name:44} {value:>18}")
    for error in tally.errors[:10]:
        print(f"  error: {error}")
    verdict = ratio >= TARGET_RATIO and p99 < TARGET_P99_MS and not failed
    print(
        f"{'PASS' if verdict else 'FAIL'}: ratio {ratio:.2f} (target >= {TARGET_RATIO:.2f}), "
        f"p99 {p99:.1f} ms (target < {TARGET_P99_MS:g} ms), {failed:,} failed requests"
    )
    return not failed


async def run(clients: int, seconds: float, store_seconds: float) -> Run:
    admin_token = secrets.token_urlsafe(24)
    async with (
        postgres_server() as server_url,
        scratch_database(server_url, "bench_api") as api_url,
        scratch_database(server_url, "bench_api_store") as store_url,
        sprintml_serve(api_url, admin_token) as server,
    ):
        token = await create_token(api_url)
        team_id = "bench-team"
        await set_up_team(server.base_url, token, team_id)
        print(f"measuring the store alone: {clients} writers for {store_seconds:g} s", flush=True)
        store_appends, store_elapsed = await load_store(store_url, clients, store_seconds)
        print(f"measuring the API: {clients} clients for {seconds:g} s against {server.base_url}", flush=True)
        load_average = os.getloadavg()[0]
        server_cpu, client_cpu = process_cpu(server.pid), time.process_time()
        tally, elapsed = await load_api(server.base_url, token, team_id, clients, seconds)
        server_cpu_after = process_cpu(server.pid)
        return Run(
            clients=clients,
            tally=tally,
            elapsed=elapsed,
            store_appends=store_appends,
            store_elapsed=store_elapsed,
            server_cpu=None if server_cpu is None or server_cpu_after is None else server_cpu_after - server_cpu,
            client_cpu=time.process_time() - client_cpu,
            load_average=load_average,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of the API load")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients, and store writers")
    parser.add_argument("--store-seconds", type=float, default=10.0, help="duration of the store-alone appends")
    args = parser.parse_args()
    if not report(asyncio.run(run(args.clients, args.seconds, args.store_seconds))):
        sys.exit(1)  # a write API that fails requests under load is broken, not slow


if __name__ == "__main__":
    main()
