"""Sprint decider: given events, when a command, then events (or an error)."""

from datetime import UTC, date, datetime
from typing import get_args

import msgspec
import pytest

from sprintml.domain.errors import InvalidCommand, NotFound, RuleViolated
from sprintml.domain.sprint import (
    DEFAULT_FOCUS_FACTOR,
    EVENT_TYPES,
    ActionItem,
    ChangeScope,
    CloseSprint,
    CommitItems,
    CommittedItem,
    HoldRetrospective,
    ItemProgressed,
    ItemsCommitted,
    PlanSprint,
    ProgressItem,
    RecordStandup,
    RetrospectiveHeld,
    ReviewSprint,
    ScopeChanged,
    SprintClosed,
    SprintCommand,
    SprintEvent,
    SprintPlanned,
    SprintReviewed,
    SprintStarted,
    StandupEntry,
    StandupRecorded,
    StartSprint,
    decide,
    evolve,
    fold,
    initial_state,
)

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
MEMBERS = frozenset({"ada", "bob"})

PLANNED = SprintPlanned(
    sprint_id="s1",
    team_id="t1",
    name="Sprint 1",
    goal="Ship the ranker",
    start_date=date(2025, 3, 3),
    end_date=date(2025, 3, 14),
    focus_factor=0.8,
    planned_at=NOW,
)
COMMITTED = ItemsCommitted(
    items=[CommittedItem(item_id="i1", points=5), CommittedItem(item_id="i2", points=3)],
    committed_points=8,
    capacity_hours=96,
    capacity_points=10,
    over_capacity=False,
    committed_at=NOW,
)
STARTED = SprintStarted(started_at=NOW)
I1_DONE = ItemProgressed(item_id="i1", status="done", remaining_points=0, progressed_at=NOW)
CLOSED = SprintClosed(
    velocity=5, committed_points=8, completed_item_ids=["i1"], carried_over_item_ids=["i2"], closed_at=NOW
)
RUNNING: list[SprintEvent] = [PLANNED, COMMITTED, STARTED]


def when(given: list[SprintEvent], command: SprintCommand) -> list[SprintEvent]:
    return decide(command, fold(given))


def plan(**changes: object) -> PlanSprint:
    fields: dict[str, object] = {
        "sprint_id": "s1",
        "team_id": "t1",
        "name": "Sprint 1",
        "goal": "Ship the ranker",
        "start_date": date(2025, 3, 3),
        "end_date": date(2025, 3, 14),
        "now": NOW,
    }
    fields.update(changes)
    return PlanSprint(**fields)  # type: ignore[arg-type]


def commit(*items: tuple[str, int], capacity_points: float | None = 10) -> CommitItems:
    return CommitItems(
        sprint_id="s1",
        items=[CommittedItem(item_id=i, points=p) for i, p in items],
        capacity_hours=96,
        capacity_points=capacity_points,
        now=NOW,
    )


def standup(*entries: StandupEntry, on: date = date(2025, 3, 4), ids: list[str] | None = None) -> RecordStandup:
    return RecordStandup(
        sprint_id="s1",
        date=on,
        entries=list(entries) or [StandupEntry(member_id="ada", yesterday="x", today="y")],
        impediment_ids=ids or [],
        team_member_ids=MEMBERS,
        now=NOW,
    )


def progress(item_id: str = "i1", status: str = "in_progress", remaining: int | None = None) -> ProgressItem:
    return ProgressItem(
        sprint_id="s1",
        item_id=item_id,
        status=status,  # type: ignore[arg-type]
        remaining_points=remaining,
        now=NOW,
    )


def review(*accepted: str) -> ReviewSprint:
    return ReviewSprint(sprint_id="s1", accepted_item_ids=list(accepted), feedback=["Nice demo"], now=NOW)


def retro(**changes: object) -> HoldRetrospective:
    fields: dict[str, object] = {
        "sprint_id": "s1",
        "went_well": ["pairing"],
        "to_improve": ["flaky CI"],
        "action_items": [ActionItem(title="Fix CI", owner="bob")],
        "now": NOW,
    }
    fields.update(changes)
    return HoldRetrospective(**fields)  # type: ignore[arg-type]


CLOSE = CloseSprint(sprint_id="s1", now=NOW)
START = StartSprint(sprint_id="s1", now=NOW)


# Planning


def test_plan_records_goal_dates_and_focus_factor() -> None:
    assert when([], plan(focus_factor=0.8)) == [PLANNED]


def test_plan_defaults_the_focus_factor_to_0_8() -> None:
    assert DEFAULT_FOCUS_FACTOR == 0.8
    [event] = when([], plan())
    assert isinstance(event, SprintPlanned)
    assert event.focus_factor == 0.8


