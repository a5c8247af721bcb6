"""Lexicographic CP-SAT solve of allocation.md: level by level, each optimum held, the last plan as the next hint.

Decisions where allocation.md is silent:

* A skill an engineer does not list never qualifies, even for `min_level` 0.
* A pin of 0 hours imposes nothing (literal `h[e,p] >= 0`); a positive pin funds its project and, with the chunk
  rule, gives the engineer at least `max(pin, min_chunk_hours)` hours on it.
* `min_chunk_hours` 0 is treated as 1: any positive hours are a chunk.
* `current` naming an unknown project is a 422 (unknown id); the caller that fills `current` from an approved plan
  drops projects that are no longer in the request. Churn counts every `current` pair, including pairs the plan
  can never use (excluded, unqualified): those add a constant.
* A project with no roles and no GPU need is funded for free (it only adds its priority).
* `unmet` lists every role or GPU need given less than requested (`hours`/`count`), for funded projects too.
* The time limit (`options.time_limit_s`, at most 300 s) bounds the input checks and the search over all five
  levels, the starting plan included (at most 40% of it); the explanations (one small model per unfunded project,
  at most 1 s each) come on top.
* The start (start.py) is the best of greedy and a relaxation's funded projects staffed by min-cost flow, with
  and without a bonus for keeping engineers' `current` hours (without the model nothing lowers churn after the
  start: on 1,000 engineers it fell from 86976 to 78166 h, on 3,000 from 264996 to 237126 h); a
  level whose plan meets the relaxation's bound (relaxation.py, levels 1-3; lp_bound.py, the full model's linear
  relaxation, levels 4-5; on level 5 also component_bound.py, which counts the engineers whole capacities force
  to split between projects) is `OPTIMAL` without CP-SAT. Above
  `max_model_pairs` (engineer, project, role) triples the full model is not built at all: the start, its cycles
  cancelled and walked by pivots (pivots.py; on 1,000 engineers 1,313 pairs fell to 1,183), is the plan,
  levels 1-3 carry the relaxation's bounds and levels 4-5 bounds by counting (counting_bound.py: the fewest hours
  a plan holding levels 1-3 can work against the most current hours it can keep, and the fewest engineers who can
  work those hours).
* Levels 2, 4 and 5 split their time between CP-SAT's own search (which gives the bound) and a seeded
  large-neighbourhood search (lns.py), which ends early once the plan meets the level's bound. On level 5 the
  neighbourhood search also takes steps that keep the level (plateau moves, ties broken at random), walks the
  plan's forest by pivots (pivots.py: add a pair, empty one or two) and cancels
  cycles of the plan's engineer-project graph (cycles.py): shifting hours
  around a cycle empties a pair without touching levels 1-3 or adding churn. On level 5 CP-SAT keeps its share
  only if a first probe of it made progress (_probe_then_solve); the neighbourhoods take what it leaves. On level 4
  the neighbourhoods run between a probe of CP-SAT and the rest of it, which proves from their plan
  (_improve_then_prove). After every level the plan's GPUs are re-optimised by flow: they only touch level 3, and
  for a fixed funded set the flow is exact. On models of at most SMALL_MODEL_ENGINEERS engineers CP-SAT alone
  searches every level, with a faster unit rate: there a neighbourhood frees a third of the model, and halving
  CP-SAT's share left level 5 unproven on 6 of 12 generated 30-engineer instances (none now).
* Level k's bound holds with levels < k kept at their reported values; a level the solver proved is `OPTIMAL`,
  and the plan is `OPTIMAL` only when all five are. A level that ran out of time keeps the previous plan.
* `UNKNOWN` (no plan at all) is returned only when no plan was found within the limit: that needs pins, since
  without pins funding nothing is a plan. Proven infeasibility (pins that cannot all hold together) raises
  UnsatisfiableAllocation like the checks do.
* Determinism: the default is one CP-SAT worker (single-thread search is reproducible) with a fixed seed. The
  levels share `time_limit_s x deterministic_units_per_second` units of CP-SAT's deterministic time (times
  SMALL_MODEL_RATE_FACTOR on small models; what a level leaves unspent flows on, counted in units, not seconds),
  the neighbourhood draws are seeded, and the flow and relaxation are deterministic; without the model the pivot
  walk's attempts are counted from the time limit too. Wall-clock limits are only a safety net. The same input
  and params give the same plan unless the wall clock cuts a step short first (a much slower or loaded machine).
  `num_workers` > 1 runs CP-SAT's parallel portfolio: stronger, but which of several equal plans comes back then
  depends on thread timing. CP-SAT's `interleave_search` (deterministic parallel) was tried and was 10-100x slower
  on these models.
* Symmetry: engineers that no constraint or objective term can tell apart (same capacity, skills, focus, current
  hours and eligible roles, not pinned) are ordered by total hours; hints are permuted to respect that order.
"""

