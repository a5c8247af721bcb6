"""Velocity history: committed and completed points per closed sprint, and their rolling average."""

from collections.abc import Sequence

import msgspec

# Three sprints smooths one bad sprint without hiding a real change of pace for a whole quarter.
ROLLING_WINDOW = 3


class ClosedSprint(msgspec.Struct, frozen=True, kw_only=True):
    """What a closed sprint contributes to the team's history, oldest first in every sequence."""

    sprint_id: str
    committed_points: float
    completed_points: float
    # Known once the sprint was planned against capacity; None for sprints from before capacity was tracked.
    capacity_hours: float | None = None


class VelocityReport(msgspec.Struct, frozen=True, kw_only=True):
    """The velocity response: every closed sprint in order and the rolling average of completed points."""

    sprints: list[ClosedSprint]
    average: float | None


def rolling_average(values: Sequence[float], window: int = ROLLING_WINDOW) -> float | None:
    """Mean of the last `window` values, rounded to 2 decimals; None when there are none."""
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    recent = values[-window:]
    if not recent:
        return None
    return round(sum(recent) / len(recent), 2)


def velocity_history(closed: Sequence[ClosedSprint], *, window: int = ROLLING_WINDOW) -> VelocityReport:
    """The velocity report over closed sprints given oldest first."""
    return VelocityReport(
        sprints=list(closed),
        average=rolling_average([sprint.completed_points for sprint in closed], window),
    )
