"""Rebuild: from zero into shadow tables, swapped in at once; it gives exactly the incremental rows."""

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from projection_history import NOW, catch_up, new_event

from sprintml.domain import backlog, impediment, sprint, team
from sprintml.domain.decider import Event
from sprintml.eventstore import PostgresEventStore
from sprintml.projections import PROJECTIONS, ProjectionRunner, UnknownProjection, projections_in_background, rebuild
from sprintml.projections.rebuild import SHADOW_SCHEMA

TABLES = [table for projection in PROJECTIONS for table in projection.tables]
Snapshot = dict[str, list[tuple[Any, ...]]]


async def snapshot(store: PostgresEventStore) -> Snapshot:
    """Every read-model row, in key order, jsonb as its (canonical) bytes."""
    result: Snapshot = {}
    for table in TABLES:
        rows = await store.pool.fetch(f"SELECT * FROM {table.name} ORDER BY {', '.join(table.key)}")
        result[table.name] = [
            tuple(bytes(value) if isinstance(value, msgspec.Raw) else value for value in row.values()) for row in rows
        ]
    return result


async def index_names(store: PostgresEventStore) -> list[str]:
    rows = await store.pool.fetch(
        "SELECT indexname FROM pg_indexes WHERE tablename LIKE 'rm\\_%' AND schemaname = current_schema() ORDER BY 1"
    )
    return [row[0] for row in rows]


@pytest.fixture
async def fresh_store(fresh_database_url: str) -> AsyncIterator[PostgresEventStore]:
    async with await PostgresEventStore.connect(fresh_database_url) as store:
        yield store


# -- random histories ------------------------------------------------------------------------

TEAMS, MEMBERS, ITEMS, SPRINTS, IMPEDIMENTS = ["t1", "t2"], ["m1", "m2"], ["i1", "i2", "i3"], ["s1", "s2"], ["x1"]
instants = st.integers(0, 30 * 24).map(lambda hours: NOW + dt.timedelta(hours=hours))
dates = st.integers(0, 30).map(lambda days: NOW.date() + dt.timedelta(days=days))
points = st.integers(0, 13)
pick = st.sampled_from


def committed_items() -> st.SearchStrategy[list[sprint.CommittedItem]]:
    item = st.builds(sprint.CommittedItem, item_id=pick(ITEMS), points=points)
    return st.lists(item, max_size=3, unique_by=lambda i: i.item_id)


def stream(category: str, ids: list[str], events: st.SearchStrategy[Event]) -> st.SearchStrategy[tuple[str, Event]]:
    return st.tuples(pick(ids).map(lambda entity: f"{category}-{entity}"), events)


