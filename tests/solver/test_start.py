"""The relaxation, flow and neighbourhood parts of the solve on generated instances: valid, bounded, reproducible."""

import random
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest
from ortools.sat.python import cp_model

from conftest import assert_plan_valid, eng, proj, request, role
from sprintml.solver import SolverParams, solve, validate
from sprintml.solver.cycles import cancel_cycles
from sprintml.solver.flow import staff
from sprintml.solver.lns import _Fixed, _tie_broken_pairs, improve
from sprintml.solver.model import build_model
from sprintml.solver.objective import level_expressions, level_value, plan_objective
from sprintml.solver.plan_vars import canonical
from sprintml.solver.prepared import Plan, Prepared, prepare
from sprintml.solver.relaxation import forced_funding, solve_relaxation
from sprintml.solver.solution import LEVELS, MAXIMISED, Objective
from sprintml.solver.solve import _full_capacity, _improve_then_prove, _LevelSearch
from sprintml.solver.start import starting_plan

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from allocation_instances import generate


@pytest.mark.parametrize("seed", [1, 2])
def test_the_relaxations_projects_staffed_by_flow_reach_its_bound(seed: int) -> None:
    req = generate(60, 15, 4, seed=seed, time_limit_s=2)
    prep = prepare(req)
    relaxed = solve_relaxation(prep, "funded_priority", {}, 2.0, 1)
    assert relaxed is not None
    assert relaxed.proven
    plan = staff(prep, relaxed.funded)
    assert plan is not None
    assert plan_objective(prep, plan).funded_priority == relaxed.bound


def test_the_relaxation_finds_which_projects_every_plan_funds_or_leaves_out() -> None:
    engineers = [eng("e0", skills={"ml": 3}), eng("e1", skills={"data": 3})]
    projects = [
        proj("high", 5, role(40, min_hours=40)),
        # a and b need all of e1: a plan funds one of them, either one.
        proj("a", 1, role(40, "data", min_hours=40)),
        proj("b", 1, role(40, "data", min_hours=40)),
        proj("never", 3, role(40, "research", min_hours=40)),  # nobody has the skill
    ]
    prep = prepare(request(engineers, projects))
    best = {"funded_priority": 6}
    assert forced_funding(prep, best, time.perf_counter() + 5, 1) == {0: True, 3: False}
    # Held below the best, high may be left out too; held above it, no plan exists and nothing is claimed.
    assert forced_funding(prep, {"funded_priority": 1}, time.perf_counter() + 5, 1) == {3: False}
    assert forced_funding(prep, {"funded_priority": 7}, time.perf_counter() + 5, 1) == {}


def test_without_the_full_model_level_one_is_proven_on_a_generated_instance() -> None:
    req = generate(60, 15, 4, seed=3, time_limit_s=2)
    result = solve(req, SolverParams(max_model_pairs=0))
    assert validate(req, result) == []
    assert result.levels[0].status == "OPTIMAL"
    # Levels 4 and 5 carry counting bounds (counting_bound.py), below the plan's values but far above zero.
    churn, pairs = result.levels[3:]
    assert churn.bound >= 0.9 * churn.value
    assert len({a.engineer for a in result.assignments}) >= pairs.bound > 0


def test_without_the_full_model_pivots_take_pairs_off_the_start() -> None:
    req = generate(60, 15, 4, seed=3, time_limit_s=2)
    prep = prepare(req)
    start = starting_plan(prep, time.perf_counter() + 0.8, 1).plan  # the solve's start: 40% of the limit
    assert start is not None
    before = plan_objective(prep, start)
    result = solve(req, SolverParams(max_model_pairs=0))
    assert validate(req, result) == []
    assert result.objective is not None
    assert [result.objective.value(name) for name in LEVELS[:3]] == [before.value(name) for name in LEVELS[:3]]
    assert result.objective.churn_hours <= before.churn_hours
    assert result.objective.assignments < before.assignments


