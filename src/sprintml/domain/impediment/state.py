"""The state of one impediment as its decider needs it: mainly where it is in its lifecycle."""

from datetime import datetime

import msgspec

from sprintml.domain.impediment.events import ImpedimentStatus, Severity, Source


class ImpedimentState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    impediment_id: str = ""
    team_id: str = ""
    title: str = ""
    severity: Severity = "medium"
    source: Source = "api"
    status: ImpedimentStatus = "open"
    blocked_item_ids: tuple[str, ...] = ()
    blocked_member_ids: tuple[str, ...] = ()
    description: str = ""
    sprint_id: str | None = None
    raised_at: datetime | None = None
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution: str = ""
    times_reopened: int = 0


def initial_state() -> ImpedimentState:
    """The state of an impediment stream with no events."""
    return ImpedimentState()
