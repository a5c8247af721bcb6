"""A small relaxation of allocation.md whose optimum bounds levels 1-3 and proposes which projects to fund.

Engineers are pooled by the role types (skill, min_level) they qualify for; the relaxation drops what ties hours
to one engineer (focus, chunk, exclusions, how pins split) and keeps the rest exactly: every role's minimum and
cap, each pool of engineers' total capacity, GPUs pool by pool, pinned projects funded. Every plan maps onto a
solution of it with the same levels 1-3, so its optimum is a bound, and with a few hundred variables instead of
one per (engineer, project, role) CP-SAT proves it in well under a second where the full model cannot even start
its search on 1,000 engineers. Roles of one type are interchangeable to a pool, so the pools feed types, not roles.
Its funding is integer where a linear relaxation's is not, so it also tells which projects levels 1-3 force
(forced_funding), which the solve then fixes in the full model and its LP.
"""

import math
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from sprintml.solver.prepared import Prepared, qualifies

MAXIMISED_LEVELS = ("funded_priority", "weighted_hours", "weighted_gpus")


@dataclass(frozen=True, slots=True)
class Relaxed:
    bound: int  # no plan beats this on the level asked (with the levels above held as given)
    proven: bool  # the relaxation itself was solved to optimality
    funded: set[int]  # the relaxation's funded projects (a proposal, not necessarily staffable)


def solve_relaxation(
    prep: Prepared, level: str, held: dict[str, int], budget: float, seed: int, slack: float = 0.0
) -> Relaxed | None:
    """Maximise `level` (one of levels 1-3) with the levels in `held` at least their values; None if nothing found.

    `slack` > 0 withholds that share of every engineer pool's hours: no longer a bound, but a proposal of funded
    projects that leaves room for the focus and chunk rules the relaxation ignores.
    """
    model, funded, exprs = _build(prep, held, slack)
    model.maximize(exprs[level])
    solver = _solver(budget, seed)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return Relaxed(
        bound=int(solver.best_objective_bound + 1e-6) if status == cp_model.FEASIBLE else int(solver.objective_value),
        proven=status == cp_model.OPTIMAL,
        funded={j for j, f in enumerate(funded) if solver.boolean_value(f)},
    )


def least_hours(prep: Prepared, held: dict[str, int], budget: float, seed: int) -> int | None:
    """The fewest hours, summed over every engineer, that a plan keeping the `held` levels 1-3 can work (a bound:
    every plan's role hours are a solution); None if CP-SAT found no solution within `budget` seconds."""
    model, _, exprs = _build(prep, held, 0.0)
    model.minimize(exprs["hours"])
    solver = _solver(budget, seed)
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return int(solver.objective_value)
    if status == cp_model.FEASIBLE:
        return math.ceil(solver.best_objective_bound - 1e-6)
    return None


def forced_funding(prep: Prepared, held: dict[str, int], deadline: float, seed: int) -> dict[int, bool]:
    """Projects funded (True) or unfunded (False) in every plan that keeps the `held` levels 1-3: the relaxation's
    backbone. Each solve asks for a solution that flips at least one project not yet seen both ways; a flip rules
    those projects out, and infeasibility proves the rest forced. Empty if the time runs out first."""
    model, funded, _ = _build(prep, held, 0.0)
    first: dict[int, bool] | None = None
    candidates: set[int] = set()
    while True:
        budget = deadline - time.perf_counter()
        if budget <= 0:
            return {}
        solver = _solver(budget, seed)
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE and first is not None:
            return {j: first[j] for j in sorted(candidates)}
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return {}
        values = {j: solver.boolean_value(f) for j, f in enumerate(funded)}
        if first is None:
            first, candidates = values, set(values)
        else:
            candidates -= {j for j in candidates if values[j] != first[j]}
        if not candidates:
            return {}
        # Some candidate must differ from the first solution.
        model.add_bool_or([funded[j].Not() if first[j] else funded[j] for j in sorted(candidates)])


def _build(
    prep: Prepared, held: dict[str, int], slack: float
) -> tuple[cp_model.CpModel, list[cp_model.IntVar], dict[str, cp_model.LinearExprT]]:
    """The relaxation's model with the `held` levels as constraints, its funding variables, and levels 1-3 and the
    total hours as expressions."""
    model = cp_model.CpModel()
    request = prep.request
    projects = request.projects
    funded = [model.new_bool_var(f"funded[{j}]") for j in range(prep.n_projects)]
    for _, j in prep.pins:
        model.add(funded[j] == 1)
    types = sorted({(role.skill, role.min_level) for p in projects for role in p.roles if role.hours > 0})
    supply: dict[tuple[int, ...], int] = defaultdict(int)
    for i, e in enumerate(request.engineers):
        if prep.focus[i] < 1:
            continue
        key = tuple(t for t, (skill, level) in enumerate(types) if qualifies(e.skills, skill, level))
        if key:
            supply[key] += e.capacity_hours
    into_type: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for key, total in sorted(supply.items()):
        hours = int(total * (1.0 - slack))
        flows = [model.new_int_var(0, hours, f"f[{key},{t}]") for t in key]
        model.add(sum(flows) <= hours)
        for t, f in zip(key, flows, strict=True):
            into_type[t].append(f)
    role_hours: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    all_role_hours: list[cp_model.IntVar] = []
    weighted_hours = []
    for j, p in enumerate(projects):
        for r, role in enumerate(p.roles):
            y = model.new_int_var(0, role.hours, f"y[{j},{r}]")
            model.add(y >= role.minimum * funded[j])
            model.add(y <= role.hours * funded[j])
            if role.hours > 0:
                role_hours[types.index((role.skill, role.min_level))].append(y)
            all_role_hours.append(y)
            weighted_hours.append(p.priority * y)
    for t in range(len(types)):
        model.add(sum(role_hours[t]) <= sum(into_type[t], cp_model.LinearExpr.constant(0)))
    weighted_gpus = _add_gpus(model, prep, funded)
    exprs: dict[str, cp_model.LinearExprT] = {
        "funded_priority": sum(p.priority * funded[j] for j, p in enumerate(projects)),
        "weighted_hours": sum(weighted_hours),
        "weighted_gpus": weighted_gpus,
        "hours": cp_model.LinearExpr.sum(all_role_hours),
    }
    for name, value in held.items():
        model.add(exprs[name] >= value)
    return model, funded, exprs


def _solver(budget: float, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = budget
    # The LP cuts of level 2 prove these knapsack-like models in a fraction of a second; without them, minutes.
    solver.parameters.linearization_level = 2
    return solver


def _add_gpus(model: cp_model.CpModel, prep: Prepared, funded: list[cp_model.IntVar]) -> cp_model.LinearExpr:
    request = prep.request
    per_pool: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    terms = []
    for j, p in enumerate(request.projects):
        need = p.gpus
        if need is None:
            continue
        gs = []
        for k in prep.fitting_pools[j]:
            g = model.new_int_var(0, min(need.count, request.gpu_pools[k].count), f"g[{k},{j}]")
            per_pool[k].append(g)
            gs.append(g)
        total = sum(gs, cp_model.LinearExpr.constant(0))
        model.add(total >= need.minimum * funded[j])
        model.add(total <= need.count * funded[j])
        terms.append(p.priority * total)
    for k, gs in sorted(per_pool.items()):
        model.add(sum(gs) <= request.gpu_pools[k].count)
    return sum(terms, cp_model.LinearExpr.constant(0))
