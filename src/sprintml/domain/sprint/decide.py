"""The sprint decider: a sprint is planned, started once, worked on, reviewed and closed once.

Rules decided here where the spec is silent:
- Lifecycle: planned → active (StartSprint, once) → closed (CloseSprint, once; only an active sprint closes).
  A sprint may start with no items: items can still come in through a commitment or a scope change.
- Items are committed while the sprint is planned or active, never once it is closed. Committing beyond
  capacity is allowed and flagged: `over_capacity` = committed points > `capacity_points`; with no
  `capacity_points` (no velocity history yet) nothing is flagged. An item is committed at most once;
  its points are the ones it had when it came in (a later re-estimate does not change the sprint).
- Scope changes add or remove items of a planned or active sprint and recompute the over-capacity flag
  against the last capacity recorded by a commitment.
- Stand-ups only while the sprint is active, one per date, the date within start_date..end_date
  (weekends allowed). Each entry's member must be on the team, once per stand-up. The application
  gives one new impediment id per blocker, in entry order; the event records them.
- Progress only while the sprint is active. `remaining_points` defaults: done → 0, todo → all the
  item's points, in progress → unchanged (all its points if it was done). A done item has 0 remaining.
- Review and retrospective happen once each, when the sprint is active or closed (teams often close
  first and hold the retrospective the next morning). Only done items of the sprint can be accepted.
- Close records velocity = points of done items, committed_points = points of all items in the
  sprint at close, the done ids and the carried-over ids (in commit order); the carried-over items
  return to the backlog (a projection shows them there; their item streams are not written).
- Errors: an id that is not in the sprint (or repeated in one command) is an invalid command (422,
  with the field); an id that is there but in the wrong state is a rule violation (409).
"""

from collections.abc import Iterable
from typing import assert_never

from sprintml.domain.decider import require_aware, require_text
from sprintml.domain.errors import InvalidCommand, NotFound, RuleViolated
from sprintml.domain.sprint.commands import (
    ChangeScope,
    CloseSprint,
    CommitItems,
    HoldRetrospective,
    PlanSprint,
    ProgressItem,
    RecordStandup,
    ReviewSprint,
    SprintCommand,
    StartSprint,
)
from sprintml.domain.sprint.events import (
    CommittedItem,
    ItemProgressed,
    ItemsCommitted,
    RetrospectiveHeld,
    ScopeChanged,
    SprintClosed,
    SprintEvent,
    SprintPlanned,
    SprintReviewed,
    SprintStarted,
    StandupRecorded,
)
from sprintml.domain.sprint.state import SprintItem, SprintState


def decide(command: SprintCommand, state: SprintState) -> list[SprintEvent]:
    """Return the events that `command` causes, or raise a DomainError and cause nothing."""
    require_aware(command.now)
    match command:
        case PlanSprint():
            return _plan(command, state)
        case CommitItems():
            return _commit(command, _existing(state, command.sprint_id))
        case StartSprint():
            return _start(command, _existing(state, command.sprint_id))
        case RecordStandup():
            return _standup(command, _existing(state, command.sprint_id))
        case ProgressItem():
            return _progress(command, _existing(state, command.sprint_id))
        case ChangeScope():
            return _change_scope(command, _existing(state, command.sprint_id))
        case ReviewSprint():
            return _review(command, _existing(state, command.sprint_id))
        case HoldRetrospective():
            return _retrospective(command, _existing(state, command.sprint_id))
        case CloseSprint():
            return _close(command, _existing(state, command.sprint_id))
        case _:
            assert_never(command)


def _existing(state: SprintState, sprint_id: str) -> SprintState:
    if not state.exists:
        raise NotFound(f"There is no sprint '{sprint_id}'.", field="sprint_id")
    return state


def _plan(command: PlanSprint, state: SprintState) -> list[SprintEvent]:
    if state.exists:
        raise RuleViolated(f"A sprint '{command.sprint_id}' already exists.", field="sprint_id")
    require_text(command.sprint_id, "sprint_id", "The sprint id")
    require_text(command.team_id, "team_id", "The team id")
    require_text(command.name, "name", "The sprint name")
    if command.end_date < command.start_date:
        raise InvalidCommand(
            f"The sprint cannot end ({command.end_date}) before it starts ({command.start_date}).", field="end_date"
        )
    if not 0 < command.focus_factor <= 1:
        raise InvalidCommand(
            f"The focus factor must be more than 0 and at most 1, not {command.focus_factor:g}.",
            field="focus_factor",
        )
    return [
        SprintPlanned(
            sprint_id=command.sprint_id,
            team_id=command.team_id,
            name=command.name.strip(),
            goal=command.goal.strip(),
            start_date=command.start_date,
            end_date=command.end_date,
            focus_factor=command.focus_factor,
            planned_at=command.now,
        )
    ]


