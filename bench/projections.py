"""Projection rebuild throughput beside a raw SELECT scan of the same events, and sprint-board read latency.

Run: `python bench/projections.py [--events 1000000]`. Targets (issue 4): rebuild >= 50,000 events/s
and >= 0.3x the scan rate; sprint board reads p99 < 20 ms with at least 100 sprints and 10,000 items.
The events are realistic sprint cycles appended through the store: per sprint, 50 backlog items added
and estimated, planned, committed, started, ten stand-ups, five progress reports per item, a scope
change, three impediments raised, acknowledged and resolved, review, retrospective and close.
"""

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time
import uuid
from collections.abc import Iterator

from sprintml.domain import backlog, impediment, sprint, team
from sprintml.domain.decider import Event
from sprintml.eventstore import Metadata, NewEvent, PostgresEventStore, StreamAppend
from sprintml.eventstore.scratch import postgres_server, scratch_database
from sprintml.projections import encode_event, rebuild, sprint_board

METADATA = Metadata(actor="bench", correlation_id="bench")
TEAMS = 10
MEMBERS = 8
ITEMS_PER_SPRINT = 50
SCAN_SQL = (
    "SELECT position, event_id, stream_id, version, type, data, metadata, recorded_at "
    "FROM events WHERE position > $1 ORDER BY position LIMIT $2"
)
EPOCH = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)  # a Monday


def new(event: Event) -> NewEvent:
    type_name, data = encode_event(event)
    return NewEvent(event_id=uuid.uuid4(), type=type_name, data=data, metadata=METADATA)


def team_setup(team_id: str) -> StreamAppend:
    events: list[Event] = [team.TeamCreated(team_id=team_id, name=f"Team {team_id}", created_at=EPOCH)]
    for m in range(MEMBERS):
        events.append(
            team.MemberJoined(
                member_id=f"m{m}",
                name=f"Member {m}",
                role="ml_engineer",
                skills={"python": 1 + m % 5, "pytorch": 1 + (m * 3) % 5},
                hours_per_day=6 + m % 3,
                joined_at=EPOCH,
            )
        )
    return StreamAppend(stream_id=f"team-{team_id}", expected_version=None, events=[new(e) for e in events])