@pytest.mark.parametrize(
    ("current", "max_projects", "churn", "hours"),
    [
        # Both projects are worth the same, so only churn tells plans apart: staying costs nothing, swapping 160 h.
        (40, None, 0, 40),
        # Each may work on one project: all 40 h where they are (churn 32 each) beats 40 h on the other (48 each).
        (8, 1, 64, 40),
    ],
)
def test_without_the_full_model_engineers_stay_on_their_current_projects(
    current: int, max_projects: int | None, churn: int, hours: int
) -> None:
    engineers = [
        {"id": eid, "capacity_hours": 40, "skills": {"ml": 3}, "max_projects": max_projects, "current": {pid: current}}
        for eid, pid in (("e0", "p1"), ("e1", "p0"))
    ]
    projects = [
        {"id": pid, "priority": 2, "roles": [{"skill": "ml", "min_level": 1, "hours": 40}]} for pid in ("p0", "p1")
    ]
    req = request(engineers, projects)
    result = solve(req, SolverParams(max_model_pairs=0))
    assert validate(req, result) == []
    assert result.objective is not None
    assert result.objective.churn_hours == churn
    assert {(a.engineer, a.project, a.hours) for a in result.assignments} == {("e0", "p1", hours), ("e1", "p0", hours)}


def test_the_same_input_and_params_give_the_same_plan() -> None:
    # The search ends on deterministic time (0.3 units, as at 2 s by default); the 20 s wall clock is only the
    # safety net, wide enough that a loaded machine does not cut a step short and change the plan.
    req = generate(40, 10, 4, seed=5, time_limit_s=20)
    params = SolverParams(deterministic_units_per_second=0.015)
    first, second = solve(req, params), solve(req, params)
    assert validate(req, first) == []
    strip = {"solve_seconds": 0.0, "levels": []}
    assert msgspec.structs.replace(first, **strip) == msgspec.structs.replace(second, **strip)


def test_a_thirty_engineer_instance_is_proven_optimal_on_every_level() -> None:
    # CP-SAT alone on small models: sharing level 5 with the neighbourhood search left it at 30 against a bound
    # of 26 here. The proof takes about 0.5 deterministic units of the 3 the 5 s limit gives a small model.
    req = generate(30, 10, 4, seed=1, time_limit_s=5)
    result = solve(req)
    assert validate(req, result) == []
    assert [lv.status for lv in result.levels] == ["OPTIMAL"] * 5
    assert result.objective is not None
    assert result.objective.assignments == result.levels[4].bound == 30


def _generated_with_levels_held(held_levels: int, *, cancelled: bool = False) -> tuple[Prepared, Any, Any, Any, Plan]:
    """A generated 40-engineer instance, its model with the first `held_levels` levels held at the starting
    plan's values (as the solve holds them) and that plan, its cycles first cancelled if `cancelled`."""
    req = generate(40, 10, 4, seed=5, time_limit_s=2)
    prep = prepare(req)
    model, v = build_model(prep)
    exprs = level_expressions(prep, v)
    start = starting_plan(prep, time.perf_counter() + 2.0, 1)
    assert start.plan is not None
    plan = canonical(prep, start.plan, SolverParams())
    if cancelled:
        plan = cancel_cycles(prep, plan, 1)
    _hold(model, exprs, plan_objective(prep, plan), LEVELS[:held_levels])
    return prep, model, v, exprs, plan


def _hold(model: Any, exprs: Any, held: Objective, names: tuple[str, ...]) -> None:
    """Hold the levels `names` at their values in `held`, as the solve holds each level it has settled."""
    for name in names:
        target = held.value(name) - exprs[name].offset
        model.add(exprs[name].expr >= target if name in MAXIMISED else exprs[name].expr <= target)


def test_the_neighbourhood_search_improves_a_level_validly_and_stops_at_its_bound() -> None:
    # Cancelled first, so that the plan's own value is where the search's cycle cancelling leaves it.
    prep, model, v, exprs, plan = _generated_with_levels_held(4, cancelled=True)
    held = plan_objective(prep, plan)
    model.minimize(exprs["assignments"].expr)
    before = level_value(prep, "assignments", plan)
    same, spent = improve(model, v, prep, "assignments", plan, 1.0, time.perf_counter() + 5, 1, before)
    assert (same, spent) == (plan, 0.0)
    better, spent = improve(model, v, prep, "assignments", plan, 0.5, time.perf_counter() + 5, 1, 0)
    assert spent > 0
    assert level_value(prep, "assignments", better) <= before
    got = plan_objective(prep, better)
    assert all(got.value(name) >= held.value(name) for name in LEVELS[:3])
    assert got.churn_hours <= held.churn_hours
    assert_plan_valid(prep, better)


