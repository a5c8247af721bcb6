"""Commands on an `impediment-{id}` stream, from the API, Slack or a stand-up."""

from datetime import datetime

import msgspec

from sprintml.domain.decider import Command
from sprintml.domain.impediment.events import Severity, Source


class RaiseImpediment(Command, frozen=True, kw_only=True):
    impediment_id: str
    team_id: str
    title: str
    severity: Severity = "medium"
    source: Source = "api"
    blocked_item_ids: list[str] = msgspec.field(default_factory=list)
    blocked_member_ids: list[str] = msgspec.field(default_factory=list)
    description: str = ""
    sprint_id: str | None = None
    now: datetime


class AcknowledgeImpediment(Command, frozen=True, kw_only=True):
    impediment_id: str
    now: datetime


class EscalateImpediment(Command, frozen=True, kw_only=True):
    impediment_id: str
    reason: str = ""
    now: datetime


class ResolveImpediment(Command, frozen=True, kw_only=True):
    impediment_id: str
    resolution: str = ""
    now: datetime


class ReopenImpediment(Command, frozen=True, kw_only=True):
    impediment_id: str
    reason: str = ""
    now: datetime


ImpedimentCommand = RaiseImpediment | AcknowledgeImpediment | EscalateImpediment | ResolveImpediment | ReopenImpediment
