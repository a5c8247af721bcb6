"""Counting bounds on levels 4 and 5 (churn from hours worked and kept, pairs from engineers needed): the bounds
the solve reports where the full model is too large."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from test_properties import instance_request, instances

from conftest import eng, proj, request, role
from sprintml.solver import AllocationInputError, SolverParams, solve
from sprintml.solver.counting_bound import assignments_floor, churn_floor
from sprintml.solver.prepared import prepare
from sprintml.solver.relaxation import least_hours
from sprintml.solver.solution import LEVELS

# Both engineers stay where they are and fill up: 16 + 24 hours of churn, every hour worked, a pair each.
STAYING = (
    [eng("e0", current={"p0": 24}), eng("e1", current={"p1": 16})],
    [proj("p0", 1, role(40)), proj("p1", 1, role(40))],
)


@pytest.mark.parametrize(
    ("engineers", "projects", "churn"),
    [
        (*STAYING, 40),
        # One engineer on two current projects keeps at most a capacity's worth: all 40 h on the better project.
        ([eng("e0", current={"p0": 40, "p1": 30})], [proj("p0", 2, role(40)), proj("p1", 1, role(40))], 30),
        # Two engineers could keep 60 h on a project that takes 40: 20 h are lost however it is split.
        ([eng("e0", current={"p0": 30}), eng("e1", current={"p0": 30})], [proj("p0", 1, role(40))], 20),
    ],
)
def test_the_churn_floor_meets_the_optimum_where_kept_hours_decide_it(
    engineers: list[dict[str, Any]], projects: list[dict[str, Any]], churn: int
) -> None:
    req = request(engineers, projects)
    exact = solve(req, SolverParams())
    assert exact.status == "OPTIMAL"
    assert exact.objective is not None
    assert exact.objective.churn_hours == churn
    prep = prepare(req)
    least = least_hours(prep, {name: exact.objective.value(name) for name in LEVELS[:3]}, 2.0, 1)
    assert least is not None
    assert churn_floor(prep, least) == churn


def test_without_the_full_model_counting_proves_churn_and_pairs() -> None:
    req = request(*STAYING)
    result = solve(req, SolverParams(max_model_pairs=0))
    assert result.objective is not None
    assert (result.objective.churn_hours, result.objective.assignments) == (40, 2)
    assert [(lv.bound, lv.status) for lv in result.levels[3:]] == [(40, "OPTIMAL"), (2, "OPTIMAL")]
    assert result.status == "OPTIMAL"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_counting_bounds_never_pass_the_optimum(body: dict[str, Any]) -> None:
    req = instance_request(body)
    try:
        exact = solve(req, SolverParams())
    except AllocationInputError:
        return
    if exact.status != "OPTIMAL" or exact.objective is None:
        return
    prep = prepare(req)
    held = {name: exact.objective.value(name) for name in LEVELS[:3]}
    least = least_hours(prep, held, 2.0, 1)
    assert least is not None
    assert least <= sum(a.hours for a in exact.assignments)
    assert churn_floor(prep, least) <= exact.objective.churn_hours
    assert assignments_floor(prep, least) <= exact.objective.assignments


def test_the_least_hours_are_what_levels_1_to_3_force() -> None:
    # 60 h on the priority-3 project give level 2 its 180; 20 h more on the other project give 200, its best.
    req = request(
        [eng("e0", 80, skills={"ml": 3, "data": 3})],
        [proj("p0", 3, role(60)), proj("p1", 1, role(60, "data", min_hours=20))],
    )
    prep = prepare(req)
    assert least_hours(prep, {"weighted_hours": 3 * 60}, 2.0, 1) == 60
    assert least_hours(prep, {"weighted_hours": 3 * 60 + 20}, 2.0, 1) == 80
    assert least_hours(prep, {"weighted_hours": 3 * 60 + 21}, 2.0, 1) is None  # no plan reaches it
    assert least_hours(prep, {}, 2.0, 1) == 0


def test_the_pairs_floor_counts_the_fewest_engineers_who_can_work_the_hours() -> None:
    # 80 hours of demand and three engineers of 40, 40 and 60: the 60 and one 40 are the fewest who can work them.
    engineers, projects = STAYING
    req = request([*engineers, eng("e2", 60)], projects)
    exact = solve(req, SolverParams())
    assert exact.objective is not None
    prep = prepare(req)
    least = least_hours(prep, {name: exact.objective.value(name) for name in LEVELS[:3]}, 2.0, 1)
    assert least == 80
    assert assignments_floor(prep, least) == 2 == exact.objective.assignments
    assert assignments_floor(prep, 100) == 2
    assert assignments_floor(prep, 101) == 3
