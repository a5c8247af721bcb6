"""The runner against real Postgres: batches with their checkpoint, crashes, restarts, and one leader."""

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from typing import Final

import pytest
from projection_history import at, catch_up, record, unique

from sprintml.domain.decider import Event
from sprintml.domain.impediment import ImpedimentRaised, ImpedimentResolved
from sprintml.eventstore import PostgresEventStore
from sprintml.eventstore.followers import LostLeadership, leadership, load_checkpoint
from sprintml.projections import EVENT_CLASSES, ProjectionRunner, follower_name
from sprintml.projections.impediment_board import ImpedimentBoard
from sprintml.projections.projection import Envelope
from sprintml.projections.rows import Rows, Table
from sprintml.projections.runner import follow

LOG: Final = Table(name="test_event_log", columns=(("position", "bigint"), ("runner", "text")), key=("position",))
COUNT: Final = Table(name="test_event_count", columns=(("id", "integer"), ("applied", "bigint")), key=("id",))


class EventLog:
    """A projection that logs every position it applies (a second apply breaks the primary key)
    and counts applications (so a double apply shows even where a key would not catch it)."""

    name = "test_event_log"
    tables = (LOG, COUNT)
    handles = frozenset(EVENT_CLASSES)

    def __init__(self, runner: str = "a", poison_position: int | None = None) -> None:
        self.runner = runner
        self.poison_position = poison_position

    def need(self, event: Event, recorded: Envelope, rows: Rows) -> None:
        rows.need(COUNT, (1,))

    def apply(self, event: Event, recorded: Envelope, rows: Rows) -> None:
        if recorded.position == self.poison_position:
            raise RuntimeError("the process died in the middle of a batch")
        rows.append(LOG, (recorded.position, self.runner))
        count = rows.get(COUNT, (1,)) or {"id": 1, "applied": 0}
        count["applied"] += 1
        rows.put(COUNT, count)


@pytest.fixture
async def log_store(fresh_database_url: str) -> AsyncIterator[PostgresEventStore]:
    async with await PostgresEventStore.connect(fresh_database_url) as store:
        await store.pool.execute(
            "CREATE TABLE test_event_log (position bigint PRIMARY KEY, runner text NOT NULL);"
            "CREATE TABLE test_event_count (id integer PRIMARY KEY, applied bigint NOT NULL)"
        )
        yield store


async def raise_impediments(store: PostgresEventStore, count: int) -> list[str]:
    ids = [unique("imp") for _ in range(count)]
    for n, impediment_id in enumerate(ids):
        raised = ImpedimentRaised(
            impediment_id=impediment_id,
            team_id="runner-team",
            title=f"blocker {n}",
            severity="high",
            source="api",
            raised_at=at(hours=n),
        )
        await record(store, f"impediment-{impediment_id}", raised)
    return ids


async def logged(store: PostgresEventStore) -> tuple[list[int], int]:
    positions = [row[0] for row in await store.pool.fetch("SELECT position FROM test_event_log ORDER BY position")]
    applied = await store.pool.fetchval("SELECT coalesce(sum(applied), 0) FROM test_event_count")
    return positions, int(applied)


async def all_positions(store: PostgresEventStore) -> list[int]:
    return [row[0] for row in await store.pool.fetch("SELECT position FROM events ORDER BY position")]


async def test_a_batch_becomes_rows_and_moves_the_checkpoint_in_one_transaction(store: PostgresEventStore) -> None:
    (impediment_id,) = await raise_impediments(store, 1)
    result = await record(store, f"impediment-{impediment_id}", ImpedimentResolved(resolution="ok", resolved_at=at(1)))
    await catch_up(store, [ImpedimentBoard()])
    row = await store.pool.fetchrow(
        "SELECT status, resolution, version FROM rm_impediments WHERE impediment_id = $1", impediment_id
    )
    assert row is not None
    assert (row["status"], row["resolution"], row["version"]) == ("resolved", "ok", 2)
    async with store.pool.acquire() as connection:
        assert await load_checkpoint(connection, follower_name("impediment_board")) >= result.last_position