import math
import random
import time
from dataclasses import dataclass

import msgspec
from ortools.sat.python import cp_model

from sprintml.solver.component_bound import component_bound
from sprintml.solver.counting_bound import assignments_floor, churn_floor
from sprintml.solver.cycles import cancel_cycles
from sprintml.solver.errors import AllocationProblem, UnsatisfiableAllocation
from sprintml.solver.flow import best_gpus
from sprintml.solver.instance import AllocationRequest
from sprintml.solver.lns import NEIGHBOURHOOD_ENGINEERS, PLATEAU_LEVEL, improve
from sprintml.solver.lp_bound import linear_relaxation
from sprintml.solver.model import Variables, build_model
from sprintml.solver.objective import LevelExpr, level_expressions, level_value
from sprintml.solver.params import SolverParams
from sprintml.solver.pivots import pivot_walk
from sprintml.solver.plan_vars import add_hints, canonical, extract
from sprintml.solver.prepared import Plan, Prepared, prepare
from sprintml.solver.relaxation import forced_funding, least_hours, solve_relaxation
from sprintml.solver.result import plan_to_result
from sprintml.solver.solution import LEVELS, MAXIMISED, AllocationResult, LevelReport, LevelStatus
from sprintml.solver.start import Start, starting_plan
from sprintml.solver.validate_input import check_input
from sprintml.solver.version import SOLVER_VERSION

