"""Queries over hand-made histories: each response has api.md's fields and the values worked out by hand."""

import datetime as dt

import pytest
from projection_history import MONDAY, NOW, at, catch_up, record, unique

from sprintml.domain.backlog import ItemAdded, ItemEstimated
from sprintml.domain.errors import InvalidCommand, NotFound
from sprintml.domain.impediment import ImpedimentRaised, ImpedimentResolved
from sprintml.domain.sprint import (
    CommittedItem,
    ItemProgressed,
    ItemsCommitted,
    ScopeChanged,
    SprintClosed,
    SprintPlanned,
    SprintStarted,
)
from sprintml.domain.team import MemberJoined, MemberLeft, TeamCreated, TimeOffScheduled
from sprintml.eventstore import PostgresEventStore
from sprintml.metrics import BurndownDay
from sprintml.projections import (
    BoardItem,
    burndown,
    capacity,
    forecast,
    impediment_board,
    sprint_board,
    team_view,
    velocity,
    wait_until_projected,
)
from sprintml.projections.queries import ScopeChange


def day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


def joined(member_id: str, hours: float, when: dt.datetime) -> MemberJoined:
    return MemberJoined(
        member_id=member_id,
        name=member_id.title(),
        role="ml_engineer",
        skills={"python": 4},
        hours_per_day=hours,
        joined_at=when,
    )


class Sprint:
    """Ids of one hand-made history: a team of four over time, one sprint of two weeks, four items."""

    def __init__(self) -> None:
        self.team = unique("team")
        self.sprint = unique("sprint")
        self.next_sprint = unique("sprint")
        self.items = [unique("item") for _ in range(4)]


@pytest.fixture(scope="module")
async def history(store: PostgresEventStore) -> Sprint:
    ids = Sprint()
    i1, i2, i3, _i4 = ids.items
    team = f"team-{ids.team}"
    await record(store, team, TeamCreated(team_id=ids.team, name="Vision", created_at=at(-10)))
    await record(
        store,
        team,
        joined("alice", 8, at(-10)),
        joined("carol", 8, at(-10)),
        MemberLeft(member_id="carol", left_at=at(-5)),  # gone before the sprint: not counted
        joined("dave", 4, at(-10)),
        joined("bob", 6, at(2)),  # joins on Wednesday: counted from then
        TimeOffScheduled(time_off_id="t1", member_id="alice", start=day(3), end=day(4), scheduled_at=at(-9)),
        MemberLeft(member_id="dave", left_at=at(9)),  # leaves on the second Wednesday: counted until Tuesday
    )
    for item_id, points in zip(ids.items, [5, 3, 8, None], strict=True):
        added = ItemAdded(item_id=item_id, team_id=ids.team, title=item_id, kind="story", added_at=at(-8))
        await record(store, f"item-{item_id}", added)
        if points is not None:
            estimate = ItemEstimated(
                votes={"alice": points}, consensus_points=points, revote_needed=False, estimated_at=at(-7)
            )
            await record(store, f"item-{item_id}", estimate)
    sprint = f"sprint-{ids.sprint}"
    await record(
        store,
        sprint,
        SprintPlanned(
            sprint_id=ids.sprint,
            team_id=ids.team,
            name="S1",
            goal="ship",
            start_date=day(0),
            end_date=day(11),
            focus_factor=0.8,
            planned_at=at(-2),
        ),
        ItemsCommitted(
            items=[CommittedItem(item_id=i1, points=5), CommittedItem(item_id=i2, points=3)],
            committed_points=8,
            capacity_hours=112.0,
            over_capacity=False,
            committed_at=at(-2),
        ),
        SprintStarted(started_at=at(0)),
        ItemProgressed(item_id=i1, status="in_progress", remaining_points=3, progressed_at=at(1)),
        ScopeChanged(
            added=[CommittedItem(item_id=i3, points=8)],
            reason="urgent",
            committed_points=16,
            over_capacity=False,
            changed_at=at(2),
        ),
        ItemProgressed(item_id=i1, status="done", remaining_points=0, progressed_at=at(3)),
        ScopeChanged(removed_item_ids=[i2], reason="later", committed_points=13, over_capacity=False, changed_at=at(4)),
    )
    await catch_up(store)
    return ids