def _commit(command: CommitItems, state: SprintState) -> list[SprintEvent]:
    if state.status == "closed":
        raise RuleViolated("The sprint is closed; commit the items to the next sprint.")
    if not command.items:
        raise InvalidCommand("Name at least one backlog item to commit.", field="item_ids")
    _check_new_items(command.items, state, "item_ids")
    if not command.capacity_hours >= 0:
        raise InvalidCommand("Capacity in hours cannot be negative.", field="capacity_hours")
    if command.capacity_points is not None and not command.capacity_points >= 0:
        raise InvalidCommand("Capacity in points cannot be negative.", field="capacity_points")
    committed = state.committed_points + sum(item.points for item in command.items)
    return [
        ItemsCommitted(
            items=list(command.items),
            committed_points=committed,
            capacity_hours=command.capacity_hours,
            capacity_points=command.capacity_points,
            over_capacity=_over(committed, command.capacity_points),
            committed_at=command.now,
        )
    ]


def _start(command: StartSprint, state: SprintState) -> list[SprintEvent]:
    if state.status == "active":
        raise RuleViolated("The sprint has already started; a sprint starts only once.")
    if state.status == "closed":
        raise RuleViolated("The sprint is closed and cannot start again.")
    return [SprintStarted(started_at=command.now)]


def _standup(command: RecordStandup, state: SprintState) -> list[SprintEvent]:
    _require_active(state, "Stand-ups are recorded only while the sprint runs")
    if not state.start_date <= command.date <= state.end_date:
        raise InvalidCommand(
            f"{command.date} is outside the sprint ({state.start_date} to {state.end_date}).", field="date"
        )
    if command.date in state.standup_dates:
        raise RuleViolated(f"The stand-up of {command.date} is already recorded.", field="date")
    if not command.entries:
        raise InvalidCommand("A stand-up needs at least one entry.", field="entries")
    seen: set[str] = set()
    blockers = 0
    for i, entry in enumerate(command.entries):
        field = f"entries[{i}].member_id"
        if entry.member_id not in command.team_member_ids:
            raise InvalidCommand(f"{entry.member_id} is not a member of this team.", field=field)
        if entry.member_id in seen:
            raise InvalidCommand(f"{entry.member_id} has two entries in this stand-up.", field=field)
        seen.add(entry.member_id)
        for j, blocker in enumerate(entry.blockers):
            require_text(blocker, f"entries[{i}].blockers[{j}]", "A blocker")
        blockers += len(entry.blockers)
    if len(command.impediment_ids) != blockers or len(set(command.impediment_ids)) != blockers:
        # The application gives the ids; a mismatch is its bug, but still nothing must be written.
        raise InvalidCommand(
            f"Expected {blockers} distinct impediment ids, one per blocker, got {len(command.impediment_ids)}.",
            field="impediment_ids",
        )
    return [
        StandupRecorded(
            date=command.date,
            entries=list(command.entries),
            impediment_ids=list(command.impediment_ids),
            recorded_at=command.now,
        )
    ]


def _progress(command: ProgressItem, state: SprintState) -> list[SprintEvent]:
    _require_active(state, "Progress is recorded only while the sprint runs")
    item = state.items.get(command.item_id)
    if item is None:
        raise InvalidCommand(f"Item {command.item_id} is not in this sprint.", field="item_id")
    remaining = command.remaining_points
    if remaining is None:
        remaining = _default_remaining(item, command)
    elif remaining < 0:
        raise InvalidCommand("Remaining points cannot be negative.", field="remaining_points")
    elif remaining > item.points:
        raise InvalidCommand(
            f"Item {item.item_id} has {item.points} points; {remaining} cannot remain.", field="remaining_points"
        )
    elif command.status == "done" and remaining != 0:
        raise InvalidCommand("A done item has no remaining points.", field="remaining_points")
    return [
        ItemProgressed(
            item_id=command.item_id, status=command.status, remaining_points=remaining, progressed_at=command.now
        )
    ]


def _default_remaining(item: SprintItem, command: ProgressItem) -> int:
    if command.status == "done":
        return 0
    if command.status == "todo" or item.status == "done":
        return item.points
    return item.remaining_points


