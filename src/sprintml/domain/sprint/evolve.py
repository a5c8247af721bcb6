"""How each sprint event changes the sprint's state."""

from collections.abc import Iterable
from typing import assert_never

import msgspec

from sprintml.domain import decider
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
from sprintml.domain.sprint.state import SprintItem, SprintState, initial_state


def evolve(state: SprintState, event: SprintEvent) -> SprintState:
    """Apply one event; events are facts, so this never raises."""
    match event:
        case SprintPlanned():
            return msgspec.structs.replace(
                state,
                exists=True,
                sprint_id=event.sprint_id,
                team_id=event.team_id,
                name=event.name,
                goal=event.goal,
                start_date=event.start_date,
                end_date=event.end_date,
                focus_factor=event.focus_factor,
                status="planned",
                planned_at=event.planned_at,
            )
        case ItemsCommitted():
            return msgspec.structs.replace(
                state,
                items=_with(state.items, event.items),
                capacity_hours=event.capacity_hours,
                capacity_points=event.capacity_points,
                over_capacity=event.over_capacity,
            )
        case SprintStarted():
            return msgspec.structs.replace(state, status="active", started_at=event.started_at)
        case StandupRecorded():
            return msgspec.structs.replace(state, standup_dates=state.standup_dates | {event.date})
        case ItemProgressed():
            item = state.items.get(event.item_id)
            if item is None:
                return state
            progressed = msgspec.structs.replace(item, status=event.status, remaining_points=event.remaining_points)
            return msgspec.structs.replace(state, items={**state.items, event.item_id: progressed})
        case ScopeChanged():
            removed = set(event.removed_item_ids)
            kept = {k: v for k, v in state.items.items() if k not in removed}
            return msgspec.structs.replace(state, items=_with(kept, event.added), over_capacity=event.over_capacity)
        case SprintReviewed():
            return msgspec.structs.replace(state, reviewed=True)
        case RetrospectiveHeld():
            return msgspec.structs.replace(state, retrospective_held=True)
        case SprintClosed():
            return msgspec.structs.replace(state, status="closed", velocity=event.velocity, closed_at=event.closed_at)
        case _:
            assert_never(event)


def _with(items: dict[str, SprintItem], added: Iterable[CommittedItem]) -> dict[str, SprintItem]:
    new = {
        item.item_id: SprintItem(item_id=item.item_id, points=item.points, remaining_points=item.points)
        for item in added
    }
    return {**items, **new}


def fold(events: Iterable[SprintEvent]) -> SprintState:
    """The state of a sprint after `events`, from the start of its stream."""
    return decider.fold(evolve, initial_state(), events)