def test_plan_rejects_a_sprint_that_already_exists() -> None:
    with pytest.raises(RuleViolated):
        when([PLANNED], plan())


def test_plan_rejects_an_end_date_before_the_start_date() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([], plan(end_date=date(2025, 3, 2)))
    assert raised.value.field == "end_date"


def test_plan_accepts_a_one_day_sprint() -> None:
    assert len(when([], plan(end_date=date(2025, 3, 3)))) == 1


@pytest.mark.parametrize("focus", [0, -0.1, 1.01, float("nan")])
def test_plan_rejects_a_focus_factor_outside_zero_to_one(focus: float) -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([], plan(focus_factor=focus))
    assert raised.value.field == "focus_factor"


def test_plan_accepts_a_focus_factor_of_one() -> None:
    assert len(when([], plan(focus_factor=1.0))) == 1


def test_plan_rejects_a_blank_name() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([], plan(name=" "))
    assert raised.value.field == "name"


@pytest.mark.parametrize(
    "command",
    [
        commit(("i1", 1)),
        START,
        standup(),
        progress(),
        ChangeScope(sprint_id="s1", remove=["i1"], now=NOW),
        review(),
        retro(),
        CLOSE,
    ],
    ids=lambda c: type(c).__name__,
)
def test_every_command_on_a_sprint_that_does_not_exist_is_not_found(command: SprintCommand) -> None:
    with pytest.raises(NotFound):
        when([], command)


# Commitment


def test_commit_records_items_points_and_capacity() -> None:
    assert when([PLANNED], commit(("i1", 5), ("i2", 3))) == [COMMITTED]


def test_commit_beyond_capacity_is_allowed_but_flagged() -> None:
    [event] = when([PLANNED, COMMITTED], commit(("i3", 3)))
    assert isinstance(event, ItemsCommitted)
    assert event.committed_points == 11
    assert event.over_capacity is True


def test_commit_exactly_at_capacity_is_not_flagged() -> None:
    [event] = when([PLANNED, COMMITTED], commit(("i3", 2)))
    assert isinstance(event, ItemsCommitted)
    assert event.over_capacity is False


def test_commit_without_capacity_in_points_is_never_flagged() -> None:
    [event] = when([PLANNED], commit(("i1", 100), capacity_points=None))
    assert isinstance(event, ItemsCommitted)
    assert event.over_capacity is False


def test_commit_is_allowed_while_the_sprint_runs() -> None:
    assert len(when(RUNNING, commit(("i3", 1)))) == 1


def test_commit_rejects_a_closed_sprint() -> None:
    with pytest.raises(RuleViolated):
        when([*RUNNING, CLOSED], commit(("i3", 1)))


def test_commit_rejects_an_item_already_in_the_sprint() -> None:
    with pytest.raises(RuleViolated) as raised:
        when([PLANNED, COMMITTED], commit(("i3", 1), ("i2", 3)))
    assert raised.value.field == "item_ids[1]"


def test_commit_rejects_an_item_listed_twice() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([PLANNED], commit(("i1", 1), ("i1", 1)))
    assert raised.value.field == "item_ids[1]"


def test_commit_rejects_no_items() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([PLANNED], commit())
    assert raised.value.field == "item_ids"


def test_commit_rejects_negative_points() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([PLANNED], commit(("i1", -1)))
    assert raised.value.field == "item_ids[0]"


def test_commit_rejects_negative_capacity() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([PLANNED], commit(("i1", 1), capacity_points=-1))
    assert raised.value.field == "capacity_points"


# Starting


def test_start_records_that_the_sprint_started() -> None:
    assert when([PLANNED, COMMITTED], START) == [STARTED]


def test_start_is_allowed_with_no_items_yet() -> None:
    assert when([PLANNED], START) == [STARTED]


def test_start_rejects_a_sprint_that_already_started() -> None:
    with pytest.raises(RuleViolated):
        when(RUNNING, START)


def test_start_rejects_a_closed_sprint() -> None:
    with pytest.raises(RuleViolated):
        when([*RUNNING, CLOSED], START)


# Stand-ups


def test_standup_records_entries_and_one_impediment_id_per_blocker_in_order() -> None:
    entries = [
        StandupEntry(member_id="ada", yesterday="a", today="b", blockers=["GPU quota", "VPN"]),
        StandupEntry(member_id="bob", yesterday="c", today="d", blockers=["labels late"]),
    ]
    command = standup(*entries, ids=["imp1", "imp2", "imp3"])
    assert when(RUNNING, command) == [
        StandupRecorded(
            date=date(2025, 3, 4), entries=entries, impediment_ids=["imp1", "imp2", "imp3"], recorded_at=NOW
        )
    ]


