"""Every projection the read side keeps, by name, and the name each one's checkpoint and lock go by."""

from collections.abc import Sequence
from typing import Final

from sprintml.projections.backlog import Backlog
from sprintml.projections.impediment_board import ImpedimentBoard
from sprintml.projections.projection import Projection
from sprintml.projections.sprint_board import SprintBoard
from sprintml.projections.team_roster import TeamRoster

PROJECTIONS: Final[tuple[Projection, ...]] = (TeamRoster(), Backlog(), SprintBoard(), ImpedimentBoard())
PROJECTION_NAMES: Final[tuple[str, ...]] = tuple(projection.name for projection in PROJECTIONS)


class UnknownProjection(ValueError):
    """No projection has this name."""


def follower_name(projection_name: str) -> str:
    """The checkpoint row and advisory lock of a projection (the checkpoints table is shared)."""
    return f"projection:{projection_name}"


def select(names: Sequence[str] | None = None) -> tuple[Projection, ...]:
    """The projections named (all when None), in catalog order."""
    if names is None:
        return PROJECTIONS
    unknown = set(names) - set(PROJECTION_NAMES)
    if unknown:
        known = ", ".join(PROJECTION_NAMES)
        raise UnknownProjection(f"no projection named {', '.join(sorted(unknown))} (known: {known})")
    return tuple(projection for projection in PROJECTIONS if projection.name in names)
