"""Hand-worked impediment age and SLA cases."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sprintml.metrics import (
    Severity,
    SlaPolicy,
    age_hours,
    impediment_timing,
    severity_rank,
    sla_due_at,
    sla_state,
    time_to_resolve_hours,
)

RAISED = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)


def test_the_default_policy_is_4_24_72_hours_and_7_days() -> None:
    policy = SlaPolicy()
    assert [policy.hours_for(s) for s in ("critical", "high", "medium", "low")] == [4, 24, 72, 168]


def test_age_is_hours_since_raised() -> None:
    # 09:00 -> 15:30 = 6.5 h
    assert age_hours(RAISED, RAISED + timedelta(hours=6, minutes=30)) == 6.5


def test_age_stops_at_resolution() -> None:
    # raised 09:00, resolved 11:00, looked at the next day: 2 h
    resolved = RAISED + timedelta(hours=2)
    assert age_hours(RAISED, RAISED + timedelta(days=1), resolved) == 2.0
    assert time_to_resolve_hours(RAISED, resolved) == 2.0


def test_an_open_impediment_has_no_time_to_resolve() -> None:
    assert time_to_resolve_hours(RAISED, None) is None


def test_age_compares_instants_across_time_zones() -> None:
    # 11:00 at UTC+2 is 09:00 UTC; now is 10:00 UTC -> 1 h
    raised = datetime(2024, 6, 3, 11, 0, tzinfo=timezone(timedelta(hours=2)))
    assert age_hours(raised, datetime(2024, 6, 3, 10, 0, tzinfo=UTC)) == 1.0


def test_a_clock_behind_the_raise_time_gives_age_zero() -> None:
    assert age_hours(RAISED, RAISED - timedelta(minutes=5)) == 0.0


def test_a_critical_impediment_is_ok_at_exactly_four_hours_and_breached_after() -> None:
    assert sla_state("critical", RAISED, RAISED + timedelta(hours=4)) == "ok"
    assert sla_state("critical", RAISED, RAISED + timedelta(hours=4, seconds=1)) == "breached"


@pytest.mark.parametrize(("severity", "hours"), [("critical", 4), ("high", 24), ("medium", 72), ("low", 168)])
def test_each_severity_breaches_after_its_own_sla(severity: Severity, hours: int) -> None:
    just_before = RAISED + timedelta(hours=hours) - timedelta(minutes=1)
    just_after = RAISED + timedelta(hours=hours) + timedelta(minutes=1)
    assert sla_state(severity, RAISED, just_before) == "ok"
    assert sla_state(severity, RAISED, just_after) == "breached"


def test_resolving_within_the_sla_stays_ok_forever() -> None:
    # critical, resolved after 3 h, looked at a week later
    assert sla_state("critical", RAISED, RAISED + timedelta(days=7), RAISED + timedelta(hours=3)) == "ok"


def test_resolving_after_the_sla_stays_breached() -> None:
    # high, resolved after 25 h > 24 h
    assert sla_state("high", RAISED, RAISED + timedelta(days=7), RAISED + timedelta(hours=25)) == "breached"


def test_the_policy_is_configurable() -> None:
    # critical at 1 h; 1.5 h open -> breached, while the default (4 h) would be ok
    policy = SlaPolicy(critical_hours=1)
    now = RAISED + timedelta(hours=1, minutes=30)
    assert sla_state("critical", RAISED, now, policy=policy) == "breached"
    assert sla_state("critical", RAISED, now) == "ok"


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        age_hours(datetime(2024, 6, 3, 9, 0), RAISED)


def test_the_board_timing_bundles_age_resolution_and_sla() -> None:
    # medium raised 09:00 Mon, still open Thu 10:00 = 73 h > 72 h; due Thu 09:00
    now = RAISED + timedelta(hours=73)
    timing = impediment_timing("medium", RAISED, now)
    assert timing.age_hours == 73.0
    assert timing.time_to_resolve_hours is None
    assert timing.sla_state == "breached"
    assert timing.sla_due_at == sla_due_at("medium", RAISED) == datetime(2024, 6, 6, 9, 0, tzinfo=UTC)


def test_the_board_lists_the_most_urgent_severity_first() -> None:
    severities: list[Severity] = ["low", "critical", "medium", "high"]
    assert sorted(severities, key=severity_rank) == ["critical", "high", "medium", "low"]
