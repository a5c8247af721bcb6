"""The `impediment-{id}` stream category: what blocks the team, from raise to resolution."""

from sprintml.domain.impediment.commands import (
    AcknowledgeImpediment,
    EscalateImpediment,
    ImpedimentCommand,
    RaiseImpediment,
    ReopenImpediment,
    ResolveImpediment,
)
from sprintml.domain.impediment.decide import decide
from sprintml.domain.impediment.events import (
    EVENT_TYPES,
    ImpedimentAcknowledged,
    ImpedimentEscalated,
    ImpedimentEvent,
    ImpedimentRaised,
    ImpedimentReopened,
    ImpedimentResolved,
    ImpedimentStatus,
    Severity,
    Source,
)
from sprintml.domain.impediment.evolve import evolve, fold
from sprintml.domain.impediment.state import ImpedimentState, initial_state

__all__ = [
    "EVENT_TYPES",
    "AcknowledgeImpediment",
    "EscalateImpediment",
    "ImpedimentAcknowledged",
    "ImpedimentCommand",
    "ImpedimentEscalated",
    "ImpedimentEvent",
    "ImpedimentRaised",
    "ImpedimentReopened",
    "ImpedimentResolved",
    "ImpedimentState",
    "ImpedimentStatus",
    "RaiseImpediment",
    "ReopenImpediment",
    "ResolveImpediment",
    "Severity",
    "Source",
    "decide",
    "evolve",
    "fold",
    "initial_state",
]
