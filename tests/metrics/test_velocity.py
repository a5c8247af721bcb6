"""Hand-worked velocity history cases."""

import pytest

from sprintml.metrics import ClosedSprint, rolling_average, velocity_history


def _sprint(sprint_id: str, committed: float, completed: float) -> ClosedSprint:
    return ClosedSprint(sprint_id=sprint_id, committed_points=committed, completed_points=completed)


def test_the_average_is_over_the_last_three_closed_sprints() -> None:
    # (30 + 24 + 27) / 3 = 81 / 3 = 27; s1's 20 is too old.
    history = [_sprint("s1", 25, 20), _sprint("s2", 30, 30), _sprint("s3", 28, 24), _sprint("s4", 27, 27)]
    report = velocity_history(history)
    assert report.average == 27.0
    assert [sprint.sprint_id for sprint in report.sprints] == ["s1", "s2", "s3", "s4"]


def test_fewer_sprints_than_the_window_average_what_there_is() -> None:
    # (20 + 30) / 2 = 25
    assert velocity_history([_sprint("s1", 25, 20), _sprint("s2", 30, 30)]).average == 25.0


def test_no_closed_sprints_have_no_average() -> None:
    report = velocity_history([])
    assert (report.sprints, report.average) == ([], None)


def test_the_window_is_configurable() -> None:
    # last 2: (24 + 27) / 2 = 25.5
    history = [_sprint("s1", 25, 20), _sprint("s2", 30, 30), _sprint("s3", 28, 24), _sprint("s4", 27, 27)]
    assert velocity_history(history, window=2).average == 25.5


def test_the_average_rounds_to_two_decimals() -> None:
    # (10 + 10 + 11) / 3 = 10.333...
    assert rolling_average([10, 10, 11]) == 10.33


def test_a_window_below_one_is_rejected() -> None:
    with pytest.raises(ValueError, match="window"):
        rolling_average([1.0], 0)