def test_a_level_five_steps_tie_break_never_costs_a_pair() -> None:
    # A step on level 5 minimises pairs, then random weights on them (so that it moves along a plateau); the
    # weights together must weigh less than one pair. Here the best plans have 3 pairs (e0 on one project, e1 and
    # e2 on the other) and a 4-pair plan avoids some of their pairs, so heavy enough weights on those would pick it.
    prep = prepare(
        request([eng("e0", 40), eng("e1", 20), eng("e2", 20)], [proj("a", 1, role(40)), proj("b", 1, role(40))])
    )
    plan = Plan(hours={(0, 0, 0): 40, (1, 1, 0): 20, (2, 1, 0): 20}, funded={0, 1})
    model, v = build_model(prep)
    exprs = level_expressions(prep, v)
    _hold(model, exprs, plan_objective(prep, plan), LEVELS[:4])
    model.minimize(exprs["assignments"].expr)
    sub = _Fixed(model, v, prep, plan)
    rng = random.Random(1)
    for _ in range(200):
        sub.free([0, 1, 2])
        _tie_broken_pairs(sub.model, v, prep, sub.freed, rng)
        assert _least_pairs(prep, sub, plan) == 3
        sub.fix(plan)


def _least_pairs(prep: Prepared, sub: _Fixed, plan: Plan) -> int:
    """The plan's pairs once the neighbourhood freed in `sub` is solved to optimality on its objective."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30
    assert solver.solve(sub.model) == cp_model.OPTIMAL
    return level_value(prep, "assignments", sub.plan_from(solver, plan))


def test_level_four_is_improved_by_neighbourhoods_then_bounded_by_cp_sat() -> None:
    prep, model, v, exprs, plan = _generated_with_levels_held(3)
    held = plan_objective(prep, plan)
    # 0.02 units: CP-SAT's probe (a tenth of that) cannot prove level 4, so the neighbourhoods run.
    search = _LevelSearch(model, v, prep, "churn_hours", exprs["churn_hours"], SolverParams())
    found, level, spent = _improve_then_prove(search, plan, (10.0, 0.02), None)
    assert spent > 0
    got = plan_objective(prep, found)
    assert got.churn_hours < held.churn_hours
    assert level.bound <= got.churn_hours
    assert all(got.value(name) >= held.value(name) for name in LEVELS[:3])
    assert_plan_valid(prep, found)


def test_with_full_capacity_a_step_only_moves_hours_between_projects() -> None:
    # Project a needs no hours (min 0): a freed e0 could drop all 40 of them, unless every engineer works their
    # whole capacity. (e1's skill level tells the two apart, so no symmetry breaking orders their totals.)
    prep = prepare(
        request(
            [eng("e0", 40), eng("e1", 40, skills={"ml": 4})],
            [proj("a", 1, role(40, min_hours=0)), proj("b", 1, role(40))],
        )
    )
    plan = Plan(hours={(0, 0, 0): 40, (1, 1, 0): 40}, funded={0, 1})
    model, v = build_model(prep)
    for full_capacity, least in ((False, 0), (True, 40)):
        sub = _Fixed(model, v, prep, plan, full_capacity=full_capacity)
        sub.free([0, 1])
        sub.model.minimize(sum(v.h[0, j, 0] for j in (0, 1)))
        solver = cp_model.CpSolver()
        assert solver.solve(sub.model) == cp_model.OPTIMAL
        found = sub.plan_from(solver, plan)
        assert sum(h for (i, _, _), h in found.hours.items() if i == 0) == least


@pytest.mark.parametrize(("demand", "full"), [(100, True), (60, False)])
def test_full_capacity_is_claimed_only_where_levels_1_to_3_force_it(demand: int, full: bool) -> None:
    # Two engineers of 40 h: a project of 100 h takes all 80 in every plan at level 2's best, one of 60 h only 60.
    prep = prepare(request([eng("e0", 40), eng("e1", 40)], [proj("a", 1, role(demand, min_hours=0))]))
    worked = min(demand, 80)
    plan = Plan(hours={(0, 0, 0): 40, (1, 0, 0): worked - 40}, funded={0})
    held = plan_objective(prep, plan)
    best = {name: held.value(name) for name in LEVELS[:3]}
    assert _full_capacity(prep, best, time.perf_counter() + 5, SolverParams()) is full
