"""How each backlog-item event changes the item's state."""

from collections.abc import Iterable
from typing import assert_never

import msgspec

from sprintml.domain import decider
from sprintml.domain.backlog.events import BacklogEvent, ItemAdded, ItemEstimated, ItemRemoved, ItemReprioritized
from sprintml.domain.backlog.state import BacklogItemState, initial_state


def evolve(state: BacklogItemState, event: BacklogEvent) -> BacklogItemState:
    """Apply one event; events are facts, so this never raises."""
    match event:
        case ItemAdded():
            return msgspec.structs.replace(
                state,
                exists=True,
                item_id=event.item_id,
                team_id=event.team_id,
                title=event.title,
                kind=event.kind,
                points=event.points,
                gpu_hours=event.gpu_hours,
                description=event.description,
                priority=event.priority,
                added_at=event.added_at,
            )
        case ItemEstimated():
            # A round without consensus keeps the earlier points.
            points = state.points if event.consensus_points is None else event.consensus_points
            return msgspec.structs.replace(
                state,
                points=points,
                estimation_rounds=state.estimation_rounds + 1,
                last_votes=dict(event.votes),
            )
        case ItemReprioritized():
            return msgspec.structs.replace(state, priority=event.priority)
        case ItemRemoved():
            return msgspec.structs.replace(state, removed=True, removed_at=event.removed_at)
        case _:
            assert_never(event)


def fold(events: Iterable[BacklogEvent]) -> BacklogItemState:
    """The state of a backlog item after `events`, from the start of its stream."""
    return decider.fold(evolve, initial_state(), events)