async def close(store: PostgresEventStore, ids: Sprint) -> None:
    i1, _, i3, _ = ids.items
    await record(
        store,
        f"sprint-{ids.sprint}",
        SprintClosed(
            velocity=5, committed_points=13, completed_item_ids=[i1], carried_over_item_ids=[i3], closed_at=at(11)
        ),
    )
    await record(
        store,
        f"sprint-{ids.next_sprint}",
        SprintPlanned(
            sprint_id=ids.next_sprint,
            team_id=ids.team,
            name="S2",
            goal="more",
            start_date=day(14),
            end_date=day(25),
            focus_factor=0.8,
            planned_at=at(11),
        ),
    )
    await catch_up(store)


async def test_the_team_view_lists_current_members_the_current_sprint_and_the_stream_version(
    store: PostgresEventStore, history: Sprint
) -> None:
    view = await team_view(store.pool, history.team)
    assert view is not None
    assert (view.id, view.name, view.current_sprint_id, view.open_impediments) == (
        "" or history.team,
        "Vision",
        history.sprint,
        0,
    )
    assert [(m.member_id, m.role, m.skills, m.hours_per_day) for m in view.members] == [
        ("alice", "ml_engineer", {"python": 4}, 8),
        ("bob", "ml_engineer", {"python": 4}, 6),
    ]
    assert view.version == 8
    assert await team_view(store.pool, unique("nobody")) is None


async def test_capacity_counts_working_days_time_off_and_members_joining_or_leaving_mid_sprint(
    store: PostgresEventStore, history: Sprint
) -> None:
    view = await capacity(store.pool, history.team, history.sprint)
    assert view is not None
    rows = {row.member_id: (row.working_days, row.time_off_days, row.hours) for row in view.members}
    # alice: 10 days - 2 off = 8 x 8h x 0.8; bob from Wednesday: 8 x 6h x 0.8; dave until Tuesday: 7 x 4h x 0.8.
    assert rows == {"alice": (10, 2, 51.2), "bob": (8, 0, 38.4), "dave": (7, 0, 22.4)}
    assert (view.sprint_id, view.total_hours, view.focus_factor, view.points) == (history.sprint, 112.0, 0.8, None)
    assert await capacity(store.pool, unique("other"), history.sprint) is None


async def test_the_sprint_board_shows_items_by_status_committed_points_and_scope_changes(
    store: PostgresEventStore, history: Sprint
) -> None:
    i1, i2, i3, _ = history.items
    board = await sprint_board(store.pool, history.sprint)
    assert board is not None
    assert board.items == [
        BoardItem(item_id=i1, status="done", points=5, remaining_points=0),
        BoardItem(item_id=i3, status="todo", points=8, remaining_points=8),
    ]
    assert board.items_by_status == {"todo": [i3], "in_progress": [], "done": [i1]}
    assert (board.id, board.status, board.committed_points, board.capacity_hours, board.over_capacity) == (
        history.sprint,
        "active",
        13,
        112.0,
        False,
    )
    assert board.scope_changes == [
        ScopeChange(date=day(2), item_id=i3, change="added", points=8, reason="urgent"),
        ScopeChange(date=day(4), item_id=i2, change="removed", points=None, reason="later"),
    ]
    assert board.version == 7
    assert await sprint_board(store.pool, unique("nothing")) is None


async def test_burndown_starts_ideal_from_the_commitment_and_actual_follows_progress_and_scope(
    store: PostgresEventStore, history: Sprint
) -> None:
    chart = await burndown(store.pool, history.sprint, today=day(4))
    assert chart is not None
    assert chart.days[:6] == [
        BurndownDay(date=day(0), ideal=8.0, actual=8.0),
        BurndownDay(date=day(1), ideal=7.11, actual=6.0),  # i1 down to 3
        BurndownDay(date=day(2), ideal=6.22, actual=14.0),  # i3 added with 8
        BurndownDay(date=day(3), ideal=5.33, actual=11.0),  # i1 done
        BurndownDay(date=day(4), ideal=4.44, actual=8.0),  # i2 removed
        BurndownDay(date=day(7), ideal=3.56, actual=None),
    ]
    assert len(chart.days) == 10


