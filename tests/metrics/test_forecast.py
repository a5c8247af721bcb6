"""Hand-worked and property cases for the Monte Carlo forecast."""

import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sprintml.domain.errors import InvalidCommand, RuleViolated
from sprintml.metrics import ForecastBeyondHorizon, NoVelocityHistory, forecast, nearest_rank


def test_a_steady_team_needs_the_same_number_of_sprints_in_every_future() -> None:
    # Always 10 per sprint: 10, 20, 30 < 35 <= 40 -> 4 sprints.
    result = forecast([10, 10, 10], 35)
    assert (result.p50, result.p85, result.p95, result.samples) == (4, 4, 4, 10_000)


def test_reaching_the_remaining_points_exactly_counts_as_done() -> None:
    # 10 + 10 + 10 = 30 -> 3 sprints, not 4.
    assert forecast([10], 30).p95 == 3


def test_fractional_points_that_add_up_exactly_are_done() -> None:
    # 0.1 + 0.1 + 0.1 is 0.30000000000000004 in floats, and must still count as 0.3.
    assert forecast([0.1], 0.3).p50 == 3
    # 0.1 * 10 sums to 0.9999999999999999: still done after 10 sprints.
    assert forecast([0.1], 1.0).p50 == 10


def test_percentiles_follow_the_drawn_velocities() -> None:
    # 20 points from {10, 20, 20, 20}: one sprint when 20 is drawn (3/4), else two (10 + anything >= 20).
    # About 7,500 futures need 1 and 2,500 need 2, so by nearest rank p50 = 1 while p85 and p95 = 2.
    result = forecast([10, 20, 20, 20], 20)
    assert (result.p50, result.p85, result.p95) == (1, 2, 2)


def test_the_same_seed_gives_the_same_forecast() -> None:
    history = [12, 18, 25, 9, 30, 21]
    assert forecast(history, 137, seed=42) == forecast(history, 137, seed=42)


def test_nothing_left_needs_zero_sprints_even_without_history() -> None:
    result = forecast([], 0)
    assert (result.p50, result.p85, result.p95) == (0, 0, 0)


@pytest.mark.parametrize("history", [[], [0, 0, 0]])
def test_no_usable_velocity_history_is_a_typed_conflict(history: list[float]) -> None:
    with pytest.raises(NoVelocityHistory) as caught:
        forecast(history, 10)
    assert isinstance(caught.value, RuleViolated)


def test_zero_velocity_sprints_in_a_real_history_just_slow_the_forecast() -> None:
    # {0, 10} and 10 points: done in the first sprint that draws 10; P(> 1 sprint) = 1/2.
    result = forecast([0, 10], 10)
    assert result.p50 == 1
    assert result.p85 >= 2


def test_a_backlog_beyond_the_horizon_is_rejected_without_simulating() -> None:
    # Even 1 point every sprint for 10 sprints is 10 < 11.
    with pytest.raises(ForecastBeyondHorizon) as caught:
        forecast([1], 11, max_sprints=10)
    assert isinstance(caught.value, InvalidCommand)


def test_futures_still_unfinished_at_the_horizon_are_rejected() -> None:
    # One sprint allowed; about half the futures draw 0 and are not done.
    with pytest.raises(ForecastBeyondHorizon):
        forecast([0, 10], 10, max_sprints=1)


def test_negative_remaining_points_are_rejected() -> None:
    with pytest.raises(ValueError, match="remaining_points"):
        forecast([10], -1)


def test_nearest_rank_takes_the_value_at_the_ceiling_rank() -> None:
    # 10 values: p50 -> rank ceil(5) = 5, p85 -> ceil(8.5) = 9, p95 -> ceil(9.5) = 10.
    values = list(range(1, 11))
    assert [nearest_rank(values, p) for p in (50, 85, 95)] == [5, 9, 10]


def test_ten_thousand_samples_run_fast() -> None:
    # ~5 ms on a laptop; the bound is loose so that a busy CI machine does not flake.
    started = time.perf_counter()
    forecast([12, 18, 25, 9, 30, 21], 60, samples=10_000)
    assert time.perf_counter() - started < 0.5


_VELOCITIES = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8).filter(any)
# Seven zero sprints and one of a point take about 8 sprints a point: 400 points need some 3,200 sprints, past the
# default horizon of 1,000 (which would rightly raise ForecastBeyondHorizon). These properties are about the
# futures themselves, so they simulate far enough for every generated history.
_HORIZON = 100_000


@settings(max_examples=50, deadline=None)
@given(
    velocities=_VELOCITIES,
    smaller=st.integers(min_value=0, max_value=200),
    extra=st.integers(min_value=0, max_value=200),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_more_points_never_need_fewer_sprints_at_the_same_seed(
    velocities: list[int], smaller: int, extra: int, seed: int
) -> None:
    low = forecast(velocities, smaller, samples=200, seed=seed, max_sprints=_HORIZON)
    high = forecast(velocities, smaller + extra, samples=200, seed=seed, max_sprints=_HORIZON)
    assert (low.p50, low.p85, low.p95) <= (high.p50, high.p85, high.p95)
    assert low.p50 <= high.p50
    assert low.p85 <= high.p85
    assert low.p95 <= high.p95


@settings(max_examples=50, deadline=None)
@given(velocities=_VELOCITIES, remaining=st.integers(min_value=1, max_value=300), seed=st.integers(min_value=0))
@example(velocities=[0] * 7 + [1], remaining=300, seed=1)  # about 2,400 sprints: failed CI at the default horizon
def test_percentiles_are_ordered_and_never_beat_the_best_pace(velocities: list[int], remaining: int, seed: int) -> None:
    result = forecast(velocities, remaining, samples=200, seed=seed, max_sprints=_HORIZON)
    # No future beats drawing the best velocity every sprint.
    fastest = -(-remaining // max(velocities))
    assert fastest <= result.p50 <= result.p85 <= result.p95
