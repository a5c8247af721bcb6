"""Large-neighbourhood search on one level: re-solve a few engineers' hours with everyone else's held.

With one worker CP-SAT runs no neighbourhood search of its own, and on 200 engineers its single search improves a
level by a few units in ten seconds. Here each step frees the engineers qualified for a couple of projects drawn at
random (and the projects' GPUs and funding stay as they are), fixes every other variable to the incumbent by its
domain, and lets CP-SAT solve that small model from the incumbent as hint. A step is kept if it improves the
level, and on level 5 also if it keeps it: there a step breaks ties between plans with as many pairs by random
weights, so the search moves along a plateau of equal plans instead of stalling where no dozen engineers can take
a pair off. Steps are budgeted in CP-SAT's deterministic time and the draws come from a seeded generator, so the
same input and parameters give the same plan (the wall clock only cuts a step short as a safety net). On level 5,
half the steps free the engineers on one cycle of the plan's graph (where a pair can be emptied), cycles are
cancelled directly (cycles.py) before the search and after every step taken, and seeded walks of pivots
(pivots.py), far cheaper than a step, take most of the time between steps.
"""

import random
import time

from ortools.sat.python import cp_model

from sprintml.solver.cycles import cancel_cycles, fundamental_cycles, plan_pairs
from sprintml.solver.model import Variables
from sprintml.solver.objective import level_value
from sprintml.solver.pivots import pivot_walk
from sprintml.solver.prepared import Plan, Prepared, pair_hours
from sprintml.solver.solution import MAXIMISED

NEIGHBOURHOOD_ENGINEERS = 12
# The level searched along plateaus of equal plans (assignments: many plans share a number of pairs).
PLATEAU_LEVEL = "assignments"
STEP_DETERMINISTIC_TIME = 0.2
# What a step costs on top of CP-SAT's own time: freeing, fixing and checking the plan take wall time no unit
# counts (about 30 ms a step on 200 engineers, as much as 0.01 units at the neighbourhoods' rate), and a step
# always costs something, so the loop ends.
STEP_OVERHEAD = 0.01
# Level 5's steps are shorter: most are plateau moves (below), which need a plan, not a proof.
PLATEAU_STEP_DETERMINISTIC_TIME = 0.1
# Share of the steps on levels 4 and 5 whose projects are drawn where one engineer's hours could move (_draw).
TARGETED_SHARE = 0.5
# On level 5 a step minimises pairs first and then a random weighting of the freed engineers' pairs, drawn from
# 0..TIE_BREAK_WEIGHTS-1, and a plan with as many pairs as the best is taken too (a plateau move). Measured (before
# pivot walks, steps of 0.2 units) from the plan a 30 s solve had ended with on the 200-engineer benchmark: seed 7
# (251 pairs) at 20 units, 239 with improving steps only and 235 with plateau moves; seed 8 (252) at 12 units, 242
# and 234; seed 7 at 100 units, 223 (its bound is 214).
TIE_BREAK_WEIGHTS = 10
# On level 5 pivot walks (pivots.py) take this share of the neighbourhoods' units, in runs of PIVOT_ATTEMPTS
# attempts between CP-SAT steps, which make the moves of several engineers at once that no pivot can. A walk has no
# deterministic time of its own: PIVOT_ATTEMPTS_PER_UNIT attempts count as one unit, about the wall time a unit of
# steps takes (on the 200-engineer benchmark, on the slower box: 60,000 attempts in 2.2 s; a 12-engineer step 0.095
# s for its 0.036 units and STEP_OVERHEAD, about 2.1 s a unit). Measured on m seeds 7-12 at 30 s (0.15 units a
# second, level 4 at 0.6 of the units): 239/249/228/244/241/241 pairs with steps alone, 226/231/220/230/224/228
# with walks (bounds 214/215/214/211/212/216). Shares of 0.75 and 90,000 attempts a unit, or 20% more units for the
# whole solve, moved those by a pair or two either way.
PIVOT_SHARE = 0.6
PIVOT_ATTEMPTS = 20_000
PIVOT_ATTEMPTS_PER_UNIT = 60_000
# Share of the steps on level 5 that free the engineers on one cycle of the plan's graph (cycles.py).
CYCLE_SHARE = 0.5