def test_standup_rejects_a_sprint_that_has_not_started() -> None:
    with pytest.raises(RuleViolated):
        when([PLANNED], standup())


def test_standup_rejects_a_closed_sprint() -> None:
    with pytest.raises(RuleViolated):
        when([*RUNNING, CLOSED], standup())


def test_standup_rejects_a_second_standup_on_the_same_date() -> None:
    first = StandupRecorded(date=date(2025, 3, 4), entries=[StandupEntry(member_id="ada")], recorded_at=NOW)
    with pytest.raises(RuleViolated) as raised:
        when([*RUNNING, first], standup(on=date(2025, 3, 4)))
    assert raised.value.field == "date"


def test_standup_on_another_date_is_allowed() -> None:
    first = StandupRecorded(date=date(2025, 3, 4), entries=[StandupEntry(member_id="ada")], recorded_at=NOW)
    assert len(when([*RUNNING, first], standup(on=date(2025, 3, 5)))) == 1


@pytest.mark.parametrize("day", [date(2025, 3, 2), date(2025, 3, 15)])
def test_standup_rejects_a_date_outside_the_sprint(day: date) -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, standup(on=day))
    assert raised.value.field == "date"


@pytest.mark.parametrize("day", [date(2025, 3, 3), date(2025, 3, 14)])
def test_standup_accepts_the_first_and_last_day_of_the_sprint(day: date) -> None:
    assert len(when(RUNNING, standup(on=day))) == 1


def test_standup_rejects_an_entry_of_someone_not_on_the_team() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, standup(StandupEntry(member_id="ada"), StandupEntry(member_id="eve")))
    assert raised.value.field == "entries[1].member_id"


def test_standup_rejects_two_entries_of_one_member() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, standup(StandupEntry(member_id="ada"), StandupEntry(member_id="ada")))
    assert raised.value.field == "entries[1].member_id"


def test_standup_rejects_no_entries() -> None:
    command = RecordStandup(sprint_id="s1", date=date(2025, 3, 4), entries=[], team_member_ids=MEMBERS, now=NOW)
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, command)
    assert raised.value.field == "entries"


def test_standup_rejects_a_blank_blocker() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, standup(StandupEntry(member_id="bob", blockers=["ok", " "]), ids=["a", "b"]))
    assert raised.value.field == "entries[0].blockers[1]"


@pytest.mark.parametrize("ids", [["a"], ["a", "b", "c"], ["a", "a"]])
def test_standup_rejects_impediment_ids_that_do_not_match_the_blockers(ids: list[str]) -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, standup(StandupEntry(member_id="bob", blockers=["x", "y"]), ids=ids))
    assert raised.value.field == "impediment_ids"


# Progress


def test_progress_records_status_and_remaining_points() -> None:
    assert when(RUNNING, progress("i1", "in_progress", 2)) == [
        ItemProgressed(item_id="i1", status="in_progress", remaining_points=2, progressed_at=NOW)
    ]


def test_progress_to_done_defaults_remaining_points_to_zero() -> None:
    assert when(RUNNING, progress("i1", "done")) == [I1_DONE]


def test_progress_to_todo_defaults_remaining_points_to_all_points() -> None:
    [event] = when(RUNNING, progress("i1", "todo"))
    assert isinstance(event, ItemProgressed)
    assert event.remaining_points == 5


def test_progress_in_progress_keeps_the_remaining_points_by_default() -> None:
    earlier = ItemProgressed(item_id="i1", status="in_progress", remaining_points=2, progressed_at=NOW)
    [event] = when([*RUNNING, earlier], progress("i1", "in_progress"))
    assert isinstance(event, ItemProgressed)
    assert event.remaining_points == 2


def test_progress_reopening_a_done_item_restores_all_points_by_default() -> None:
    [event] = when([*RUNNING, I1_DONE], progress("i1", "in_progress"))
    assert isinstance(event, ItemProgressed)
    assert event.remaining_points == 5


def test_progress_rejects_an_item_not_in_the_sprint() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, progress("i9"))
    assert raised.value.field == "item_id"


def test_progress_rejects_more_remaining_points_than_the_item_has() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, progress("i1", "in_progress", 6))
    assert raised.value.field == "remaining_points"


def test_progress_rejects_negative_remaining_points() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, progress("i1", "in_progress", -1))
    assert raised.value.field == "remaining_points"


def test_progress_rejects_a_done_item_with_points_remaining() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, progress("i1", "done", 1))
    assert raised.value.field == "remaining_points"


