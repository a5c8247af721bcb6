"""The linear relaxation of the full model, solved by Glop: a bound on levels 4 and 5 CP-SAT may not reach in time.

CP-SAT's bound on a level comes from the LP it solves at the root, and on 200 engineers a level's share of the
deterministic budget can run out before that LP settles (level 4's bound read 1,402 against a plan of 17,574 on
one generated instance). The same relaxation solved directly, with the levels above held at the plan's values,
takes Glop a fraction of a second and is deterministic. Every plan is a point of the relaxation, so its optimum
is a lower bound on the minimised levels; it is rounded up only past a tolerance far wider than Glop's, so that
floating-point error can never lift it above the true optimum.
"""

import math
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ortools.linear_solver import pywraplp

from sprintml.solver.prepared import Prepared

# Glop's optimality tolerances are around 1e-7 relative; an LP optimum within this of an integer is not rounded up.
ROUNDING_SLACK = 1e-3


@dataclass(frozen=True, slots=True)
class LinearRelaxation:
    """The relaxation with the held levels as constraints; one Glop model, re-solved for several objectives."""

    lp: pywraplp.Solver
    hours: dict[tuple[int, int, int], pywraplp.Variable]  # (e, p, r) -> h[e,p,r]
    exprs: dict[str, Any]  # level name -> its linear expression

    def optimum(self, expr: Any, maximise: bool, deadline: float) -> float | None:
        """The LP optimum of `expr`, or None if Glop did not prove one before `deadline` (perf_counter)."""
        seconds = deadline - time.perf_counter()
        if seconds <= 0:
            return None
        if maximise:
            self.lp.Maximize(expr)
        else:
            self.lp.Minimize(expr)
        self.lp.SetTimeLimit(max(1, int(seconds * 1000)))
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        value: float = self.lp.Objective().Value()
        return value

    def lower_bound(self, level: str, deadline: float) -> int | None:
        """The LP optimum of a minimised level, rounded up to the integer no plan can go below."""
        optimum = self.optimum(self.exprs[level], False, deadline)
        return None if optimum is None else max(0, math.ceil(optimum - ROUNDING_SLACK))


def lp_bound(prep: Prepared, level: str, held: dict[str, int], seconds: float) -> int | None:
    """A lower bound on `level` ("churn_hours" or "assignments") over plans that keep every level in `held`
    (maximised levels at least, minimised at most their values); None if Glop did not prove its optimum."""
    relaxation = linear_relaxation(prep, held)
    if relaxation is None:
        return None
    return relaxation.lower_bound(level, time.perf_counter() + seconds)


def linear_relaxation(
    prep: Prepared, held: dict[str, int], funding: Mapping[int, bool] | None = None
) -> LinearRelaxation | None:
    """The full model with integrality dropped and the `held` levels as constraints; None for an impossible pin.
    `funding` fixes projects every plan that holds those levels funds (True) or leaves out (False): relaxed, a
    project's funding can be split between projects, which on one 200-engineer instance lowered level 4's bound
    from 16072 to 14798 against a plan of 16088."""
    request = prep.request
    projects = request.projects
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    inf = lp.infinity()
    fixed = funding or {}
    funded = [
        lp.NumVar(int(fixed[j]), int(fixed[j]), f"funded[{j}]") if j in fixed else lp.NumVar(0, 1, f"funded[{j}]")
        for j in range(prep.n_projects)
    ]
    h: dict[tuple[int, int, int], pywraplp.Variable] = {}
    x: dict[tuple[int, int], pywraplp.Variable] = {}
    by_engineer: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for (i, j), roles in sorted(prep.pair_roles.items()):
        xv = x[i, j] = lp.NumVar(0, 1, f"x[{i},{j}]")
        lp.Add(xv <= funded[j])
        pair = []
        for r in roles:
            ub = min(request.engineers[i].capacity_hours, projects[j].roles[r].hours)
            hv = h[i, j, r] = lp.NumVar(0, ub, f"h[{i},{j},{r}]")
            lp.Add(hv <= ub * xv)
            pair.append(hv)
            by_engineer[i].append((i, j, r))
        lp.Add(sum(pair) <= prep.pair_ub[i, j] * xv)
        lp.Add(sum(pair) >= prep.chunk * xv)
    for i, keys in sorted(by_engineer.items()):
        lp.Add(sum(h[k] for k in keys) <= request.engineers[i].capacity_hours)
        lp.Add(sum(x[i, j] for j in prep.engineer_projects[i]) <= prep.focus[i])
    for j, project in enumerate(projects):
        for r, role in enumerate(project.roles):
            total = sum((h[i, j, r] for i in prep.role_engineers[j][r]), start=0.0)
            lp.Add(total >= role.minimum * funded[j])
            lp.Add(total <= role.hours)
    weighted_gpus = _add_gpus(lp, prep, funded)
    for (i, j), least in sorted(prep.pins.items()):
        lp.Add(funded[j] == 1)
        if (i, j) not in x:
            return None  # an impossible pin: check_input reports it
        lp.Add(x[i, j] == 1)
        lp.Add(sum(h[i, j, r] for r in prep.pair_roles[i, j]) >= least)
    churn = sum(v for (i, j, _), v in h.items() if (i, j) not in prep.current) + sum(
        (c for ij, c in prep.current.items() if ij not in x), start=0.0
    )
    for (i, j), c in sorted(prep.current.items()):
        if (i, j) in x:
            d = lp.NumVar(0, inf, f"churn[{i},{j}]")
            hp = sum(h[i, j, r] for r in prep.pair_roles[i, j])
            lp.Add(d >= hp - c)
            lp.Add(d >= c - hp)
            churn += d
    exprs = {
        "funded_priority": sum((p.priority * funded[j] for j, p in enumerate(projects)), start=0.0),
        "weighted_hours": sum((projects[j].priority * v for (_, j, _), v in h.items()), start=0.0),
        "weighted_gpus": weighted_gpus,
        "churn_hours": churn,
        "assignments": sum(x.values(), start=0.0),
    }
    for name, value in held.items():
        if name in ("churn_hours", "assignments"):
            lp.Add(exprs[name] <= value)
        else:
            lp.Add(exprs[name] >= value)
    return LinearRelaxation(lp=lp, hours=h, exprs=exprs)


def _add_gpus(lp: pywraplp.Solver, prep: Prepared, funded: list[pywraplp.Variable]) -> object:
    request = prep.request
    per_pool: dict[int, list[pywraplp.Variable]] = defaultdict(list)
    terms: object = 0.0
    for j, p in enumerate(request.projects):
        need = p.gpus
        if need is None:
            continue
        gs = []
        for k in prep.fitting_pools[j]:
            g = lp.NumVar(0, min(need.count, request.gpu_pools[k].count), f"g[{k},{j}]")
            per_pool[k].append(g)
            gs.append(g)
        total = sum(gs, start=0.0)
        lp.Add(total >= need.minimum * funded[j])
        lp.Add(total <= need.count * funded[j])
        terms = terms + p.priority * total  # type: ignore[operator]
    for k, gs in sorted(per_pool.items()):
        lp.Add(sum(gs) <= request.gpu_pools[k].count)
    return terms