def improve(
    model: cp_model.CpModel,
    v: Variables,
    prep: Prepared,
    name: str,
    plan: Plan,
    deterministic_budget: float,
    deadline: float,
    seed: int,
    bound: int,
    *,
    keep_totals: bool = False,
) -> tuple[Plan, float]:
    """The best plan found from `plan` on level `name`, and the deterministic time spent; `model` carries that
    level's objective and the levels held above it. The search ends early once the plan meets `bound`. With
    `keep_totals` (every plan holding the levels above works every engineer's whole capacity), level 5's steps are
    told so: they only move hours between projects, as the walks do, and a step solves faster (seed 16 of the
    200-engineer benchmark: 116 steps in 7.7 s against 86 in 7.9 s within the same budget, 66 against 92 ms a
    step). On that benchmark, seeds 7-38, level 5 came to 7,317 pairs against 7,334, with 11 seeds within 5% of
    their bounds against 7 (seed 7: 225 against 226)."""
    rng = random.Random(seed)
    spent = 0.0
    projects = [j for j in range(prep.n_projects) if prep.project_engineers[j]]
    if not projects:
        return plan, 0.0
    # Level 5 searches a plateau: cycles cancelled, pivot walks between the steps, and steps that keep the level.
    plateau = name == PLATEAU_LEVEL
    if plateau:
        plan = cancel_cycles(prep, plan, seed)
    best = level_value(prep, name, plan)
    sub = _Fixed(model, v, prep, plan, full_capacity=plateau and keep_totals)
    # The model holds churn at level 4's value, at least the plan's: the walks keep to the plan's (no more is known).
    churn_limit = level_value(prep, "churn_hours", plan)
    pivoted = 0.0  # units spent on pivot walks
    while spent < deterministic_budget and time.perf_counter() < deadline and best != bound:
        if plateau and pivoted <= PIVOT_SHARE * spent:
            attempts = max(1, min(PIVOT_ATTEMPTS, int((deterministic_budget - spent) * PIVOT_ATTEMPTS_PER_UNIT)))
            plan = pivot_walk(prep, plan, churn_limit, attempts, rng)
            best = level_value(prep, name, plan)
            sub.fix(plan, everyone=True)  # a pivot moves engineers anywhere on its cycle
            spent += attempts / PIVOT_ATTEMPTS_PER_UNIT
            pivoted += attempts / PIVOT_ATTEMPTS_PER_UNIT
            continue
        freed = _neighbourhood(rng, prep, name, plan, projects)
        sub.free(freed)
        if plateau:
            _tie_broken_pairs(sub.model, v, prep, freed, rng)
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.num_workers = 1
        p.random_seed = seed
        step = PLATEAU_STEP_DETERMINISTIC_TIME if plateau else STEP_DETERMINISTIC_TIME
        p.max_deterministic_time = min(step, deterministic_budget - spent)
        p.max_time_in_seconds = max(0.01, deadline - time.perf_counter())
        status = solver.solve(sub.model)
        spent += solver.deterministic_time + STEP_OVERHEAD
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = sub.plan_from(solver, plan)
            value = level_value(prep, name, found)
            if plateau and value <= best:
                # A plateau move too. The step may have opened cycles elsewhere; cancelling them moves engineers
                # the step did not free, so then the fixed copy is brought up to date as a whole.
                sub.fix(found)
                plan = cancel_cycles(prep, found, seed)
                best = level_value(prep, name, plan)
                if plan.hours != found.hours:
                    sub.fix(plan, everyone=True)
                continue
            if value > best if name in MAXIMISED else value < best:
                plan, best = found, value
        sub.fix(plan)
    return plan, spent