TEAM_EVENTS = st.one_of(
    st.builds(team.TeamCreated, team_id=st.just("?"), name=st.text(max_size=3), created_at=instants),
    st.builds(
        team.MemberJoined,
        member_id=pick(MEMBERS),
        name=st.just("n"),
        role=st.just("r"),
        skills=st.dictionaries(pick(["py", "ml"]), st.integers(1, 5)),
        hours_per_day=st.floats(0, 8),
        slack_user_id=st.none() | st.just("U1"),
        joined_at=instants,
    ),
    st.builds(team.MemberLeft, member_id=pick(MEMBERS), left_at=instants),
    st.builds(
        team.MemberSkillsChanged,
        member_id=pick(MEMBERS),
        skills=st.dictionaries(pick(["py"]), st.integers(1, 5)),
        changed_at=instants,
    ),
    st.builds(
        team.TimeOffScheduled,
        time_off_id=pick(["o1", "o2"]),
        member_id=pick(MEMBERS),
        start=dates,
        end=dates,
        scheduled_at=instants,
    ),
    st.builds(team.TimeOffCancelled, time_off_id=pick(["o1", "o2"]), member_id=pick(MEMBERS), cancelled_at=instants),
    st.builds(team.SlackWebhookRegistered, webhook_url=st.just("https://hooks.slack.test/x"), registered_at=instants),
)
ITEM_EVENTS = st.one_of(
    st.builds(
        backlog.ItemAdded,
        item_id=st.just("?"),
        team_id=pick(TEAMS),
        title=st.just("t"),
        kind=pick(["story", "bug"]),
        points=st.none() | points,
        priority=st.none() | st.integers(1, 5),
        added_at=instants,
    ),
    st.builds(
        backlog.ItemEstimated,
        votes=st.just({"m1": 3}),
        consensus_points=st.none() | points,
        revote_needed=st.booleans(),
        estimated_at=instants,
    ),
    st.builds(backlog.ItemReprioritized, priority=st.integers(1, 5), reprioritized_at=instants),
    st.builds(backlog.ItemRemoved, removed_at=instants),
)
SPRINT_EVENTS = st.one_of(
    st.builds(
        sprint.SprintPlanned,
        sprint_id=st.just("?"),
        team_id=pick(TEAMS),
        name=st.just("s"),
        goal=st.just("g"),
        start_date=dates,
        end_date=dates,
        focus_factor=st.floats(0.1, 1),
        planned_at=instants,
    ),
    st.builds(
        sprint.ItemsCommitted,
        items=committed_items(),
        committed_points=points,
        capacity_hours=st.floats(0, 100),
        capacity_points=st.none() | st.floats(0, 50),
        over_capacity=st.booleans(),
        committed_at=instants,
    ),
    st.builds(sprint.SprintStarted, started_at=instants),
    st.builds(
        sprint.ItemProgressed,
        item_id=pick(ITEMS),
        status=pick(["todo", "in_progress", "done"]),
        remaining_points=points,
        progressed_at=instants,
    ),
    st.builds(
        sprint.ScopeChanged,
        added=committed_items(),
        removed_item_ids=st.lists(pick(ITEMS), max_size=2),
        reason=st.just("r"),
        committed_points=points,
        over_capacity=st.booleans(),
        changed_at=instants,
    ),
    st.builds(
        sprint.SprintClosed,
        velocity=points,
        committed_points=points,
        completed_item_ids=st.lists(pick(ITEMS), max_size=2),
        carried_over_item_ids=st.lists(pick(ITEMS), max_size=2),
        closed_at=instants,
    ),
    st.builds(sprint.SprintReviewed, accepted_item_ids=st.just([]), reviewed_at=instants),
)
IMPEDIMENT_EVENTS = st.one_of(
    st.builds(
        impediment.ImpedimentRaised,
        impediment_id=st.just("?"),
        team_id=pick(TEAMS),
        title=st.just("t"),
        severity=pick(["low", "critical"]),
        source=pick(["api", "slack"]),
        raised_at=instants,
    ),
    st.builds(impediment.ImpedimentAcknowledged, acknowledged_at=instants),
    st.builds(impediment.ImpedimentEscalated, escalated_at=instants),
    st.builds(impediment.ImpedimentResolved, resolved_at=instants),
    st.builds(impediment.ImpedimentReopened, reopened_at=instants),
)


def with_own_id(stream_id: str, event: Event) -> tuple[str, Event]:
    """Creation events carry the id of their stream, as the deciders write them."""
    entity = stream_id.split("-", 1)[1]
    for field in ("team_id", "item_id", "sprint_id", "impediment_id"):
        if getattr(event, field, None) == "?":
            event = msgspec.structs.replace(event, **{field: entity})
    return stream_id, event


HISTORIES = st.lists(
    st.one_of(
        stream("team", TEAMS, TEAM_EVENTS),
        stream("item", ITEMS, ITEM_EVENTS),
        stream("sprint", SPRINTS, SPRINT_EVENTS),
        stream("impediment", IMPEDIMENTS, IMPEDIMENT_EVENTS),
    ).map(lambda pair: with_own_id(*pair)),
    max_size=40,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=HISTORIES, batch_size=st.integers(1, 8))
