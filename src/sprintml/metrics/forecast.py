"""Monte Carlo forecast of how many sprints a set of backlog items needs, from the team's own velocity history."""

import math
import random
from collections.abc import Sequence

import msgspec

from sprintml.metrics.errors import ForecastBeyondHorizon, NoVelocityHistory

PERCENTILES = (50, 85, 95)
# Float sums of fractional points (0.1 + 0.2) may land a hair below a total they really reach.
_TOLERANCE = 1e-9


class Forecast(msgspec.Struct, frozen=True, kw_only=True):
    """The forecast response: sprints needed at each percentile, and how many futures were simulated."""

    p50: int
    p85: int
    p95: int
    samples: int


def nearest_rank(sorted_values: Sequence[int], percentile: float) -> int:
    """The smallest value with at least `percentile` % of the values at or below it (nearest-rank method)."""
    if not sorted_values:
        raise ValueError("no values")
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile}")
    rank = math.ceil(percentile / 100 * len(sorted_values))
    return sorted_values[rank - 1]


def _validate(velocities: Sequence[float], remaining_points: float, samples: int, max_sprints: int) -> None:
    if remaining_points < 0:
        raise ValueError(f"remaining_points must not be negative, got {remaining_points}")
    if samples < 1 or max_sprints < 1:
        raise ValueError("samples and max_sprints must be at least 1")
    if any(velocity < 0 for velocity in velocities):
        raise ValueError("velocities must not be negative")


def _simulate(
    velocities: Sequence[float], remaining_points: float, samples: int, max_sprints: int, seed: int
) -> list[int]:
    """Sprints needed in each simulated future.

    Every round draws one velocity for every future, finished or not, so future i sees the same sequence
    of velocities whatever `remaining_points` is: with the same seed, more points never need fewer sprints.
    """
    rng = random.Random(seed)
    target = remaining_points - _TOLERANCE
    done = [0.0] * samples
    needed = [0] * samples
    unfinished = list(range(samples))
    for sprint in range(1, max_sprints + 1):
        draws = rng.choices(velocities, k=samples)
        still: list[int] = []
        for index in unfinished:
            done[index] += draws[index]
            if done[index] >= target:
                needed[index] = sprint
            else:
                still.append(index)
        if not still:
            return needed
        unfinished = still
    raise ForecastBeyondHorizon(f"some simulated futures need more than {max_sprints} sprints")


def forecast(
    velocities: Sequence[float],
    remaining_points: float,
    *,
    samples: int = 10_000,
    seed: int = 0,
    max_sprints: int = 1000,
) -> Forecast:
    """Sprints needed for `remaining_points` at the 50th/85th/95th percentile (nearest rank) of `samples` futures.

    Each future draws one past velocity per sprint, with replacement, until the points are done. Nothing
    left to do needs 0 sprints, with or without history.
    """
    _validate(velocities, remaining_points, samples, max_sprints)
    if remaining_points == 0:
        return Forecast(p50=0, p85=0, p95=0, samples=samples)
    if not any(velocities):
        raise NoVelocityHistory("the team has no closed sprint with completed points to forecast from")
    # Even the best past sprint every time would not finish in time: say so without simulating.
    if remaining_points > max(velocities) * max_sprints:
        raise ForecastBeyondHorizon(f"{remaining_points} points need more than {max_sprints} sprints")
    needed = sorted(_simulate(velocities, remaining_points, samples, max_sprints, seed))
    p50, p85, p95 = (nearest_rank(needed, percentile) for percentile in PERCENTILES)
    return Forecast(p50=p50, p85=p85, p95=p95, samples=samples)