async def test_velocity_forecast_and_backlog_follow_the_sprint_close(
    store: PostgresEventStore, history: Sprint
) -> None:
    await close(store, history)
    i1, i2, i3, i4 = history.items
    report = await velocity(store.pool, history.team)
    assert report is not None
    assert [(s.sprint_id, s.committed_points, s.completed_points) for s in report.sprints] == [(history.sprint, 13, 5)]
    assert report.average == 5.0

    statuses = dict(
        await store.pool.fetch(
            "SELECT item_id, status FROM rm_backlog_items WHERE item_id = ANY($1::text[])", history.items
        )
    )
    assert statuses == {i1: "done", i2: "backlog", i3: "backlog", i4: "backlog"}

    # 11 points at 5 a sprint, every sprint: 3 sprints whatever the draw.
    result = await forecast(store.pool, history.team, [i2, i3, i1], seed=1)
    assert result is not None
    assert (result.p50, result.p85, result.p95, result.samples) == (3, 3, 3, 10_000)
    with pytest.raises(InvalidCommand):
        await forecast(store.pool, history.team, [i4])
    with pytest.raises(NotFound):
        await forecast(store.pool, history.team, [unique("ghost")])

    view = await team_view(store.pool, history.team)
    assert view is not None
    assert view.current_sprint_id == history.next_sprint
    next_capacity = await capacity(store.pool, history.team, history.next_sprint)
    assert next_capacity is not None
    assert next_capacity.points == round(next_capacity.total_hours * 5 / 112.0, 2)


async def test_the_impediment_board_orders_by_severity_with_age_sla_and_pages(store: PostgresEventStore) -> None:
    team = unique("team")
    ids = {severity: unique(severity) for severity in ("low", "critical", "high")}
    for hours, (severity, impediment_id) in enumerate(ids.items()):
        raised = ImpedimentRaised(
            impediment_id=impediment_id,
            team_id=team,
            title=f"{severity} thing",
            severity=severity,
            source="slack",
            raised_at=at(hours=hours),
        )  # type: ignore[arg-type]
        await record(store, f"impediment-{impediment_id}", raised)
    await record(store, f"impediment-{ids['high']}", ImpedimentResolved(resolution="fixed", resolved_at=at(hours=4)))
    await catch_up(store)

    now = NOW + dt.timedelta(hours=6)
    board = await impediment_board(store.pool, team, "open", now)
    assert [(i.severity, i.status, i.source, i.age_hours, i.sla_state) for i in board.items] == [
        ("critical", "open", "slack", 5.0, "breached"),
        ("low", "open", "slack", 6.0, "ok"),
    ]
    assert board.open_by_severity == {"critical": 1, "high": 0, "medium": 0, "low": 1}
    assert board.next is None

    first = await impediment_board(store.pool, team, "all", now, limit=2)
    assert [i.impediment_id for i in first.items] == [ids["critical"], ids["high"]]
    assert first.items[1].time_to_resolve_hours == 2.0
    assert first.next is not None
    second = await impediment_board(store.pool, team, "all", now, limit=2, after=first.next)
    assert [i.impediment_id for i in second.items] == [ids["low"]]
    assert second.next is None
    with pytest.raises(InvalidCommand):
        await impediment_board(store.pool, team, "all", now, after="not-a-cursor")
    with pytest.raises(InvalidCommand):
        await impediment_board(store.pool, team, "sideways", now)


async def test_wait_until_projected_answers_once_the_runners_pass_the_position(fresh_database_url: str) -> None:
    # A database of its own: in the shared one, the API tests' live runners would catch up first.
    async with await PostgresEventStore.connect(fresh_database_url) as store:
        team = unique("team")
        result = await record(store, f"team-{team}", TeamCreated(team_id=team, name="Late", created_at=NOW))
        assert not await wait_until_projected(store, result.last_position, timeout=0.05)
        await catch_up(store)
        assert await wait_until_projected(store, result.last_position, timeout=1)
