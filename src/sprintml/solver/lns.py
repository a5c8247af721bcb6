"""Large-neighbourhood search on one level: re-solve a few engineers' hours with everyone else's held.

With one worker CP-SAT runs no neighbourhood search of its own, and on 200 engineers its single search improves a
level by a few units in ten seconds. Here each step frees the engineers qualified for a couple of projects drawn at
random (and the projects' GPUs and funding stay as they are), fixes every other variable to the incumbent by its
domain, and lets CP-SAT solve that small model from the incumbent as hint. A step is kept only if it improves the
level. Steps are budgeted in CP-SAT's deterministic time and the draws come from a seeded generator, so the same
input and parameters give the same plan (the wall clock only cuts a step short as a safety net).
"""

import random
import time

from ortools.sat.python import cp_model

from sprintml.solver.model import Variables
from sprintml.solver.objective import level_value
from sprintml.solver.plan_vars import add_hints, extract
from sprintml.solver.prepared import Plan, Prepared
from sprintml.solver.solution import MAXIMISED

NEIGHBOURHOOD_ENGINEERS = 12
STEP_DETERMINISTIC_TIME = 0.2
# Share of the steps on levels 4 and 5 whose projects are drawn where one engineer's hours could move (_draw).
TARGETED_SHARE = 0.5


def improve(
    model: cp_model.CpModel,
    v: Variables,
    prep: Prepared,
    name: str,
    plan: Plan,
    deterministic_budget: float,
    deadline: float,
    seed: int,
) -> tuple[Plan, float]:
    """The best plan found from `plan` on level `name`, and the deterministic time spent; `model` carries that
    level's objective and the levels held above it."""
    rng = random.Random(seed)
    spent = 0.0
    projects = [j for j in range(prep.n_projects) if prep.project_engineers[j]]
    if not projects:
        return plan, 0.0
    best = level_value(prep, name, plan)
    while spent < deterministic_budget and time.perf_counter() < deadline:
        chosen = _draw(rng, prep, name, plan, projects)
        # Engineers on the projects now or before (`current`) first: moving them is what changes levels 4 and 5.
        involved = sorted({i for i, j, _ in plan.hours if j in chosen} | {i for i, j in prep.current if j in chosen})
        others = sorted({i for j in chosen for i in prep.project_engineers[j]} - set(involved))
        free = set(rng.sample(involved, min(len(involved), NEIGHBOURHOOD_ENGINEERS)))
        free.update(rng.sample(others, min(len(others), NEIGHBOURHOOD_ENGINEERS - len(free))))
        sub = _fixed_outside(model, v, prep, plan, free)
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.num_workers = 1
        p.random_seed = seed
        p.max_deterministic_time = min(STEP_DETERMINISTIC_TIME, deterministic_budget - spent)
        p.max_time_in_seconds = max(0.01, deadline - time.perf_counter())
        status = solver.solve(sub)
        spent += max(solver.deterministic_time, 0.01)  # a step always costs something, so the loop ends
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        found = extract(prep, v, solver)
        value = level_value(prep, name, found)
        if value > best if name in MAXIMISED else value < best:
            plan, best = found, value
    return plan, spent


def _fixed_outside(
    model: cp_model.CpModel, v: Variables, prep: Prepared, plan: Plan, free: set[int]
) -> cp_model.CpModel:
    """A copy of the model with every variable of engineers outside `free`, every GPU and every funding fixed."""
    sub = model.clone()
    sub.clear_hints()  # type: ignore[no-untyped-call]
    add_hints(sub, v, prep, plan)
    pair: dict[tuple[int, int], int] = {}
    for (i, j, _), h in plan.hours.items():
        pair[i, j] = pair.get((i, j), 0) + h
    proto = sub.proto
    fixed: list[tuple[cp_model.IntVar, int]] = []
    fixed += [(var, plan.hours.get(key, 0)) for key, var in v.h.items() if key[0] not in free]
    fixed += [(var, int(pair.get(key, 0) > 0)) for key, var in v.x.items() if key[0] not in free]
    fixed += [(var, abs(pair.get(key, 0) - prep.current[key])) for key, var in v.churn.items() if key[0] not in free]
    fixed += [(var, plan.gpus.get(key, 0)) for key, var in v.g.items()]
    fixed += [(var, int(j in plan.funded)) for j, var in enumerate(v.funded)]
    for var, value in fixed:
        domain = proto.variables[var.index].domain
        if len(domain) == 2:
            domain[0] = value
            domain[1] = value
    return sub


def _draw(rng: random.Random, prep: Prepared, name: str, plan: Plan, projects: list[int]) -> set[int]:
    """Two projects to free: on levels 4 and 5, half the time two that one engineer could move hours between (from
    the project they give fewer hours than `current` to the one they work on instead; between two projects they
    split across), where a uniform draw of 2 of 40 projects rarely lands; otherwise two at random."""
    movable: list[tuple[int, ...]] = []
    if name in ("churn_hours", "assignments") and rng.random() < TARGETED_SHARE:
        pair: dict[tuple[int, int], int] = {}
        for (i, j, _), h in plan.hours.items():
            pair[i, j] = pair.get((i, j), 0) + h
        works: dict[int, list[int]] = {}
        for i, j in sorted(pair):
            works.setdefault(i, []).append(j)
        if name == "churn_hours":
            movable = [
                (j, *works.get(i, ()))
                for (i, j), c in sorted(prep.current.items())
                if j in plan.funded and pair.get((i, j), 0) < c and (i, j) in prep.pair_roles
            ]
        else:
            movable = [tuple(js) for _, js in sorted(works.items()) if len(js) > 1]
    if movable:
        first, *rest = rng.choice(movable)
        others = [j for j in rest if j != first] or [j for j in projects if j != first]
        return {first, rng.choice(others)} if others else {first}
    return set(rng.sample(projects, min(2, len(projects))))