# Share of the deterministic units left that each level may use; what a level leaves unused flows to the next ones.
# Level 5 searches with what level 4 leaves, and level 4 gains little from more: on the 200-engineer benchmark
# (seeds 7-22) level 4 at 0.3 instead of 0.6 ended within 1% of its bound on 13 of 16 seeds and within 3.3% on all
# (seed 18), while level 5 fell by 47 pairs in all (3,691 -> 3,644).
LEVEL_SHARES = (0.5, 0.5, 0.4, 0.3, 1.0)
# Share of the wall time left after which a level is cut: only a guard, so well above what its units take. Level
# 4's steps and proofs run slower per unit than the rate (seed 16: 1.6 units in 7 s), and at 0.3 of the time left
# (9 s) a loaded machine cut it, so its plan changed from run to run.
LEVEL_WALL_SHARES = (0.5, 0.5, 0.4, 0.6, 1.0)
# A level that gets less than this still runs, so every level reports a bound of its own.
MIN_LEVEL_SECONDS = 0.05
# At most this share of the time limit goes to the starting plan (greedy, relaxation, flow).
START_SHARE = 0.4
# Levels whose variables a neighbourhood can move (funding and GPUs stay fixed in one, so not levels 1 and 3).
NEIGHBOURHOOD_LEVELS = ("weighted_hours", "churn_hours", "assignments")
# Small neighbourhood models run more deterministic units per second than the full model the rate was set for:
# on the 200-engineer benchmark (seeds 7-9) level 5's steps ran 0.37-0.45 units/s against the 0.15 then set, so at 2.0
# the search stopped with a third of the time limit unused.
NEIGHBOURHOOD_UNITS_FACTOR = 3.0
# Up to this many engineers CP-SAT's own search settles the levels, and a neighbourhood would free a third of the
# model or more: no neighbourhood search there. Without it the levels are CP-SAT alone, which ran 0.5-0.8 units per
# second on 30 engineers against the rate set for large models (where relaxations, flows and neighbourhood steps
# take wall time between its solves), so small models budget this many times that rate (_small_model_params).
# Measured on generated 30-engineer instances (seeds 1-12, 5 s): with the neighbourhoods, level 5 stayed unproven
# on 6 of 12; CP-SAT alone proves all 12 in 0.1-3.5 s (one of them only once funding is fixed, _fix_forced_funding).
SMALL_MODEL_ENGINEERS = 3 * NEIGHBOURHOOD_ENGINEERS
SMALL_MODEL_RATE_FACTOR = 4.0
# On these levels, when a first probe of CP-SAT's search did not prove the level, the neighbourhood search runs
# before the rest of CP-SAT's rather than after (_improve_then_prove): level 4 of one 200-engineer instance took
# CP-SAT 5.4 units to prove from the hint level 3 left, 2.0 from the plan the neighbourhoods found.
NEIGHBOURHOODS_FIRST = ("churn_hours",)
# CP-SAT's own search on level 5 (minimised) first runs for this share of its time, and keeps the rest only if it
# closed this share of the gap to the bound (_probe_then_solve).
PROBED_LEVEL = "assignments"
PROBE_SHARE = 0.3
PROBE_PROGRESS = 0.1
# Levels 1-3 have a relaxation (relaxation.py) whose bound can be tighter than CP-SAT's.
RELAXED_LEVELS = LEVELS[:3]
# Levels 4-5 have the full model's linear relaxation (lp_bound.py), which CP-SAT may not settle in its share.
LP_LEVELS = LEVELS[3:]
# Finding the projects whose funding levels 1-3 force (relaxation.py) stops at this share of level 4's time.
FORCED_FUNDING_SHARE = 0.2
# Without the model (1,000 engineers and more) a pivot walk draws this many attempts per second of the time limit
# divided by the number of engineers (a pivot's forest path and shifts grow with the plan), counted from the limit
# and not from the time the start left so that the same input gives the same plan; the wall clock cuts it at this
# share of the time left after the start. On 1,000 engineers (seed 7) 100,000 attempts took 8.1 s and 1,304 pairs to
# 1,190.
LARGE_PIVOT_SHARE = 0.5
LARGE_PIVOTS_PER_SECOND = 2_000_000
# A small instance has few pairs to draw: past this many draws per pair the walk has seen what it can do.
LARGE_PIVOTS_PER_PAIR = 50
# The component bound's LPs (one per part whose hours may be fixed) stop at this share of level 5's time.
COMPONENT_BOUND_SHARE = 0.25


@dataclass(slots=True)
class _Level:
    value: int
    bound: int
    status: LevelStatus
    seconds: float
    units: float = 0.0  # CP-SAT's deterministic time spent


@dataclass(frozen=True, slots=True)
class _LevelSearch:
    """One level's search: the model (with the levels above held), its variables, the instance, the level's name
    and expression, the parameters, and whether every plan holding levels 1-3 works every engineer's whole
    capacity (_full_capacity); what every part of the search on that level shares."""

    model: cp_model.CpModel
    v: Variables
    prep: Prepared
    name: str
    level: LevelExpr
    params: SolverParams
    full_capacity: bool = False


