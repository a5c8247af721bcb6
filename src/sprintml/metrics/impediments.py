"""Impediment board timings: age, time to resolve, and SLA state by severity."""

from datetime import datetime, timedelta
from typing import Literal, assert_never

import msgspec

Severity = Literal["low", "medium", "high", "critical"]
SlaState = Literal["ok", "breached"]

# Most urgent first: the order in which the board lists open impediments.
SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low")

_HOUR = timedelta(hours=1)


class SlaPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Hours an impediment of each severity may stay unresolved before it breaches its SLA."""

    critical_hours: float = 4
    high_hours: float = 24
    medium_hours: float = 72
    low_hours: float = 7 * 24

    def hours_for(self, severity: Severity) -> float:
        """The SLA of one severity, in hours."""
        match severity:
            case "critical":
                return self.critical_hours
            case "high":
                return self.high_hours
            case "medium":
                return self.medium_hours
            case "low":
                return self.low_hours
            case _:
                assert_never(severity)


DEFAULT_SLA = SlaPolicy()


class ImpedimentTiming(msgspec.Struct, frozen=True, kw_only=True):
    """Everything time-dependent on one row of the impediment board."""

    age_hours: float
    time_to_resolve_hours: float | None
    sla_state: SlaState
    sla_due_at: datetime


def _require_aware(*moments: datetime | None) -> None:
    # Naive and aware datetimes can't be subtracted, and a naive one silently means "server local time".
    if any(moment is not None and moment.utcoffset() is None for moment in moments):
        raise ValueError("datetimes must be timezone-aware")


def _elapsed(raised_at: datetime, now: datetime, resolved_at: datetime | None) -> timedelta:
    """Time open: until resolution if resolved, else until now; never negative (clock skew between writers)."""
    _require_aware(raised_at, now, resolved_at)
    until = now if resolved_at is None else min(resolved_at, now)
    return max(until - raised_at, timedelta(0))


def age_hours(raised_at: datetime, now: datetime, resolved_at: datetime | None = None) -> float:
    """Hours the impediment has been (or was) open, rounded to 2 decimals."""
    return round(_elapsed(raised_at, now, resolved_at) / _HOUR, 2)


def time_to_resolve_hours(raised_at: datetime, resolved_at: datetime | None) -> float | None:
    """Hours from raise to resolution, rounded to 2 decimals; None while unresolved."""
    if resolved_at is None:
        return None
    _require_aware(raised_at, resolved_at)
    return round(max(resolved_at - raised_at, timedelta(0)) / _HOUR, 2)


def sla_due_at(severity: Severity, raised_at: datetime, policy: SlaPolicy = DEFAULT_SLA) -> datetime:
    """The moment an unresolved impediment breaches its SLA."""
    return raised_at + timedelta(hours=policy.hours_for(severity))


def sla_state(
    severity: Severity,
    raised_at: datetime,
    now: datetime,
    resolved_at: datetime | None = None,
    policy: SlaPolicy = DEFAULT_SLA,
) -> SlaState:
    """Breached once open strictly longer than the SLA; resolving within the SLA stays ok for good."""
    elapsed = _elapsed(raised_at, now, resolved_at)
    return "breached" if elapsed > timedelta(hours=policy.hours_for(severity)) else "ok"


def impediment_timing(
    severity: Severity,
    raised_at: datetime,
    now: datetime,
    resolved_at: datetime | None = None,
    policy: SlaPolicy = DEFAULT_SLA,
) -> ImpedimentTiming:
    """Age, time to resolve and SLA state of one impediment, as the board shows them."""
    return ImpedimentTiming(
        age_hours=age_hours(raised_at, now, resolved_at),
        time_to_resolve_hours=time_to_resolve_hours(raised_at, resolved_at),
        sla_state=sla_state(severity, raised_at, now, resolved_at, policy),
        sla_due_at=sla_due_at(severity, raised_at, policy),
    )


def severity_rank(severity: Severity) -> int:
    """Sort key listing the most urgent severity first."""
    return SEVERITY_ORDER.index(severity)
