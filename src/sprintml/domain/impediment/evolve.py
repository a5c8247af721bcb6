"""How each impediment event changes the impediment's state."""

from collections.abc import Iterable
from typing import assert_never

import msgspec

from sprintml.domain import decider
from sprintml.domain.impediment.events import (
    ImpedimentAcknowledged,
    ImpedimentEscalated,
    ImpedimentEvent,
    ImpedimentRaised,
    ImpedimentReopened,
    ImpedimentResolved,
)
from sprintml.domain.impediment.state import ImpedimentState, initial_state


def evolve(state: ImpedimentState, event: ImpedimentEvent) -> ImpedimentState:
    """Apply one event; events are facts, so this never raises."""
    match event:
        case ImpedimentRaised():
            return msgspec.structs.replace(
                state,
                exists=True,
                impediment_id=event.impediment_id,
                team_id=event.team_id,
                title=event.title,
                severity=event.severity,
                source=event.source,
                status="open",
                blocked_item_ids=tuple(event.blocked_item_ids),
                blocked_member_ids=tuple(event.blocked_member_ids),
                description=event.description,
                sprint_id=event.sprint_id,
                raised_at=event.raised_at,
            )
        case ImpedimentAcknowledged():
            return msgspec.structs.replace(state, status="acknowledged", acknowledged_at=event.acknowledged_at)
        case ImpedimentEscalated():
            return msgspec.structs.replace(state, status="escalated", escalated_at=event.escalated_at)
        case ImpedimentResolved():
            return msgspec.structs.replace(
                state, status="resolved", resolved_at=event.resolved_at, resolution=event.resolution
            )
        case ImpedimentReopened():
            return msgspec.structs.replace(
                state,
                status="open",
                acknowledged_at=None,
                escalated_at=None,
                resolved_at=None,
                resolution="",
                times_reopened=state.times_reopened + 1,
            )
        case _:
            assert_never(event)


def fold(events: Iterable[ImpedimentEvent]) -> ImpedimentState:
    """The state of an impediment after `events`, from the start of its stream."""
    return decider.fold(evolve, initial_state(), events)