def solve(request: AllocationRequest, params: SolverParams | None = None) -> AllocationResult:
    """Check, then solve the five levels in order; thread-safe: all state lives in this call."""
    started = time.perf_counter()
    check_input(request)
    prep = prepare(request)
    params = _small_model_params(prep, params or SolverParams())
    limit = request.options.time_limit_s
    deadline = started + limit
    start = Start(plan=None, funded_bound=None)
    if params.greedy_hint:
        start = starting_plan(prep, time.perf_counter() + START_SHARE * limit, params.random_seed)
    if len(prep.pair_roles) > params.max_model_pairs:
        return _solve_without_model(prep, start, deadline, started, params)
    model, v = build_model(prep, break_symmetry=params.break_symmetry)
    exprs = level_expressions(prep, v)
    # The start keeps every pin; it is the plan to beat and the first hint.
    plan = canonical(prep, start.plan, params) if start.plan is not None else None
    levels: list[_Level] = []
    funding: dict[int, bool] = {}  # projects every plan holding levels 1-3 funds or leaves out, once they are held
    full_capacity = False  # every plan holding levels 1-3 works every engineer's whole capacity, once they are held
    # Deterministic time is what budgets the levels (wall time only guards); a level's unspent units flow on.
    units_left = limit * params.deterministic_units_per_second
    for n, name in enumerate(LEVELS):
        remaining = deadline - time.perf_counter()
        last = n == len(LEVELS) - 1
        budget = max(MIN_LEVEL_SECONDS, remaining if last else remaining * LEVEL_WALL_SHARES[n])
        units = units_left if last else units_left * LEVEL_SHARES[n]
        t0 = time.perf_counter()
        if name == LP_LEVELS[0] and plan is not None:
            settled = _held(prep, plan, RELAXED_LEVELS)
            funding = _fix_forced_funding(model, v, prep, settled, t0 + FORCED_FUNDING_SHARE * budget, params)
            # Only the neighbourhoods use it (small models have none, and their 5 s are tight).
            if _neighbourhood_share(PLATEAU_LEVEL, params) > 0:
                full_capacity = _full_capacity(prep, settled, t0 + FORCED_FUNDING_SHARE * budget, params)
        relaxed = _relaxed_bound(prep, name, plan, levels, start, budget, params, funding)
        if plan is not None and relaxed is not None and level_value(prep, name, plan) == relaxed:
            # The plan meets a proven bound: nothing for CP-SAT to do on this level.
            found, level = None, _Level(relaxed, relaxed, "OPTIMAL", time.perf_counter() - t0)
        else:
            # The search's wall time is what the bound left of the level's: it ends where the level would have.
            budget = max(MIN_LEVEL_SECONDS, budget - (time.perf_counter() - t0))
            search = _LevelSearch(model, v, prep, name, exprs[name], params, full_capacity)
            deadline_of_level = time.perf_counter() + budget
            found, level, neighbourhood_units = _search_level(search, plan, (budget, units), deadline_of_level, relaxed)
            level.seconds = time.perf_counter() - t0
            units_left -= level.units + neighbourhood_units
        if found is None and plan is None:
            return plan_to_result(prep, None, [], started, SOLVER_VERSION)
        # Never worse than the starting plan (greedy at worst) on any level, even if the search ignored the hint.
        if found is not None and plan is not None and _worse(prep, name, found, plan):
            found = None
        plan = found or plan
        assert plan is not None
        plan = _with_best_gpus(prep, plan)
        levels.append(level)
        held = level_value(prep, name, plan)
        if name in MAXIMISED:
            model.add(exprs[name].expr >= held - exprs[name].offset)
        else:
            model.add(exprs[name].expr <= held - exprs[name].offset)
    assert plan is not None
    reports = [
        LevelReport(name=name, value=0, bound=lv.bound, status=lv.status, seconds=round(lv.seconds, 3))
        for name, lv in zip(LEVELS, levels, strict=True)
    ]
    return plan_to_result(prep, plan, reports, started, SOLVER_VERSION)


def _solve_without_model(
    prep: Prepared, start: Start, deadline: float, started: float, params: SolverParams
) -> AllocationResult:
    """Too many (engineer, project, role) triples for the full model to help within the limit: report the
    starting plan, its cycles cancelled and walked by pivots, with the relaxation's bounds on levels 1-3 and
    counting bounds on levels 4-5."""
    if start.plan is None:
        return plan_to_result(prep, None, [], started, SOLVER_VERSION)
    plan = _pivoted(prep, start.plan, deadline, params)
    levels: list[_Level] = []
    least: int | None = None  # the fewest hours a plan holding levels 1-3 works (counting_bound.py)
    for n, name in enumerate(LEVELS):
        t0 = time.perf_counter()
        # Levels 1-3 and the least hours (one solve for levels 4 and 5) share the time left.
        budget = max(MIN_LEVEL_SECONDS, (deadline - t0) / max(1, len(RELAXED_LEVELS) + 1 - n))
        value = level_value(prep, name, plan)
        if name in RELAXED_LEVELS:
            relaxed = _relaxed_bound(prep, name, plan, levels, start, budget, params)
        else:
            if least is None:
                least = least_hours(prep, _held(prep, plan, RELAXED_LEVELS), budget, params.random_seed)
            relaxed = None if least is None else _counting_bound(prep, name, least)
        bound = _bound(prep, name, math.nan if relaxed is None else relaxed, value)
        status: LevelStatus = "OPTIMAL" if bound == value else "FEASIBLE"
        levels.append(_Level(value, bound, status, time.perf_counter() - t0))
    reports = [
        LevelReport(name=name, value=0, bound=lv.bound, status=lv.status, seconds=round(lv.seconds, 3))
        for name, lv in zip(LEVELS, levels, strict=True)
    ]
    return plan_to_result(prep, plan, reports, started, SOLVER_VERSION)