def test_progress_rejects_a_sprint_that_has_not_started() -> None:
    with pytest.raises(RuleViolated):
        when([PLANNED, COMMITTED], progress())


def test_progress_rejects_a_closed_sprint() -> None:
    with pytest.raises(RuleViolated):
        when([*RUNNING, CLOSED], progress())


# Scope changes


def test_scope_change_adds_and_removes_items_and_recomputes_the_flag() -> None:
    command = ChangeScope(sprint_id="s1", add=[CommittedItem(item_id="i3", points=8)], remove=["i2"], now=NOW)
    assert when(RUNNING, command) == [
        ScopeChanged(
            added=[CommittedItem(item_id="i3", points=8)],
            removed_item_ids=["i2"],
            committed_points=13,
            over_capacity=True,
            changed_at=NOW,
        )
    ]


def test_scope_change_is_allowed_while_planned() -> None:
    assert len(when([PLANNED, COMMITTED], ChangeScope(sprint_id="s1", remove=["i1"], now=NOW))) == 1


def test_scope_change_rejects_a_closed_sprint() -> None:
    with pytest.raises(RuleViolated):
        when([*RUNNING, CLOSED], ChangeScope(sprint_id="s1", remove=["i1"], now=NOW))


def test_scope_change_rejects_an_empty_change() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, ChangeScope(sprint_id="s1", now=NOW))
    assert raised.value.field == "add"


def test_scope_change_rejects_removing_an_item_not_in_the_sprint() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, ChangeScope(sprint_id="s1", remove=["i1", "i9"], now=NOW))
    assert raised.value.field == "remove[1]"


def test_scope_change_rejects_adding_an_item_already_in_the_sprint() -> None:
    with pytest.raises(RuleViolated) as raised:
        when(RUNNING, ChangeScope(sprint_id="s1", add=[CommittedItem(item_id="i1", points=5)], now=NOW))
    assert raised.value.field == "add[0]"


def test_scope_change_rejects_removing_an_item_twice() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, ChangeScope(sprint_id="s1", remove=["i1", "i1"], now=NOW))
    assert raised.value.field == "remove[1]"


# Review and retrospective


def test_review_records_accepted_items_and_feedback() -> None:
    assert when([*RUNNING, I1_DONE], review("i1")) == [
        SprintReviewed(accepted_item_ids=["i1"], feedback=["Nice demo"], reviewed_at=NOW)
    ]


def test_review_may_happen_after_close() -> None:
    assert len(when([*RUNNING, I1_DONE, CLOSED], review("i1"))) == 1


def test_review_happens_only_once() -> None:
    reviewed = SprintReviewed(accepted_item_ids=[], reviewed_at=NOW)
    with pytest.raises(RuleViolated):
        when([*RUNNING, reviewed], review())


def test_review_rejects_a_sprint_that_has_not_started() -> None:
    with pytest.raises(RuleViolated):
        when([PLANNED, COMMITTED], review())


def test_review_rejects_accepting_an_item_that_is_not_done() -> None:
    with pytest.raises(RuleViolated) as raised:
        when([*RUNNING, I1_DONE], review("i1", "i2"))
    assert raised.value.field == "accepted_item_ids[1]"


def test_review_rejects_accepting_an_item_not_in_the_sprint() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, review("i9"))
    assert raised.value.field == "accepted_item_ids[0]"


def test_retrospective_records_what_went_well_what_to_improve_and_actions() -> None:
    assert when(RUNNING, retro()) == [
        RetrospectiveHeld(
            went_well=["pairing"],
            to_improve=["flaky CI"],
            action_items=[ActionItem(title="Fix CI", owner="bob")],
            held_at=NOW,
        )
    ]


def test_retrospective_may_happen_after_close() -> None:
    assert len(when([*RUNNING, CLOSED], retro())) == 1


def test_retrospective_happens_only_once() -> None:
    held = RetrospectiveHeld(held_at=NOW)
    with pytest.raises(RuleViolated):
        when([*RUNNING, held], retro())


def test_retrospective_rejects_a_sprint_that_has_not_started() -> None:
    with pytest.raises(RuleViolated):
        when([PLANNED], retro())


def test_retrospective_rejects_an_action_item_without_owner() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, retro(action_items=[ActionItem(title="Fix CI", owner="")]))
    assert raised.value.field == "action_items[0].owner"


def test_retrospective_rejects_a_blank_line() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when(RUNNING, retro(to_improve=["ok", ""]))
    assert raised.value.field == "to_improve[1]"


# Closing


