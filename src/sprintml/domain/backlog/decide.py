"""The backlog-item decider: add, estimate by planning poker, reprioritize, remove.

Rules decided here where the spec is silent:
- Points, whether given on add or voted, are cards of the planning-poker scale
  (0, 1, 2, 3, 5, 8, 13, 20, 40, 100); see `estimation.consensus` for when votes agree.
  A round without consensus records every vote, `revote_needed=True`, and leaves the points as they were.
- Voters must be team members when the application passes the roster (`team_member_ids`).
- `priority` is a rank, 1 first; ranks need not be unique (a projection orders ties by age).
- `gpu_hours` is zero or more.
- A removed item stays removed: every later command on it is refused. Whether the team exists,
  and whether the item sits in a sprint, are the application's to check (other streams).
- Returning an unfinished item to the backlog at sprint close writes nothing here: an item is
  "in the backlog" unless an open sprint holds it, which the projections know.
"""

import math
from typing import assert_never

from sprintml.domain.backlog.commands import AddItem, BacklogCommand, EstimateItem, RemoveItem, ReprioritizeItem
from sprintml.domain.backlog.estimation import SCALE, consensus
from sprintml.domain.backlog.events import BacklogEvent, ItemAdded, ItemEstimated, ItemRemoved, ItemReprioritized
from sprintml.domain.backlog.state import BacklogItemState
from sprintml.domain.decider import require_aware, require_text
from sprintml.domain.errors import InvalidCommand, NotFound, RuleViolated

_CARDS = ", ".join(str(card) for card in SCALE)


def decide(command: BacklogCommand, state: BacklogItemState) -> list[BacklogEvent]:
    """Return the events that `command` causes, or raise a DomainError and cause nothing."""
    require_aware(command.now)
    match command:
        case AddItem():
            return _add(command, state)
        case EstimateItem():
            return _estimate(command, _live(state, command.item_id))
        case ReprioritizeItem():
            state = _live(state, command.item_id)
            _check_priority(command.priority)
            return [
                ItemReprioritized(
                    priority=command.priority, previous_priority=state.priority, reprioritized_at=command.now
                )
            ]
        case RemoveItem():
            _live(state, command.item_id)
            return [ItemRemoved(reason=command.reason.strip(), removed_at=command.now)]
        case _:
            assert_never(command)


def _live(state: BacklogItemState, item_id: str) -> BacklogItemState:
    if not state.exists:
        raise NotFound(f"There is no backlog item '{item_id}'.", field="item_id")
    if state.removed:
        raise RuleViolated(f"Backlog item '{item_id}' was removed.")
    return state


def _add(command: AddItem, state: BacklogItemState) -> list[BacklogEvent]:
    if state.exists:
        raise RuleViolated(f"A backlog item '{command.item_id}' already exists.", field="item_id")
    require_text(command.item_id, "item_id", "The item id")
    require_text(command.team_id, "team_id", "The team id")
    require_text(command.title, "title", "The item's title")
    if command.points is not None and command.points not in SCALE:
        raise InvalidCommand(f"Points must be one of {_CARDS}, not {command.points}.", field="points")
    if command.gpu_hours is not None and not (math.isfinite(command.gpu_hours) and command.gpu_hours >= 0):
        raise InvalidCommand("GPU hours must be zero or more.", field="gpu_hours")
    if command.priority is not None:
        _check_priority(command.priority)
    return [
        ItemAdded(
            item_id=command.item_id,
            team_id=command.team_id,
            title=command.title.strip(),
            kind=command.kind,
            points=command.points,
            gpu_hours=command.gpu_hours,
            description=command.description.strip(),
            priority=command.priority,
            added_at=command.now,
        )
    ]


def _estimate(command: EstimateItem, state: BacklogItemState) -> list[BacklogEvent]:
    if not command.votes:
        raise InvalidCommand("Planning poker needs at least one vote.", field="votes")
    for member_id, points in command.votes.items():
        field = f"votes.{member_id}"
        if command.team_member_ids is not None and member_id not in command.team_member_ids:
            raise InvalidCommand(f"{member_id} is not a member of this team and cannot vote.", field=field)
        if points not in SCALE:
            raise InvalidCommand(f"{member_id} voted {points}; a vote must be one of {_CARDS}.", field=field)
    agreed = consensus(command.votes.values())
    return [
        ItemEstimated(
            votes=dict(command.votes),
            consensus_points=agreed,
            revote_needed=agreed is None,
            estimated_at=command.now,
        )
    ]


def _check_priority(priority: int) -> None:
    if priority < 1:
        raise InvalidCommand(f"Priority is a rank starting at 1, not {priority}.", field="priority")