async def test_a_rebuild_gives_exactly_the_rows_incremental_updating_gave(
    fresh_database_url: str, history: list[tuple[str, Event]], batch_size: int
) -> None:
    async with await PostgresEventStore.connect(fresh_database_url, max_size=4) as store:
        # Each example starts from an empty feed (a store of its own: stores remember their fence).
        names = ", ".join(table.name for table in TABLES)
        await store.pool.execute(f"TRUNCATE events, checkpoints, {names} RESTART IDENTITY")
        for stream_id, event in history:
            await store.append(stream_id, None, [new_event(event)])
        for projection in PROJECTIONS:
            await ProjectionRunner(store, projection, batch_size=batch_size).catch_up()
        incremental = await snapshot(store)
        await rebuild(store, progress=False, batch_size=batch_size + 3, flush_every=batch_size)
        assert await snapshot(store) == incremental


# -- the swap --------------------------------------------------------------------------------


async def append_history(store: PostgresEventStore, example: list[tuple[str, Event]]) -> None:
    for stream_id, event in example:
        await store.append(stream_id, None, [new_event(event)])


def some_history(count: int) -> list[tuple[str, Event]]:
    """A fixed history: a team, `seed` impediments raised an hour apart, every other one resolved."""
    raised = [
        (
            f"impediment-x{n}",
            impediment.ImpedimentRaised(
                impediment_id=f"x{n}",
                team_id="t1",
                title=f"{n}",
                severity="high",
                source="api",
                raised_at=NOW + dt.timedelta(hours=n),
            ),
        )
        for n in range(count)
    ]
    resolved = [
        (f"impediment-x{n}", impediment.ImpedimentResolved(resolved_at=NOW + dt.timedelta(hours=n + 1)))
        for n in range(0, count, 2)
    ]
    teams = [("team-t1", team.TeamCreated(team_id="t1", name="One", created_at=NOW))]
    return teams + raised + resolved


async def test_rebuild_swaps_in_tables_with_the_same_indexes_and_runners_carry_on_from_there(
    fresh_store: PostgresEventStore,
) -> None:
    await append_history(fresh_store, some_history(30))
    runners = [ProjectionRunner(fresh_store, projection) for projection in PROJECTIONS]
    for runner in runners:
        await runner.catch_up()
    await append_history(fresh_store, some_history(2))  # the rebuild moves the checkpoints past the runners
    indexes = await index_names(fresh_store)
    report = await rebuild(fresh_store, progress=False)
    assert report.events == 46 + 4
    assert await fresh_store.pool.fetchval("SELECT version FROM rm_teams WHERE team_id = 't1'") == 2
    assert await index_names(fresh_store) == indexes
    assert not await fresh_store.pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", SHADOW_SCHEMA
    )

    more = [
        (
            f"impediment-y{n}",
            impediment.ImpedimentRaised(
                impediment_id=f"y{n}", team_id="t1", title="y", severity="low", source="api", raised_at=NOW
            ),
        )
        for n in range(5)
    ]
    await append_history(fresh_store, more)
    async with asyncio.timeout(10):
        for runner in runners:  # runners that applied to the old tables go on from the new checkpoint
            await runner.catch_up()
    assert await fresh_store.pool.fetchval("SELECT count(*) FROM rm_impediments") == 35
    assert await fresh_store.pool.fetchval("SELECT count(*) FROM rm_teams") == 1


async def test_a_rebuild_while_runners_are_live_serves_old_rows_until_the_swap_and_loses_nothing(
    fresh_store: PostgresEventStore, fresh_database_url: str
) -> None:
    await append_history(fresh_store, some_history(200))
    async with projections_in_background(fresh_store, fresh_database_url):
        writing = asyncio.create_task(append_history(fresh_store, some_history(260)[201:]))
        await rebuild(fresh_store, ["impediment_board"], progress=False, batch_size=50)
        await writing
        await catch_up(fresh_store)
    live = await snapshot(fresh_store)
    await rebuild(fresh_store, progress=False)
    assert await snapshot(fresh_store) == live
    assert live["rm_impediments"][-1][0] == "x99"  # key order is text order
    assert len(live["rm_impediments"]) == 260


async def test_rebuilding_an_unknown_projection_is_refused(fresh_store: PostgresEventStore) -> None:
    with pytest.raises(UnknownProjection):
        await rebuild(fresh_store, ["nope"], progress=False)