def test_close_records_velocity_and_carries_unfinished_items_over() -> None:
    assert when([*RUNNING, I1_DONE], CLOSE) == [CLOSED]


def test_close_counts_scope_changes_in_committed_points() -> None:
    scope = ScopeChanged(
        added=[CommittedItem(item_id="i3", points=2)],
        removed_item_ids=["i2"],
        committed_points=7,
        over_capacity=False,
        changed_at=NOW,
    )
    done = ItemProgressed(item_id="i3", status="done", remaining_points=0, progressed_at=NOW)
    assert when([*RUNNING, scope, I1_DONE, done], CLOSE) == [
        SprintClosed(
            velocity=7, committed_points=7, completed_item_ids=["i1", "i3"], carried_over_item_ids=[], closed_at=NOW
        )
    ]


def test_close_rejects_a_sprint_that_is_already_closed() -> None:
    with pytest.raises(RuleViolated):
        when([*RUNNING, CLOSED], CLOSE)


def test_close_rejects_a_sprint_that_never_started() -> None:
    with pytest.raises(RuleViolated):
        when([PLANNED, COMMITTED], CLOSE)


# Evolve and fold


def test_initial_state_is_a_sprint_that_does_not_exist() -> None:
    assert initial_state().exists is False


def test_fold_follows_the_lifecycle_and_the_items() -> None:
    stood = StandupRecorded(date=date(2025, 3, 4), entries=[StandupEntry(member_id="ada")], recorded_at=NOW)
    state = fold([*RUNNING, stood, I1_DONE])
    assert state.exists
    assert state.status == "active"
    assert (state.sprint_id, state.team_id, state.focus_factor) == ("s1", "t1", 0.8)
    assert state.committed_points == 8
    assert state.capacity_points == 10
    assert state.items["i1"].status == "done"
    assert state.items["i1"].remaining_points == 0
    assert state.items["i2"].remaining_points == 3
    assert state.standup_dates == frozenset({date(2025, 3, 4)})
    assert state.started_at == NOW


def test_fold_of_a_closed_reviewed_sprint() -> None:
    state = fold(
        [
            *RUNNING,
            I1_DONE,
            SprintReviewed(accepted_item_ids=["i1"], reviewed_at=NOW),
            RetrospectiveHeld(held_at=NOW),
            CLOSED,
        ]
    )
    assert state.status == "closed"
    assert state.velocity == 5
    assert state.reviewed
    assert state.retrospective_held


def test_scope_change_replaces_items_in_the_state() -> None:
    scope = ScopeChanged(
        added=[CommittedItem(item_id="i3", points=2)],
        removed_item_ids=["i1"],
        committed_points=5,
        over_capacity=False,
        changed_at=NOW,
    )
    state = fold([*RUNNING, scope])
    assert list(state.items) == ["i2", "i3"]
    assert state.committed_points == 5


def test_evolve_does_not_change_the_state_it_was_given() -> None:
    before = fold(RUNNING)
    evolve(before, I1_DONE)
    assert before.items["i1"].status == "todo"


# Serialization

EXAMPLES: list[SprintEvent] = [
    PLANNED,
    COMMITTED,
    STARTED,
    StandupRecorded(
        date=date(2025, 3, 4),
        entries=[StandupEntry(member_id="ada", yesterday="a", today="b", blockers=["GPU"])],
        impediment_ids=["imp1"],
        recorded_at=NOW,
    ),
    I1_DONE,
    ScopeChanged(
        added=[CommittedItem(item_id="i3", points=2)],
        removed_item_ids=["i1"],
        reason="urgent bug",
        committed_points=5,
        over_capacity=False,
        changed_at=NOW,
    ),
    SprintReviewed(accepted_item_ids=["i1"], feedback=["good"], reviewed_at=NOW),
    RetrospectiveHeld(went_well=["a"], to_improve=["b"], action_items=[ActionItem(title="t", owner="o")], held_at=NOW),
    CLOSED,
]


def test_event_types_lists_every_member_of_the_union() -> None:
    assert set(EVENT_TYPES) == set(get_args(SprintEvent))
    assert {type(e) for e in EXAMPLES} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_every_event_round_trips_through_the_union(event: SprintEvent) -> None:
    data = msgspec.json.encode(event)
    assert msgspec.json.decode(data)["type"] == type(event).__name__
    assert msgspec.json.decode(data, type=SprintEvent) == event


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_decoding_ignores_an_unknown_field(event: SprintEvent) -> None:
    raw = msgspec.json.decode(msgspec.json.encode(event))
    raw["added_in_a_later_version"] = [1, 2]
    assert msgspec.json.decode(msgspec.json.encode(raw), type=SprintEvent) == event
