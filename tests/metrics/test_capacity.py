"""Hand-worked capacity cases; the calendar is June 2024, where the 3rd is a Monday."""

from datetime import date, timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sprintml.metrics import (
    ClosedSprint,
    MemberAvailability,
    points_per_hour,
    sprint_capacity,
    working_days,
)

# Two-week sprint: Mon 3 June .. Fri 14 June 2024, 10 working days.
START = date(2024, 6, 3)
END = date(2024, 6, 14)


def test_working_days_skip_the_weekend_inside_a_sprint() -> None:
    # Wed 5 .. Tue 11: Wed, Thu, Fri, (Sat, Sun skipped), Mon, Tue.
    assert working_days(date(2024, 6, 5), date(2024, 6, 11)) == [
        date(2024, 6, 5),
        date(2024, 6, 6),
        date(2024, 6, 7),
        date(2024, 6, 10),
        date(2024, 6, 11),
    ]


def test_a_sprint_of_only_a_weekend_has_no_working_days() -> None:
    assert working_days(date(2024, 6, 8), date(2024, 6, 9)) == []


def test_a_full_time_member_gets_days_times_hours_times_focus() -> None:
    # 10 days * 8 h * 0.8 = 64 h
    report = sprint_capacity([MemberAvailability(member_id="ana", hours_per_day=8)], START, END, 0.8)
    (row,) = report.members
    assert (row.working_days, row.time_off_days, row.hours) == (10, 0, 64.0)
    assert report.total_hours == 64.0
    assert report.focus_factor == 0.8


def test_time_off_across_a_weekend_counts_only_its_weekdays() -> None:
    # Off Thu 6 .. Tue 11 = Thu, Fri, Mon, Tue = 4 working days (Sat 8, Sun 9 don't count).
    # (10 - 4) * 8 h * 0.8 = 38.4 h
    member = MemberAvailability(member_id="ben", hours_per_day=8, time_off=[(date(2024, 6, 6), date(2024, 6, 11))])
    (row,) = sprint_capacity([member], START, END, 0.8).members
    assert (row.working_days, row.time_off_days, row.hours) == (10, 4, 38.4)


def test_overlapping_time_off_counts_each_day_once() -> None:
    # Mon 3..Wed 5 and Tue 4..Thu 6 cover Mon, Tue, Wed, Thu = 4 days, not 3 + 3 = 6.
    # (10 - 4) * 6 h * 0.8 = 28.8 h
    member = MemberAvailability(
        member_id="cy",
        hours_per_day=6,
        time_off=[(date(2024, 6, 3), date(2024, 6, 5)), (date(2024, 6, 4), date(2024, 6, 6))],
    )
    (row,) = sprint_capacity([member], START, END, 0.8).members
    assert (row.time_off_days, row.hours) == (4, 28.8)


def test_time_off_outside_the_sprint_does_not_count() -> None:
    # Off Mon 10 .. Fri 21: only Mon 10 .. Fri 14 (5 days) lies in the sprint -> (10 - 5) * 8 * 0.8 = 32 h
    member = MemberAvailability(member_id="dee", hours_per_day=8, time_off=[(date(2024, 6, 10), date(2024, 6, 21))])
    (row,) = sprint_capacity([member], START, END, 0.8).members
    assert (row.time_off_days, row.hours) == (5, 32.0)


def test_a_member_who_joins_mid_sprint_counts_only_days_on_the_team() -> None:
    # Joins Wed 12: Wed 12, Thu 13, Fri 14 = 3 working days -> 3 * 8 * 0.8 = 19.2 h
    member = MemberAvailability(member_id="eve", hours_per_day=8, available_from=date(2024, 6, 12))
    (row,) = sprint_capacity([member], START, END, 0.8).members
    assert (row.working_days, row.time_off_days, row.hours) == (3, 0, 19.2)


def test_time_off_before_a_member_joins_is_not_subtracted_twice() -> None:
    # Joins Wed 12 (3 days); off Mon 10 .. Wed 12, of which only Wed 12 is on the team.
    # (3 - 1) * 8 * 0.8 = 12.8 h
    member = MemberAvailability(
        member_id="eve",
        hours_per_day=8,
        available_from=date(2024, 6, 12),
        time_off=[(date(2024, 6, 10), date(2024, 6, 12))],
    )
    (row,) = sprint_capacity([member], START, END, 0.8).members
    assert (row.working_days, row.time_off_days, row.hours) == (3, 1, 12.8)


def test_a_member_who_leaves_mid_sprint_counts_only_days_until_leaving() -> None:
    # Leaves after Fri 7: Mon 3 .. Fri 7 = 5 days -> 5 * 8 * 0.8 = 32 h
    member = MemberAvailability(member_id="fin", hours_per_day=8, available_until=date(2024, 6, 7))
    (row,) = sprint_capacity([member], START, END, 0.8).members
    assert (row.working_days, row.hours) == (5, 32.0)


