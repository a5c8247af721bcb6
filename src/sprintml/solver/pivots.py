"""Pivots of the plan's engineer-project forest: a walk along level 5's plateau without CP-SAT.

A new pair (e, p) closes one cycle with the path from p back to e in a spanning forest of the plan's graph.
Shifting hours around that cycle (cycles.py) keeps every engineer's and every project's total, so levels 1-3 and
the order of identical engineers hold. Shifted by the hours of its smallest losing pair, it empties that pair, and the
plan keeps its number of pairs: a pivot, as in the network simplex. When two pairs empty at once, the plan has one
pair fewer. A walk of seeded random pivots keeps a pivot when chunks, pins, focus, role demand and the churn held
at level 4 all allow it. Such a walk moves between plans with as many pairs far faster than CP-SAT's steps: a pivot
costs a forest path, a check of the roles' bounds on its cycle's projects and, where those allow it, one small flow
per project. On level 5's first plan of the 200-engineer benchmark (seed 7), its cycles cancelled, 300,000
attempts took 283 pairs to 236 in 6.7 s; CP-SAT steps alone had needed about 25 s for as many (measured when
the walks came, on a faster box).
"""

import random
import time
from dataclasses import dataclass

from sprintml.solver.cycles import (
    Forest,
    Node,
    Shift,
    Staff,
    project_staff,
    shifts,
    spanning_forest,
    split_projects,
)
from sprintml.solver.objective import churn_hours
from sprintml.solver.prepared import Hours, Plan, Prepared, pair_hours


@dataclass(slots=True)
class _Walk:
    """The plan as it walks: hours, pair totals (also by project), each engineer's number of projects, churn, and
    a spanning forest of its graph."""

    hours: Hours
    pair: dict[tuple[int, int], int]
    staff: Staff
    projects_of: dict[int, int]
    churn: int
    forest: Forest

    @classmethod
    def of(cls, prep: Prepared, hours: Hours) -> "_Walk":
        pair = pair_hours(hours)
        projects_of: dict[int, int] = {}
        for i, _ in pair:
            projects_of[i] = projects_of.get(i, 0) + 1
        forest = spanning_forest(sorted(pair))
        return cls(hours, pair, project_staff(pair), projects_of, churn_hours(prep, pair), forest)

    def take(self, hours: Hours, shift: Shift) -> None:
        """Move to `hours`, which differ from the walk's by `shift`. The forest is grown again, breadth first: a
        forest kept up to date pivot by pivot (as in the network simplex) grows deep, and its long cycles rarely
        allow a pivot (on the 200-engineer benchmark, 250 pairs after 200,000 attempts where this walk has 235)."""
        for (i, j), h in shift.pairs.items():
            had = self.pair.pop((i, j), 0)
            self.staff[j].pop(i, None)
            if h:
                self.pair[i, j] = self.staff[j][i] = h
            self.projects_of[i] = self.projects_of.get(i, 0) + (h > 0) - (had > 0)
        self.hours = hours
        self.churn += shift.churn
        self.forest = spanning_forest(sorted(self.pair))


# The walk looks at the clock once per this many attempts (the clock is only a safety net), and lets other threads
# run: it is pure Python, and the API's event loop shares the interpreter with the solve's worker thread.
CLOCK_EVERY = 256


def pivot_walk(
    prep: Prepared, plan: Plan, churn_limit: int, attempts: int, rng: random.Random, deadline: float | None = None
) -> Plan:
    """`plan` after `attempts` drawn pivots (each kept if the rules allow it), with at most as many pairs and
    churn at most `churn_limit`; funding and GPUs as they were. It stops early at `deadline` (perf_counter)."""
    walk = _Walk.of(prep, dict(plan.hours))
    candidates = sorted(ij for ij in prep.pair_roles if ij[1] in plan.funded)
    if not candidates:
        return plan
    for attempt in range(attempts):
        if attempt % CLOCK_EVERY == 0:
            if deadline is not None and time.perf_counter() > deadline:
                break
            time.sleep(0)
        e, p = rng.choice(candidates)
        if (e, p) in walk.pair:
            continue
        back = walk.forest.path(("p", p), ("e", e))
        if back is None:
            continue  # e and p lie in different trees: no cycle to shift around
        # e gains on p, and each engineer after it on the path gains on the project after it.
        path: list[Node] = [("e", e), *back[:-1]]
        pivot = _pivot(prep, walk, e, path, churn_limit)
        if pivot is not None:
            walk.take(*pivot)
    return Plan(hours=walk.hours, gpus=dict(plan.gpus), funded=set(plan.funded))


def _pivot(prep: Prepared, walk: _Walk, e: int, path: list[Node], churn_limit: int) -> tuple[Hours, Shift] | None:
    """The hours after shifting around `path` by the smallest losing pair's hours, which adds the pair of `e` and
    empties that one (two if they tie), and the shift; None if a rule does not allow it or the roles cannot be
    split."""
    projects, found = shifts(prep, walk.pair, path, emptying=True)
    for shift in found:  # the one amount that empties a pair, if it keeps chunks and pins
        if _allowed(prep, walk, e, shift, churn_limit):
            hours = split_projects(prep, walk.hours, walk.staff, shift.pairs, projects)
            return None if hours is None else (hours, shift)
    return None


def _allowed(prep: Prepared, walk: _Walk, e: int, shift: Shift, churn_limit: int) -> bool:
    """Churn stays within the level held; `e` keeps within its focus (it gains a project unless it also loses
    one). Every other engineer on the cycle only moves hours between projects it already works on."""
    if walk.churn + shift.churn > churn_limit:
        return False
    lost = sum(1 for (i, _), h in shift.pairs.items() if i == e and h == 0)
    return walk.projects_of.get(e, 0) + 1 - lost <= prep.focus[e]