def _counting_bound(prep: Prepared, name: str, least: int) -> int:
    """Level 4's or 5's bound by counting (counting_bound.py) over plans that work at least `least` hours."""
    return churn_floor(prep, least) if name == "churn_hours" else assignments_floor(prep, least)


def _pivoted(prep: Prepared, plan: Plan, deadline: float, params: SolverParams) -> Plan:
    """Without the model, what lowers levels 4 and 5 below the start: cycles cancelled, then a walk of pivots
    (pivots.py) of LARGE_PIVOTS_PER_SECOND attempts per second of the time limit, per engineer, at most
    LARGE_PIVOTS_PER_PAIR per eligible pair, cut at LARGE_PIVOT_SHARE of the time left."""
    plan = cancel_cycles(prep, plan, params.random_seed)
    seconds = deadline - time.perf_counter()
    engineers = max(1, len(prep.eligible_engineers))
    per_limit = prep.request.options.time_limit_s * LARGE_PIVOTS_PER_SECOND / engineers
    attempts = min(int(per_limit), LARGE_PIVOTS_PER_PAIR * len(prep.pair_roles))
    churn = level_value(prep, "churn_hours", plan)
    rng = random.Random(params.random_seed)
    return pivot_walk(prep, plan, churn, attempts, rng, time.perf_counter() + LARGE_PIVOT_SHARE * seconds)


def _relaxed_bound(
    prep: Prepared,
    name: str,
    plan: Plan | None,
    levels: list[_Level],
    start: Start,
    budget: float,
    params: SolverParams,
    funding: dict[int, bool] | None = None,
) -> int | None:
    """A relaxation's bound on level `name` with the levels above held at the plan's values; None if none."""
    if plan is None:
        return None
    held = _held(prep, plan, LEVELS[: len(levels)])
    if name in LP_LEVELS:
        # Without the model (too many triples) there is no time for its relaxation either.
        return _linear_bound(prep, name, held, plan, budget, funding) if budget > 0 else None
    if name not in RELAXED_LEVELS:
        return None
    if name == LEVELS[0]:
        return start.funded_bound
    relaxed = solve_relaxation(prep, name, held, budget, params.random_seed)
    return None if relaxed is None else relaxed.bound


def _linear_bound(
    prep: Prepared, name: str, held: dict[str, int], plan: Plan, budget: float, funding: dict[int, bool] | None
) -> int | None:
    """The linear relaxation's bound on level 4 or 5; on level 5 also the component bound, from the same LP."""
    started = time.perf_counter()
    relaxation = linear_relaxation(prep, held, funding)
    if relaxation is None:
        return None
    bound = relaxation.lower_bound(name, started + budget)
    if name != "assignments":
        return bound
    components = component_bound(prep, relaxation, plan, started + COMPONENT_BOUND_SHARE * budget)
    return bound if components is None else max(components, bound or 0)


def _held(prep: Prepared, plan: Plan, names: tuple[str, ...]) -> dict[str, int]:
    """The plan's values of the levels `names`: what the next level holds them at."""
    return {name: level_value(prep, name, plan) for name in names}


def _fix_forced_funding(
    model: cp_model.CpModel, v: Variables, prep: Prepared, held: dict[str, int], deadline: float, params: SolverParams
) -> dict[int, bool]:
    """With levels 1-3 held, the projects whose funding the relaxation proves forced (relaxation.py), fixed in the
    model too: its linear relaxation, like lp_bound's, could otherwise split funding between projects."""
    funding = forced_funding(prep, held, deadline, params.random_seed)
    for j, funded in sorted(funding.items()):
        model.add(v.funded[j] == int(funded))
    return funding