def test_a_member_who_joins_after_the_sprint_has_no_capacity() -> None:
    member = MemberAvailability(member_id="gus", hours_per_day=8, available_from=date(2024, 7, 1))
    (row,) = sprint_capacity([member], START, END, 0.8).members
    assert (row.working_days, row.hours) == (0, 0.0)


def test_total_hours_and_points_add_up_across_members() -> None:
    # ana 64 h + ben (4 days off) 38.4 h = 102.4 h; at 0.5 points per hour = 51.2 points
    members = [
        MemberAvailability(member_id="ana", hours_per_day=8),
        MemberAvailability(member_id="ben", hours_per_day=8, time_off=[(date(2024, 6, 6), date(2024, 6, 11))]),
    ]
    report = sprint_capacity(members, START, END, 0.8, 0.5)
    assert [row.hours for row in report.members] == [64.0, 38.4]
    assert report.total_hours == 102.4
    assert report.points == 51.2


def test_points_are_none_without_velocity_history() -> None:
    report = sprint_capacity([MemberAvailability(member_id="ana", hours_per_day=8)], START, END)
    assert report.points is None


def test_the_focus_factor_defaults_to_api_md_value() -> None:
    report = sprint_capacity([MemberAvailability(member_id="ana", hours_per_day=8)], START, END)
    assert report.focus_factor == 0.8


def test_the_report_encodes_with_the_api_field_names() -> None:
    report = sprint_capacity([MemberAvailability(member_id="ana", hours_per_day=8)], START, END, 0.8)
    assert msgspec.json.decode(msgspec.json.encode(report)) == {
        "members": [{"member_id": "ana", "working_days": 10, "time_off_days": 0, "hours": 64.0}],
        "total_hours": 64.0,
        "focus_factor": 0.8,
        "points": None,
    }


@pytest.mark.parametrize("focus_factor", [0.0, -0.1, 1.5])
def test_a_focus_factor_outside_zero_to_one_is_rejected(focus_factor: float) -> None:
    with pytest.raises(ValueError, match="focus_factor"):
        sprint_capacity([], START, END, focus_factor)


def test_a_sprint_ending_before_it_starts_is_rejected() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        sprint_capacity([], END, START)


def test_time_off_ending_before_it_starts_is_rejected() -> None:
    member = MemberAvailability(member_id="x", hours_per_day=8, time_off=[(date(2024, 6, 7), date(2024, 6, 5))])
    with pytest.raises(ValueError, match="time off"):
        sprint_capacity([member], START, END)


def test_points_per_hour_uses_the_last_three_sprints_with_capacity() -> None:
    # Last three: (30 + 24 + 26) points / (120 + 100 + 100) h = 80 / 320 = 0.25; s1 is too old.
    history = [
        ClosedSprint(sprint_id="s1", committed_points=20, completed_points=20, capacity_hours=100),
        ClosedSprint(sprint_id="s2", committed_points=30, completed_points=30, capacity_hours=120),
        ClosedSprint(sprint_id="s3", committed_points=25, completed_points=24, capacity_hours=100),
        ClosedSprint(sprint_id="s4", committed_points=28, completed_points=26, capacity_hours=100),
    ]
    assert points_per_hour(history) == 0.25


def test_points_per_hour_skips_sprints_without_recorded_capacity() -> None:
    # s2 has no capacity: (20 + 24) / (100 + 120) = 44 / 220 = 0.2
    history = [
        ClosedSprint(sprint_id="s1", committed_points=20, completed_points=20, capacity_hours=100),
        ClosedSprint(sprint_id="s2", committed_points=30, completed_points=30),
        ClosedSprint(sprint_id="s3", committed_points=25, completed_points=24, capacity_hours=120),
    ]
    assert points_per_hour(history) == pytest.approx(0.2)


def test_points_per_hour_is_none_without_history() -> None:
    assert points_per_hour([]) is None
    assert points_per_hour([ClosedSprint(sprint_id="s1", committed_points=5, completed_points=5)]) is None


_DAY = st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31))


@given(
    off=st.lists(st.tuples(_DAY, st.integers(min_value=0, max_value=20)), max_size=4),
    hours_per_day=st.floats(min_value=0, max_value=12),
)
def test_time_off_never_makes_capacity_negative_or_above_full_time(
    off: list[tuple[date, int]], hours_per_day: float
) -> None:
    ranges = [(first, first + timedelta(days=length)) for first, length in off]
    member = MemberAvailability(member_id="p", hours_per_day=hours_per_day, time_off=ranges)
    (row,) = sprint_capacity([member], START, END, 0.8).members
    assert 0 <= row.time_off_days <= row.working_days == 10
    assert 0 <= row.hours <= round(10 * hours_per_day * 0.8, 2)