class _Fixed:
    """A copy of the model with every variable fixed to the plan, whose engineers are freed a few at a time.

    Cloning the model and hinting all of its variables for every step cost more than CP-SAT's own solving once
    neighbourhoods were small; the copy is made once, and a step touches only the freed engineers' variables (a
    fixed variable needs no hint).
    """

    def __init__(
        self, model: cp_model.CpModel, v: Variables, prep: Prepared, plan: Plan, *, full_capacity: bool = False
    ) -> None:
        """With `full_capacity` (proven of every plan the model allows), the copy says that every engineer works
        their whole capacity, so a step only moves hours between projects."""
        self.model = model.clone()
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        self.prep = prep
        self.v = v
        if full_capacity:
            for i, projects in enumerate(prep.engineer_projects):
                if projects:
                    hours = [v.h[i, j, r] for j in projects for r in prep.pair_roles[i, j]]
                    self.model.add(cp_model.LinearExpr.sum(hours) == prep.request.engineers[i].capacity_hours)
        proto = self.model.proto
        # Per engineer, the indices of their hour, pair and churn variables with each one's original domain.
        self.by_engineer: dict[int, list[int]] = {}
        self.variable: dict[int, cp_model.IntVar] = {}
        self.domains: dict[int, tuple[int, int]] = {}
        for keys, table in ((list(v.h), v.h), (list(v.x), v.x), (list(v.churn), v.churn)):
            for key in keys:
                index = table[key].index  # type: ignore[index]
                domain = proto.variables[index].domain
                if len(domain) == 2:
                    self.domains[index] = (domain[0], domain[1])
                    self.by_engineer.setdefault(key[0], []).append(index)
                    self.variable[index] = table[key]  # type: ignore[index]
        self.freed: list[int] = []
        fixed = [(var.index, plan.gpus.get(key, 0)) for key, var in v.g.items()]
        fixed += [(var.index, int(j in plan.funded)) for j, var in enumerate(v.funded)]
        for index, value in fixed:
            domain = proto.variables[index].domain
            if len(domain) == 2:
                domain[0] = domain[1] = value
        self.fix(plan, everyone=True)

    def values(self, plan: Plan, engineers: list[int]) -> dict[int, int]:
        """The plan's value of every hour, pair and churn variable of `engineers`, by variable index."""
        v, prep, wanted = self.v, self.prep, set(engineers)
        pair: dict[tuple[int, int], int] = {}
        for (i, j, _), h in plan.hours.items():
            if i in wanted:
                pair[i, j] = pair.get((i, j), 0) + h
        values: dict[int, int] = {}
        for i in engineers:
            for j in prep.engineer_projects[i]:
                values[v.x[i, j].index] = int(pair.get((i, j), 0) > 0)
                for r in prep.pair_roles[i, j]:
                    values[v.h[i, j, r].index] = plan.hours.get((i, j, r), 0)
                if (i, j) in v.churn:
                    values[v.churn[i, j].index] = abs(pair.get((i, j), 0) - prep.current[i, j])
        return values

    def fix(self, plan: Plan, *, everyone: bool = False) -> None:
        """Fix the freed engineers (or everyone) to the plan again."""
        engineers = sorted(self.by_engineer) if everyone else self.freed
        variables = self.model.proto.variables
        for index, value in self.values(plan, engineers).items():
            if index in self.domains:
                domain = variables[index].domain
                domain[0] = domain[1] = value
        self.freed = []

    def free(self, engineers: list[int]) -> None:
        """Give `engineers` their original domains back, hinted at their current (fixed) values."""
        variables = self.model.proto.variables
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        for i in engineers:
            for index in self.by_engineer.get(i, []):
                domain = variables[index].domain
                self.model.add_hint(self.variable[index], domain[0])
                domain[0], domain[1] = self.domains[index]
        self.freed = engineers

    def plan_from(self, solver: cp_model.CpSolver, plan: Plan) -> Plan:
        """`plan` with the freed engineers' hours as the solver left them (nothing else could move)."""
        freed = set(self.freed)
        hours = {key: h for key, h in plan.hours.items() if key[0] not in freed}
        for i in self.freed:
            for j in self.prep.engineer_projects[i]:
                for r in self.prep.pair_roles[i, j]:
                    h = solver.value(self.v.h[i, j, r])
                    if h:
                        hours[i, j, r] = h
        return Plan(hours=hours, gpus=dict(plan.gpus), funded=set(plan.funded))


def _tie_broken_pairs(
    model: cp_model.CpModel, v: Variables, prep: Prepared, freed: list[int], rng: random.Random
) -> None:
    """Minimise the freed engineers' pairs (everyone else's are fixed), ties broken by random weights that
    together weigh less than one pair."""
    pairs = [v.x[i, j] for i in freed for j in prep.engineer_projects[i]]
    weights = [rng.randrange(TIE_BREAK_WEIGHTS) for _ in pairs]
    scale = 1 + sum(weights)
    model.minimize(cp_model.LinearExpr.weighted_sum(pairs, [scale + w for w in weights]))


def _neighbourhood(rng: random.Random, prep: Prepared, name: str, plan: Plan, projects: list[int]) -> list[int]:
    """The engineers one step frees: on level 5, part of the time those on a cycle of the plan's graph (cycles.py)
    and others on the cycle's projects; otherwise engineers of two projects drawn by `_draw`."""
    if name == "assignments" and rng.random() < CYCLE_SHARE:
        cycles = [c for c in fundamental_cycles(plan_pairs(plan)) if len(c) <= NEIGHBOURHOOD_ENGINEERS]
        if cycles:
            free = set(rng.choice(cycles))
            on_projects = {j for i, j, _ in plan.hours if i in free}
            others = sorted({i for i, j, _ in plan.hours if j in on_projects} - free)
            free.update(rng.sample(others, min(len(others), NEIGHBOURHOOD_ENGINEERS - len(free))))
            return sorted(free)
    chosen = _draw(rng, prep, name, plan, projects)
    # Engineers on the projects now or before (`current`) first: moving them is what changes levels 4 and 5.
    involved = sorted({i for i, j, _ in plan.hours if j in chosen} | {i for i, j in prep.current if j in chosen})
    others = sorted({i for j in chosen for i in prep.project_engineers[j]} - set(involved))
    free = set(rng.sample(involved, min(len(involved), NEIGHBOURHOOD_ENGINEERS)))
    free.update(rng.sample(others, min(len(others), NEIGHBOURHOOD_ENGINEERS - len(free))))
    return sorted(free)


def _draw(rng: random.Random, prep: Prepared, name: str, plan: Plan, projects: list[int]) -> set[int]:
    """Two projects to free: on levels 4 and 5, half the time two that one engineer could move hours between (from
    the project they give fewer hours than `current` to the one they work on instead; between two projects they
    split across), where a uniform draw of 2 of 40 projects rarely lands; otherwise two at random."""
    movable: list[tuple[int, ...]] = []
    if name in ("churn_hours", "assignments") and rng.random() < TARGETED_SHARE:
        pair = pair_hours(plan.hours)
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
