"""Events of an `impediment-{id}` stream: raised, acknowledged, escalated, resolved, reopened."""

from typing import Literal, get_args

import msgspec

from sprintml.domain.decider import Event, Instant

Severity = Literal["low", "medium", "high", "critical"]
Source = Literal["api", "slack", "standup"]
ImpedimentStatus = Literal["open", "acknowledged", "escalated", "resolved"]


class ImpedimentRaised(Event, frozen=True, kw_only=True):
    """`sprint_id` is set when the impediment came from a sprint's stand-up."""

    impediment_id: str
    team_id: str
    title: str
    severity: Severity
    source: Source
    blocked_item_ids: list[str] = msgspec.field(default_factory=list)
    blocked_member_ids: list[str] = msgspec.field(default_factory=list)
    description: str = ""
    sprint_id: str | None = None
    raised_at: Instant


class ImpedimentAcknowledged(Event, frozen=True, kw_only=True):
    acknowledged_at: Instant


class ImpedimentEscalated(Event, frozen=True, kw_only=True):
    reason: str = ""
    escalated_at: Instant


class ImpedimentResolved(Event, frozen=True, kw_only=True):
    resolution: str = ""
    resolved_at: Instant


class ImpedimentReopened(Event, frozen=True, kw_only=True):
    reason: str = ""
    reopened_at: Instant


ImpedimentEvent = (
    ImpedimentRaised | ImpedimentAcknowledged | ImpedimentEscalated | ImpedimentResolved | ImpedimentReopened
)

EVENT_TYPES: tuple[type, ...] = get_args(ImpedimentEvent)
