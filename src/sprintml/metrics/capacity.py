"""Sprint capacity per member and in total: working days, time off, hours per day and focus factor."""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import msgspec

from sprintml.metrics.velocity import ROLLING_WINDOW, ClosedSprint

DEFAULT_FOCUS_FACTOR = 0.8
_SATURDAY = 5


class MemberAvailability(msgspec.Struct, frozen=True, kw_only=True):
    """One member's availability for a sprint; date bounds are inclusive."""

    member_id: str
    hours_per_day: float
    # Inclusive (start, end) ranges; they may overlap and may include weekends.
    time_off: list[tuple[date, date]] = msgspec.field(default_factory=list)
    available_from: date | None = None  # joined the team during the sprint
    available_until: date | None = None  # left the team during the sprint


class MemberCapacity(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the capacity response."""

    member_id: str
    # Working days while the member is on the team, time off included.
    working_days: int
    # Distinct working days of time off within those working days.
    time_off_days: int
    hours: float


class CapacityReport(msgspec.Struct, frozen=True, kw_only=True):
    """The capacity response without `sprint_id`, which the caller knows and adds."""

    members: list[MemberCapacity]
    total_hours: float
    focus_factor: float
    points: float | None


def working_days(start: date, end: date) -> list[date]:
    """Monday to Friday from start to end, both inclusive; empty when end is before start."""
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return [day for day in days if day.weekday() < _SATURDAY]


def _member_days(member: MemberAvailability, sprint_days: Iterable[date]) -> list[date]:
    """The sprint's working days on which the member belongs to the team."""
    first = member.available_from or date.min
    last = member.available_until or date.max
    if first > last:
        raise ValueError(f"member {member.member_id}: available_from is after available_until")
    return [day for day in sprint_days if first <= day <= last]


def _time_off_count(member: MemberAvailability, days: Iterable[date]) -> int:
    """How many of `days` fall in any time-off range; a day covered by two ranges counts once."""
    for start, end in member.time_off:
        if start > end:
            raise ValueError(f"member {member.member_id}: time off ends {end} before it starts {start}")
    return sum(1 for day in days if any(start <= day <= end for start, end in member.time_off))


def member_capacity(member: MemberAvailability, sprint_days: Sequence[date], focus_factor: float) -> MemberCapacity:
    """One member's row: (working days - time-off working days) * hours per day * focus factor."""
    if member.hours_per_day < 0:
        raise ValueError(f"member {member.member_id}: hours_per_day must not be negative")
    days = _member_days(member, sprint_days)
    off = _time_off_count(member, days)
    return MemberCapacity(
        member_id=member.member_id,
        working_days=len(days),
        time_off_days=off,
        hours=round((len(days) - off) * member.hours_per_day * focus_factor, 2),
    )


def sprint_capacity(
    members: Sequence[MemberAvailability],
    start: date,
    end: date,
    focus_factor: float = DEFAULT_FOCUS_FACTOR,
    points_per_hour: float | None = None,
) -> CapacityReport:
    """Capacity per member and in total; points only when the team has a velocity per capacity hour."""
    if end < start:
        raise ValueError(f"sprint ends {end} before it starts {start}")
    if not 0 < focus_factor <= 1:
        raise ValueError(f"focus_factor must be in (0, 1], got {focus_factor}")
    sprint_days = working_days(start, end)
    rows = [member_capacity(member, sprint_days, focus_factor) for member in members]
    # Summing the rounded rows keeps the total equal to what a client adds up from the rows it shows.
    total = round(sum(row.hours for row in rows), 2)
    return CapacityReport(
        members=rows,
        total_hours=total,
        focus_factor=focus_factor,
        points=None if points_per_hour is None else round(total * points_per_hour, 2),
    )


def points_per_hour(history: Sequence[ClosedSprint], *, window: int = ROLLING_WINDOW) -> float | None:
    """Σ completed points / Σ capacity hours over the last `window` closed sprints that recorded capacity.

    Sprints without recorded capacity are skipped rather than counted as zero hours, which would inflate
    the rate. None when no sprint qualifies.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    measured = [
        (sprint.completed_points, sprint.capacity_hours)
        for sprint in history
        if sprint.capacity_hours is not None and sprint.capacity_hours > 0
    ]
    recent = measured[-window:]
    if not recent:
        return None
    return sum(points for points, _ in recent) / sum(hours for _, hours in recent)