def _full_capacity(prep: Prepared, held: dict[str, int], deadline: float, params: SolverParams) -> bool:
    """Whether the relaxation proves that every plan holding levels 1-3 at `held` works every eligible engineer's
    whole capacity: then the least hours such a plan works (relaxation.least_hours) are all there are."""
    budget = max(MIN_LEVEL_SECONDS, deadline - time.perf_counter())
    least = least_hours(prep, held, budget, params.random_seed)
    everyone = sum(prep.request.engineers[i].capacity_hours for i in prep.eligible_engineers)
    return least is not None and least >= everyone


def _small_model_params(prep: Prepared, params: SolverParams) -> SolverParams:
    """On SMALL_MODEL_ENGINEERS or fewer, CP-SAT alone with the time its faster units allow."""
    if len(prep.eligible_engineers) > SMALL_MODEL_ENGINEERS:
        return params
    rate = params.deterministic_units_per_second * SMALL_MODEL_RATE_FACTOR
    return msgspec.structs.replace(params, neighbourhood_share=0.0, deterministic_units_per_second=rate)


def _neighbourhood_share(name: str, params: SolverParams) -> float:
    """The share of a level's time for the neighbourhood search (none on levels 1 and 3, none if switched off)."""
    return params.neighbourhood_share if name in NEIGHBOURHOOD_LEVELS else 0.0


def _with_best_gpus(prep: Prepared, plan: Plan | None) -> Plan:
    """GPUs touch only level 3 (and which projects run): for the plan's funded set, min-cost flow gives the most."""
    assert plan is not None
    gpus = best_gpus(prep, plan.funded)
    if gpus is None or level_value(prep, "weighted_gpus", Plan(gpus=gpus)) <= level_value(prep, "weighted_gpus", plan):
        return plan
    return Plan(hours=plan.hours, gpus=gpus, funded=plan.funded)


def _worse(prep: Prepared, name: str, found: Plan, plan: Plan) -> bool:
    if name in MAXIMISED:
        return level_value(prep, name, found) < level_value(prep, name, plan)
    return level_value(prep, name, found) > level_value(prep, name, plan)


def _search_level(
    search: _LevelSearch, plan: Plan | None, budget: tuple[float, float], deadline: float, relaxed: int | None
) -> tuple[Plan | None, _Level, float]:
    """CP-SAT's own search and the neighbourhoods' on one level within `budget` (wall seconds, units), in the order
    the level needs: neighbourhoods between two parts of CP-SAT on NEIGHBOURHOODS_FIRST levels, otherwise after it
    on what it left. Returns the plan found (None if none), the level with its bound, the neighbourhoods' units."""
    prep, name, params = search.prep, search.name, search.params
    share = _neighbourhood_share(name, params)
    if plan is not None and share > 0 and name in NEIGHBOURHOODS_FIRST:
        return _improve_then_prove(search, plan, budget, relaxed)
    wall, units = budget
    cp_budget = (wall * (1.0 - share), units * (1.0 - share))
    found, report = _probe_then_solve(search, plan, cp_budget, relaxed)
    if relaxed is not None and report.status != "OPTIMAL":
        report.bound = _tighter(name, report.bound, relaxed)
    if found is not None and plan is not None and _worse(prep, name, found, plan):
        found = None
    best = found or plan
    if best is None or report.status == "OPTIMAL" or share == 0:
        return found, report, 0.0
    # The model's objective is still this level's; what CP-SAT's own search left, neighbourhoods may take.
    left = max(0.0, units - report.units) * NEIGHBOURHOOD_UNITS_FACTOR
    best, spent = improve(
        search.model,
        search.v,
        prep,
        name,
        best,
        left,
        deadline,
        params.random_seed,
        report.bound,
        keep_totals=search.full_capacity,
    )
    if level_value(prep, name, best) == report.bound:
        report.status = "OPTIMAL"
    elif report.status == "UNKNOWN":
        report.status = "FEASIBLE"  # CP-SAT found nothing in its share, but the plan was searched from
    return best, report, spent / NEIGHBOURHOOD_UNITS_FACTOR