def _change_scope(command: ChangeScope, state: SprintState) -> list[SprintEvent]:
    if state.status == "closed":
        raise RuleViolated("The sprint is closed; its scope can no longer change.")
    if not command.add and not command.remove:
        raise InvalidCommand("A scope change adds or removes at least one item.", field="add")
    _check_new_items(command.add, state, "add")
    added = {item.item_id for item in command.add}
    removing: set[str] = set()
    for i, item_id in enumerate(command.remove):
        field = f"remove[{i}]"
        if item_id not in state.items:
            raise InvalidCommand(f"Item {item_id} is not in this sprint.", field=field)
        if item_id in removing:
            raise InvalidCommand(f"Item {item_id} is listed twice.", field=field)
        if item_id in added:
            raise InvalidCommand(f"Item {item_id} cannot be both added and removed.", field=field)
        removing.add(item_id)
    committed = (
        state.committed_points
        - sum(state.items[item_id].points for item_id in removing)
        + sum(item.points for item in command.add)
    )
    return [
        ScopeChanged(
            added=list(command.add),
            removed_item_ids=list(command.remove),
            reason=command.reason.strip(),
            committed_points=committed,
            over_capacity=_over(committed, state.capacity_points),
            changed_at=command.now,
        )
    ]


def _review(command: ReviewSprint, state: SprintState) -> list[SprintEvent]:
    _require_started(state, "review")
    if state.reviewed:
        raise RuleViolated("This sprint has already been reviewed.")
    _check_lines(command.feedback, "feedback")
    seen: set[str] = set()
    for i, item_id in enumerate(command.accepted_item_ids):
        field = f"accepted_item_ids[{i}]"
        item = state.items.get(item_id)
        if item is None:
            raise InvalidCommand(f"Item {item_id} is not in this sprint.", field=field)
        if item_id in seen:
            raise InvalidCommand(f"Item {item_id} is listed twice.", field=field)
        if item.status != "done":
            raise RuleViolated(f"Item {item_id} is not done; only done items can be accepted.", field=field)
        seen.add(item_id)
    return [
        SprintReviewed(
            accepted_item_ids=list(command.accepted_item_ids),
            feedback=[line.strip() for line in command.feedback],
            reviewed_at=command.now,
        )
    ]


def _retrospective(command: HoldRetrospective, state: SprintState) -> list[SprintEvent]:
    _require_started(state, "retrospective")
    if state.retrospective_held:
        raise RuleViolated("This sprint's retrospective has already been held.")
    _check_lines(command.went_well, "went_well")
    _check_lines(command.to_improve, "to_improve")
    for i, action in enumerate(command.action_items):
        require_text(action.title, f"action_items[{i}].title", "An action item's title")
        require_text(action.owner, f"action_items[{i}].owner", "An action item's owner")
    return [
        RetrospectiveHeld(
            went_well=[line.strip() for line in command.went_well],
            to_improve=[line.strip() for line in command.to_improve],
            action_items=list(command.action_items),
            held_at=command.now,
        )
    ]


def _close(command: CloseSprint, state: SprintState) -> list[SprintEvent]:
    if state.status == "closed":
        raise RuleViolated("The sprint is already closed; a sprint closes only once.")
    if state.status == "planned":
        raise RuleViolated("The sprint has not started; start it before closing it.")
    done = [item for item in state.items.values() if item.status == "done"]
    return [
        SprintClosed(
            velocity=sum(item.points for item in done),
            committed_points=state.committed_points,
            completed_item_ids=[item.item_id for item in done],
            carried_over_item_ids=[item.item_id for item in state.items.values() if item.status != "done"],
            closed_at=command.now,
        )
    ]


def _require_active(state: SprintState, what: str) -> None:
    if state.status == "planned":
        raise RuleViolated(f"{what}; this sprint has not started yet.")
    if state.status == "closed":
        raise RuleViolated(f"{what}; this sprint is closed.")


def _require_started(state: SprintState, ceremony: str) -> None:
    if state.status == "planned":
        raise RuleViolated(f"The sprint has not started yet; there is nothing to hold a {ceremony} on.")


def _check_new_items(items: Iterable[CommittedItem], state: SprintState, field: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        at = f"{field}[{i}]"
        require_text(item.item_id, at, "An item id")
        if item.item_id in seen:
            raise InvalidCommand(f"Item {item.item_id} is listed twice.", field=at)
        if item.points < 0:
            raise InvalidCommand(f"Item {item.item_id} cannot have negative points.", field=at)
        if item.item_id in state.items:
            raise RuleViolated(f"Item {item.item_id} is already in this sprint.", field=at)
        seen.add(item.item_id)


def _check_lines(lines: list[str], field: str) -> None:
    for i, line in enumerate(lines):
        require_text(line, f"{field}[{i}]", "A line")


def _over(committed_points: int, capacity_points: float | None) -> bool:
    return capacity_points is not None and committed_points > capacity_points