def sprint_cycle(team_id: str, number: int, rng: random.Random) -> list[StreamAppend]:
    """One sprint of one team, as the streams it writes."""
    sprint_id = f"{team_id}-s{number}"
    start = EPOCH + dt.timedelta(days=14 * number)
    day = [start + dt.timedelta(days=d + 2 * (d // 5)) for d in range(10)]  # ten working days
    appends: list[StreamAppend] = []
    items: list[sprint.CommittedItem] = []
    for n in range(ITEMS_PER_SPRINT):
        item_id = f"{sprint_id}-i{n}"
        points = rng.choice([1, 2, 3, 5, 8])
        items.append(sprint.CommittedItem(item_id=item_id, points=points))
        added = backlog.ItemAdded(
            item_id=item_id, team_id=team_id, title=f"Train model variant {n}", kind="story", added_at=start
        )
        estimated = backlog.ItemEstimated(
            votes={"m0": points, "m1": points}, consensus_points=points, revote_needed=False, estimated_at=start
        )
        appends.append(
            StreamAppend(stream_id=f"item-{item_id}", expected_version=None, events=[new(added), new(estimated)])
        )
    committed = sum(item.points for item in items[:-2])
    events: list[Event] = [
        sprint.SprintPlanned(
            sprint_id=sprint_id,
            team_id=team_id,
            name=f"Sprint {number}",
            goal="Ship the next model",
            start_date=day[0].date(),
            end_date=day[-1].date(),
            focus_factor=0.8,
            planned_at=start,
        ),
        sprint.ItemsCommitted(
            items=items[:-2],
            committed_points=committed,
            capacity_hours=400.0,
            capacity_points=150.0,
            over_capacity=False,
            committed_at=start,
        ),
        sprint.SprintStarted(started_at=start),
    ]
    for d in range(10):
        entries = [
            sprint.StandupEntry(member_id=f"m{m}", yesterday="trained", today="evaluate") for m in range(MEMBERS)
        ]
        events.append(sprint.StandupRecorded(date=day[d].date(), entries=entries, recorded_at=day[d]))
    events.append(
        sprint.ScopeChanged(
            added=items[-2:],
            reason="urgent fix",
            committed_points=committed + items[-2].points + items[-1].points,
            over_capacity=False,
            changed_at=day[2],
        )
    )
    done: list[str] = []
    for item in items:
        finishes = rng.random() < 0.8
        for step in range(5):
            last = step == 4
            status = "done" if last and finishes else "in_progress"
            remaining = 0 if status == "done" else max(item.points - step - 1, 1)
            when = day[min(2 * step + rng.randint(0, 1), 9)]
            events.append(
                sprint.ItemProgressed(
                    item_id=item.item_id, status=status, remaining_points=remaining, progressed_at=when
                )
            )
        if finishes:
            done.append(item.item_id)
    points = {item.item_id: item.points for item in items}
    events += [
        sprint.SprintReviewed(accepted_item_ids=done, feedback=["good"], reviewed_at=day[-1]),
        sprint.RetrospectiveHeld(went_well=["pairing"], to_improve=["flaky GPUs"], held_at=day[-1]),
        sprint.SprintClosed(
            velocity=sum(points[i] for i in done),
            committed_points=sum(points.values()),
            completed_item_ids=done,
            carried_over_item_ids=[i.item_id for i in items if i.item_id not in set(done)],
            closed_at=day[-1],
        ),
    ]
    appends.append(
        StreamAppend(stream_id=f"sprint-{sprint_id}", expected_version=None, events=[new(e) for e in events])
    )
    for n in range(3):
        impediment_id = f"{sprint_id}-x{n}"
        raised = impediment.ImpedimentRaised(
            impediment_id=impediment_id,
            team_id=team_id,
            title="GPU quota exhausted",
            severity=rng.choice(["low", "medium", "high", "critical"]),
            source="standup",
            sprint_id=sprint_id,
            raised_at=day[n],
        )
        lifecycle: list[Event] = [
            raised,
            impediment.ImpedimentAcknowledged(acknowledged_at=day[n] + dt.timedelta(hours=1)),
            impediment.ImpedimentResolved(resolution="quota raised", resolved_at=day[n] + dt.timedelta(hours=5)),
        ]
        appends.append(
            StreamAppend(
                stream_id=f"impediment-{impediment_id}", expected_version=None, events=[new(e) for e in lifecycle]
            )
        )
    return appends


def cycles(target: int, rng: random.Random) -> Iterator[list[StreamAppend]]:
    """Sprint cycles round-robin over the teams until about `target` events."""
    yield [team_setup(f"t{t}") for t in range(TEAMS)]
    produced = TEAMS * (1 + MEMBERS)
    number = 0
    while produced < target:
        for t in range(TEAMS):
            appends = sprint_cycle(f"t{t}", number, rng)
            produced += sum(len(a.events) for a in appends)
            yield appends
            if produced >= target:
                return
        number += 1


async def generate(store: PostgresEventStore, target: int) -> int:
    rng = random.Random(42)
    queue: asyncio.Queue[list[StreamAppend] | None] = asyncio.Queue(maxsize=8)

    async def writer() -> None:
        while (appends := await queue.get()) is not None:
            await store.append_many(appends)

    writers = [asyncio.create_task(writer()) for _ in range(3)]
    for appends in cycles(target, rng):
        await queue.put(appends)
    for _ in writers:
        await queue.put(None)
    await asyncio.gather(*writers)
    return await store.head_position()


async def scan(store: PostgresEventStore, page: int = 5000) -> float:
    """Raw SELECT of every event, in pages, through the store's own codecs: events per second."""
    started = time.perf_counter()
    count, position = 0, 0
    async with store.pool.acquire() as connection:
        while rows := await connection.fetch(SCAN_SQL, position, page):
            count += len(rows)
            position = rows[-1][0]
    return count / (time.perf_counter() - started)


async def board_latency(store: PostgresEventStore, reads: int = 2000) -> tuple[float, float, int, int]:
    sprint_ids = [
        row[0] for row in await store.pool.fetch("SELECT sprint_id FROM rm_sprints ORDER BY random() LIMIT 100")
    ]
    sprints = await store.pool.fetchval("SELECT count(*) FROM rm_sprints")
    items = await store.pool.fetchval("SELECT count(*) FROM rm_backlog_items")
    timings: list[float] = []
    async with store.pool.acquire() as connection:
        for n in range(reads):
            started = time.perf_counter()
            board = await sprint_board(connection, sprint_ids[n % len(sprint_ids)])
            timings.append((time.perf_counter() - started) * 1000)
            assert board is not None
    quantiles = statistics.quantiles(timings, n=100)
    return quantiles[49], quantiles[98], sprints, items


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000, help="how many events to generate (about)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args()
    async with postgres_server() as server, scratch_database(server, "bench_projections") as url:
        store = await PostgresEventStore.connect(url)
        try:
            started = time.perf_counter()
            total = await generate(store, args.events)
            seconds = time.perf_counter() - started
            print(f"generated {total:,} events through the store in {seconds:.1f} s ({total / seconds:,.0f} events/s)")
            await store.pool.execute("VACUUM ANALYZE events")
            scan_rate = await scan(store)
            report = await rebuild(store, progress=not args.no_progress)
            scan_rate = max(scan_rate, await scan(store))  # the better of a scan before and after: the fairer baseline
            await store.pool.execute("ANALYZE")
            rate = report.events_per_second
            print(f"raw SELECT scan:     {scan_rate:12,.0f} events/s")
            print(f"rebuild (all four):  {rate:12,.0f} events/s  ({report.events:,} events in {report.seconds:.1f} s)")
            print(f"ratio rebuild/scan:  {rate / scan_rate:12.2f}   (targets: >= 50,000 events/s and >= 0.30)")
            p50, p99, sprints, items = await board_latency(store)
            print(
                f"sprint board reads:  p50 {p50:.2f} ms, p99 {p99:.2f} ms with {sprints:,} sprints and "
                f"{items:,} items stored (target p99 < 20 ms)"
            )
        finally:
            await store.close()


if __name__ == "__main__":
    asyncio.run(main())