def _probe_then_solve(
    search: _LevelSearch, plan: Plan | None, budget: tuple[float, float], relaxed: int | None
) -> tuple[Plan | None, _Level]:
    """CP-SAT's own search on one level. On level 5 it first runs for PROBE_SHARE of `budget` and keeps the rest
    only if it proved the level or closed PROBE_PROGRESS of the gap between the plan and the best bound; otherwise
    the neighbourhood search takes the rest. On 200 engineers its single search left level 5 where the hint had
    it while the neighbourhoods took off dozens of pairs; where its search does make progress, it goes on. (On
    level 2 its search proves what the neighbourhoods cannot: probed, one seed's level 2 lost its proof.)"""
    name = search.name
    if plan is None or name != PROBED_LEVEL or _neighbourhood_share(name, search.params) == 0:
        return _solve_level(search, plan, budget)
    probe_budget = (budget[0] * PROBE_SHARE, budget[1] * PROBE_SHARE)
    found, probe = _solve_level(search, plan, probe_budget)
    if found is None or probe.status == "OPTIMAL":
        return found, probe
    start = level_value(search.prep, name, plan)
    bound = probe.bound if relaxed is None else _tighter(name, probe.bound, relaxed)
    if start - probe.value < PROBE_PROGRESS * (start - bound):
        return found, probe
    rest = (max(MIN_LEVEL_SECONDS, budget[0] - probe.seconds), max(0.01, budget[1] - probe.units))
    again, report = _solve_level(search, found, rest)
    report.seconds += probe.seconds
    report.units += probe.units
    if report.status != "OPTIMAL":
        report.bound = _tighter(name, report.bound, probe.bound)
    return again or found, report


def _improve_then_prove(
    search: _LevelSearch, plan: Plan, budget: tuple[float, float], relaxed: int | None
) -> tuple[Plan, _Level, float]:
    """A NEIGHBOURHOODS_FIRST level: CP-SAT's own search for PROBE_SHARE of its share (enough to prove it on
    smaller models); if that did not prove it, the neighbourhoods improve the plan with their share and CP-SAT
    proves from that better hint with what is left. Returns the plan, the level and the neighbourhoods' units."""
    prep, name, params = search.prep, search.name, search.params
    t0 = time.perf_counter()
    wall, units = budget
    cp_share = 1.0 - _neighbourhood_share(name, params)
    probe_budget = (wall * cp_share * PROBE_SHARE, units * cp_share * PROBE_SHARE)
    found, probe = _solve_level(search, plan, probe_budget)
    if found is not None and not _worse(prep, name, found, plan):
        plan = found
    if probe.status == "OPTIMAL":
        return plan, probe, 0.0
    bound = probe.bound if relaxed is None else _tighter(name, probe.bound, relaxed)
    left = units * (1.0 - cp_share) * NEIGHBOURHOOD_UNITS_FACTOR
    deadline = t0 + wall * (1.0 - cp_share * (1.0 - PROBE_SHARE))
    plan, spent = improve(search.model, search.v, prep, name, plan, left, deadline, params.random_seed, bound)
    neighbourhood_units = spent / NEIGHBOURHOOD_UNITS_FACTOR
    value = level_value(prep, name, plan)
    if value == bound:
        return plan, _Level(value, bound, "OPTIMAL", time.perf_counter() - t0, probe.units), neighbourhood_units
    rest = (
        max(MIN_LEVEL_SECONDS, t0 + wall - time.perf_counter()),
        max(0.01, units - probe.units - neighbourhood_units),
    )
    again, report = _solve_level(search, plan, rest)
    report.units += probe.units
    if report.status != "OPTIMAL":
        report.bound = _tighter(name, report.bound, bound)
    if report.status == "UNKNOWN":
        report.status = "FEASIBLE"  # CP-SAT found nothing in the rest, but the neighbourhoods searched the plan
    if again is None or _worse(prep, name, again, plan):
        again = plan
    return again, report, neighbourhood_units


