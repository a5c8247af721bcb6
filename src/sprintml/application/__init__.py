"""Use cases: load a stream, fold, decide, append with the expected version."""

from sprintml.application.context import RequestContext
from sprintml.application.handler import (
    BACKLOG,
    IMPEDIMENT,
    SPRINT,
    TEAM,
    Category,
    CommandHandler,
    Loaded,
    Outcome,
    PreconditionFailed,
)

__all__ = [
    "BACKLOG",
    "IMPEDIMENT",
    "SPRINT",
    "TEAM",
    "Category",
    "CommandHandler",
    "Loaded",
    "Outcome",
    "PreconditionFailed",
    "RequestContext",
]
