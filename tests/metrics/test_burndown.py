"""Hand-worked burndown cases; the calendar is June 2024, where the 3rd is a Monday."""

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sprintml.metrics import BurndownChange, Progress, ScopeAdded, ScopeRemoved, burndown, ideal_line

# Wed 5 .. Tue 11 June 2024 spans a weekend: Wed, Thu, Fri, Mon, Tue = 5 working days.
START = date(2024, 6, 5)
END = date(2024, 6, 11)
WED, THU, FRI, SAT, MON, TUE = (date(2024, 6, d) for d in (5, 6, 7, 8, 10, 11))
# a 5 + b 3 = 8 points committed; ideal steps down 8 / (5 - 1) = 2 per working day.
COMMITTED = {"a": 5.0, "b": 3.0}


def test_days_are_the_working_days_and_skip_the_weekend() -> None:
    result = burndown(START, END, COMMITTED, [], today=TUE)
    assert [day.date for day in result.days] == [WED, THU, FRI, MON, TUE]


def test_the_ideal_line_runs_from_the_commitment_to_zero() -> None:
    # 8, 8 - 2, 8 - 4, 8 - 6, 0
    result = burndown(START, END, COMMITTED, [], today=TUE)
    assert [day.ideal for day in result.days] == [8.0, 6.0, 4.0, 2.0, 0.0]


def test_the_ideal_line_rounds_uneven_steps_to_two_decimals() -> None:
    # 20 points over 10 days: step 20 / 9 = 2.222...
    assert ideal_line(20, 10) == [20.0, 17.78, 15.56, 13.33, 11.11, 8.89, 6.67, 4.44, 2.22, 0.0]


def test_a_one_day_sprint_ideally_ends_its_only_day_at_zero() -> None:
    assert ideal_line(8, 1) == [0.0]


def test_actual_is_the_remaining_points_at_the_end_of_each_day() -> None:
    # Wed: a 5 -> 3, remaining 3 + 3 = 6. Thu: nothing, 6. Fri: b done, 3 + 0 = 3.
    # Sat: a -> 1, shown on Mon: 1. Today is Mon, so Tue is still unknown.
    changes: list[BurndownChange] = [
        Progress(on=WED, item_id="a", remaining_points=3),
        Progress(on=FRI, item_id="b", remaining_points=0),
        Progress(on=SAT, item_id="a", remaining_points=1),
    ]
    result = burndown(START, END, COMMITTED, changes, today=MON)
    assert [day.actual for day in result.days] == [6.0, 6.0, 3.0, 1.0, None]


def test_changes_apply_in_date_order_whatever_order_they_are_given_in() -> None:
    # The later progress (Fri: a -> 1) wins over the earlier one (Wed: a -> 4) on Fri.
    changes: list[BurndownChange] = [
        Progress(on=FRI, item_id="a", remaining_points=1),
        Progress(on=WED, item_id="a", remaining_points=4),
    ]
    result = burndown(START, END, COMMITTED, changes, today=TUE)
    # Wed: 4 + 3 = 7, Thu 7, Fri: 1 + 3 = 4, Mon 4, Tue 4
    assert [day.actual for day in result.days] == [7.0, 7.0, 4.0, 4.0, 4.0]


def test_two_progress_reports_on_one_day_keep_the_last() -> None:
    changes: list[BurndownChange] = [
        Progress(on=THU, item_id="a", remaining_points=4),
        Progress(on=THU, item_id="a", remaining_points=2),
    ]
    result = burndown(START, END, COMMITTED, changes, today=THU)
    # Thu: 2 + 3 = 5
    assert [day.actual for day in result.days] == [8.0, 5.0, None, None, None]


def test_scope_added_mid_sprint_raises_actual_but_not_ideal() -> None:
    # Thu: c (4 points) joins -> 5 + 3 + 4 = 12 remaining; ideal stays 8, 6, 4, 2, 0.
    changes: list[BurndownChange] = [ScopeAdded(on=THU, item_id="c", points=4)]
    result = burndown(START, END, COMMITTED, changes, today=TUE)
    assert [day.actual for day in result.days] == [8.0, 12.0, 12.0, 12.0, 12.0]
    assert [day.ideal for day in result.days] == [8.0, 6.0, 4.0, 2.0, 0.0]


def test_progress_on_added_scope_burns_it_down() -> None:
    # Thu: + c 4 -> 12. Fri: c -> 1 -> 5 + 3 + 1 = 9.
    changes: list[BurndownChange] = [
        ScopeAdded(on=THU, item_id="c", points=4),
        Progress(on=FRI, item_id="c", remaining_points=1),
    ]
    result = burndown(START, END, COMMITTED, changes, today=FRI)
    assert [day.actual for day in result.days] == [8.0, 12.0, 9.0, None, None]


def test_scope_removed_mid_sprint_drops_its_remaining_points() -> None:
    # Wed: a -> 2 (2 + 3 = 5). Thu: a removed -> 3. Fri: late progress on a is ignored -> 3.
    changes: list[BurndownChange] = [
        Progress(on=WED, item_id="a", remaining_points=2),
        ScopeRemoved(on=THU, item_id="a"),
        Progress(on=FRI, item_id="a", remaining_points=1),
    ]
    result = burndown(START, END, COMMITTED, changes, today=FRI)
    assert [day.actual for day in result.days] == [5.0, 3.0, 3.0, None, None]


def test_changes_before_the_start_show_on_the_first_day() -> None:
    changes: list[BurndownChange] = [Progress(on=date(2024, 6, 4), item_id="b", remaining_points=1)]
    result = burndown(START, END, COMMITTED, changes, today=WED)
    # Wed: 5 + 1 = 6
    assert result.days[0].actual == 6.0


def test_before_the_sprint_starts_no_day_has_an_actual() -> None:
    result = burndown(START, END, COMMITTED, [], today=date(2024, 6, 1))
    assert [day.actual for day in result.days] == [None] * 5


def test_a_weekend_only_sprint_has_no_days() -> None:
    assert burndown(SAT, date(2024, 6, 9), COMMITTED, [], today=TUE).days == []


def test_negative_remaining_points_are_rejected() -> None:
    with pytest.raises(ValueError, match="remaining_points"):
        burndown(START, END, COMMITTED, [Progress(on=WED, item_id="a", remaining_points=-1)], today=TUE)


@given(points=st.floats(min_value=0, max_value=1000), days=st.integers(min_value=2, max_value=60))
def test_the_ideal_line_never_goes_up_and_ends_at_zero(points: float, days: int) -> None:
    line = ideal_line(points, days)
    assert line[0] == round(points, 2)
    assert line[-1] == 0.0
    assert all(later <= earlier for earlier, later in itertools.pairwise(line))