async def test_a_crash_in_the_middle_of_a_batch_applies_none_of_it_and_a_restart_applies_it_once(
    log_store: PostgresEventStore,
) -> None:
    await raise_impediments(log_store, 30)
    positions = await all_positions(log_store)
    crashing = ProjectionRunner(log_store, EventLog(poison_position=positions[14]), batch_size=10)
    with pytest.raises(RuntimeError):
        await crashing.catch_up()
    assert await logged(log_store) == (positions[:10], 10)  # the first batch committed, the second not at all

    await ProjectionRunner(log_store, EventLog(), batch_size=10).catch_up()
    assert await logged(log_store) == (positions, 30)


async def test_runners_cancelled_at_random_moments_lose_and_double_nothing(log_store: PostgresEventStore) -> None:
    await raise_impediments(log_store, 200)
    positions = await all_positions(log_store)
    chance = random.Random(7)
    for _ in range(60):
        runner = ProjectionRunner(log_store, EventLog(), batch_size=chance.randint(1, 9))
        task = asyncio.create_task(runner.catch_up())
        await asyncio.sleep(chance.uniform(0, 0.01))
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await ProjectionRunner(log_store, EventLog()).catch_up()
    assert await logged(log_store) == (positions, len(positions))


async def test_of_two_runners_one_is_active_and_the_other_takes_over_when_it_stops(
    log_store: PostgresEventStore, fresh_database_url: str
) -> None:
    await raise_impediments(log_store, 20)
    stop = asyncio.Event()
    async with await PostgresEventStore.connect(fresh_database_url) as other_store:

        def start(store: PostgresEventStore, name: str) -> asyncio.Task[None]:
            return asyncio.create_task(
                follow(
                    store,
                    fresh_database_url,
                    EventLog(name),
                    stop,
                    asyncio.Event(),
                    poll_interval=0.05,
                    retry_interval=0.05,
                )
            )

        first = start(log_store, "first")
        await wait_for_log(log_store, 20)
        second = start(other_store, "second")
        await raise_impediments(log_store, 20)
        await wait_for_log(log_store, 40)
        runners = {row[0] for row in await log_store.pool.fetch("SELECT DISTINCT runner FROM test_event_log")}
        assert runners == {"first"}

        first.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await first
        await raise_impediments(log_store, 20)
        await wait_for_log(log_store, 60)
        stop.set()
        second.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await second

    by_runner = dict(
        await log_store.pool.fetch("SELECT runner, count(*) FROM test_event_log GROUP BY runner ORDER BY runner")
    )
    assert by_runner == {"first": 40, "second": 20}
    assert await logged(log_store) == (await all_positions(log_store), 60)


async def test_a_runner_whose_lock_connection_dies_stops(
    log_store: PostgresEventStore, fresh_database_url: str
) -> None:
    await raise_impediments(log_store, 3)
    name = follower_name(EventLog.name)

    async def run() -> None:
        async with leadership(fresh_database_url, name) as leader:
            runner = ProjectionRunner(log_store, EventLog())
            await runner.run(leader, asyncio.Event(), asyncio.Event(), poll_interval=0.05)

    task = asyncio.create_task(run())
    await wait_for_log(log_store, 3)
    killed = await log_store.pool.fetchval(
        "SELECT pg_terminate_backend(pid) FROM pg_locks "
        "WHERE locktype = 'advisory' AND objid::int4 = hashtext('sprintml:' || $1) AND granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        name,
    )
    assert killed
    with pytest.raises(LostLeadership):
        await asyncio.wait_for(task, 5)


async def wait_for_log(store: PostgresEventStore, count: int) -> None:
    async with asyncio.timeout(10):
        while await store.pool.fetchval("SELECT count(*) FROM test_event_log") < count:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