def _tighter(name: str, bound: int, other: int) -> int:
    """The tighter of two bounds on level `name`."""
    return min(bound, other) if name in MAXIMISED else max(bound, other)


def _solve_level(search: _LevelSearch, plan: Plan | None, budget: tuple[float, float]) -> tuple[Plan | None, _Level]:
    """Solve one level within `budget` (wall seconds, deterministic units) from `plan` as hint (and as the value
    to report if CP-SAT finds nothing)."""
    model, v, prep, level, name, params = search.model, search.v, search.prep, search.level, search.name, search.params
    if name in MAXIMISED:
        model.maximize(level.expr)
    else:
        model.minimize(level.expr)
    model.clear_hints()  # type: ignore[no-untyped-call]
    if plan is not None:
        add_hints(model, v, prep, plan)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = params.num_workers
    p.random_seed = params.random_seed
    p.log_search_progress = params.log_search_progress
    p.max_time_in_seconds = budget[0]
    p.linearization_level = params.linearization_level
    # Probing in presolve took most of a minute on 1,000 engineers and is repeated at every level.
    p.presolve_probing_deterministic_time_limit = params.presolve_probing_deterministic_time
    if params.num_workers == 1:
        # One worker searches deterministically; ending on deterministic time keeps the plan reproducible.
        p.max_deterministic_time = max(0.01, budget[1])
    t0 = time.perf_counter()
    status = solver.solve(model)
    seconds = time.perf_counter() - t0
    raw_bound = solver.best_objective_bound
    if status == cp_model.OPTIMAL:
        found = extract(prep, v, solver)
        value = level_value(prep, name, found)
        return found, _Level(
            value=value, bound=value, status="OPTIMAL", seconds=seconds, units=solver.deterministic_time
        )
    if status == cp_model.FEASIBLE:
        found = extract(prep, v, solver)
        value = level_value(prep, name, found)
        return found, _Level(
            value=value,
            bound=_bound(prep, name, raw_bound + level.offset, value),
            status="FEASIBLE",
            seconds=seconds,
            units=solver.deterministic_time,
        )
    if status == cp_model.UNKNOWN:
        # Without a solution CP-SAT's bound field is not a bound (it reads 0); count instead.
        if plan is None:
            return None, _Level(value=0, bound=0, status="UNKNOWN", seconds=seconds, units=solver.deterministic_time)
        value = level_value(prep, name, plan)
        return None, _Level(
            value=value,
            bound=_bound(prep, name, math.nan, value),
            status="UNKNOWN",
            seconds=seconds,
            units=solver.deterministic_time,
        )
    if status == cp_model.INFEASIBLE:
        if name != LEVELS[0]:
            raise RuntimeError(f"level {name} infeasible although the previous plan satisfies it")
        raise UnsatisfiableAllocation(
            [
                AllocationProblem(
                    constraint="pins",
                    project=", ".join(sorted({prep.request.projects[j].id for _, j in prep.pins})),
                    detail="the pinned projects cannot all be funded together (engineers or GPUs are too few for all)",
                )
            ]
        )
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"invalid CP-SAT model: {model.validate()}")
    raise RuntimeError(f"unexpected CP-SAT status {solver.status_name(status)}")


def _bound(prep: Prepared, name: str, raw: float, value: int) -> int:
    """Round the solver's bound to the integer side it proves; without one, fall back to a bound by counting."""
    trivial = _trivial_bound(prep, name)
    if name in MAXIMISED:
        proven = math.floor(raw + 1e-6) if math.isfinite(raw) else trivial
        return max(value, min(proven, trivial))
    proven = math.ceil(raw - 1e-6) if math.isfinite(raw) else trivial
    return min(value, max(proven, trivial))


def _trivial_bound(prep: Prepared, name: str) -> int:
    """What no plan can beat: every project funded and fully served (levels 1-3), or zero (levels 4-5)."""
    projects = prep.request.projects
    if name == "funded_priority":
        return sum(p.priority for p in projects)
    if name == "weighted_hours":
        return sum(p.priority * sum(r.hours for r in p.roles) for p in projects)
    if name == "weighted_gpus":
        return sum(p.priority * (p.gpus.count if p.gpus else 0) for p in projects)
    return 0
