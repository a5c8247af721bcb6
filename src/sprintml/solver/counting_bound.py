"""Bounds on levels 4 and 5 by counting, where the full model's linear relaxation is too large to solve in time.

Churn adds |h - current| over the `current` pairs and h over every other pair. With H the hours a plan works, C the
current hours and kept the sum over current pairs of min(h, current),

    churn = H + C - 2 * kept,

since |h - c| = h + c - 2 * min(h, c). Kept hours are worked hours, and each current pair keeps at most its
current hours and what the pair can hold, each engineer at most their capacity and each project at most its
demand: kept <= K. Churn falls as H grows up to K and rises after, so over the plans that work at least L hours
(relaxation.least_hours, with levels 1-3 held) churn >= C - 2K + max(L, K). Every engineer who works makes at
least one pair, so the assignments are at least the fewest engineers whose capacities add up to L.

On the 200-engineer benchmark (seeds 7-13), where the solve has the linear relaxation's tighter bound, the churn
bound comes out 0.2-4.1% below the plans it reports; on 1,000 and 3,000 engineers (seed 7), 0.8% and 1.1%.
"""

from collections import defaultdict

from sprintml.solver.prepared import Prepared


def churn_floor(prep: Prepared, least_hours: int) -> int:
    """No plan that works at least `least_hours` hours has less churn."""
    request = prep.request
    by_engineer: dict[int, int] = defaultdict(int)
    by_project: dict[int, int] = defaultdict(int)
    for (i, j), current in prep.current.items():
        if (i, j) in prep.pair_ub:
            keepable = min(current, prep.pair_ub[i, j])
            by_engineer[i] += keepable
            by_project[j] += keepable
    most_kept = min(
        sum(min(hours, request.engineers[i].capacity_hours) for i, hours in by_engineer.items()),
        sum(min(hours, sum(r.hours for r in request.projects[j].roles)) for j, hours in by_project.items()),
    )
    return sum(prep.current.values()) - 2 * most_kept + max(least_hours, most_kept)


def assignments_floor(prep: Prepared, least_hours: int) -> int:
    """No plan that works at least `least_hours` hours has fewer pairs: it needs this many engineers at least."""
    engineers = 0
    covered = 0
    for hours in sorted((prep.request.engineers[i].capacity_hours for i in prep.eligible_engineers), reverse=True):
        if covered >= least_hours:
            break
        covered += hours
        engineers += 1
    return engineers
