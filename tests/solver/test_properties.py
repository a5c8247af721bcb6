"""Hypothesis-generated instances: every plan the solver returns passes the checker and beats greedy on level 1."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import request
from sprintml.solver import AllocationInputError, AllocationRequest, SolverParams, greedy_plan, solve, validate
from sprintml.solver.lp_bound import lp_bound
from sprintml.solver.objective import plan_objective
from sprintml.solver.prepared import prepare
from sprintml.solver.solution import LEVELS, MAXIMISED

SKILLS = ("ml", "data", "infra")


@st.composite
def instances(draw: st.DrawFn) -> dict[str, Any]:
    n_e = draw(st.integers(0, 5))
    engineers = [
        {
            "id": f"e{i}",
            "capacity_hours": draw(st.integers(0, 40)),
            "skills": draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(0, 4), max_size=2)),
            "max_projects": draw(st.none() | st.integers(0, 2)),
        }
        for i in range(n_e)
    ]
    pools = [
        {
            "id": f"k{k}",
            "gpu_type": draw(st.sampled_from(("H100", "T4"))),
            "memory_gb": draw(st.sampled_from((16, 80))),
            "count": draw(st.integers(0, 6)),
        }
        for k in range(draw(st.integers(0, 3)))
    ]
    projects = []
    for j in range(draw(st.integers(0, 4))):
        roles = []
        for skill in draw(st.lists(st.sampled_from(SKILLS), max_size=2, unique=True)):
            hours = draw(st.integers(0, 40))
            roles.append(
                {
                    "skill": skill,
                    "min_level": draw(st.integers(0, 3)),
                    "hours": hours,
                    "min_hours": draw(st.integers(0, hours)),
                }
            )
        project: dict[str, Any] = {"id": f"p{j}", "priority": draw(st.integers(1, 5)), "roles": roles}
        if draw(st.booleans()):
            count = draw(st.integers(0, 6))
            project["gpus"] = {
                "count": count,
                "min_count": draw(st.integers(0, count)),
                "min_memory_gb": draw(st.sampled_from((0, 40))),
                "types": draw(st.none() | st.just(["H100"])),
            }
        if engineers and draw(st.integers(0, 3)) == 0:
            project["pinned"] = [
                {"engineer": draw(st.sampled_from([e["id"] for e in engineers])), "hours": draw(st.integers(0, 12))}
            ]
        if engineers and draw(st.booleans()):
            project["excluded_engineers"] = [draw(st.sampled_from([e["id"] for e in engineers]))]
        projects.append(project)
    for e in engineers:
        if projects and draw(st.booleans()):
            e["current"] = {draw(st.sampled_from([p["id"] for p in projects])): draw(st.integers(0, 30))}
    return {"engineers": engineers, "projects": projects, "pools": pools, "min_chunk_hours": draw(st.integers(0, 6))}


def instance_request(body: dict[str, Any]) -> AllocationRequest:
    """The request of an `instances()` draw, with a 2 s limit."""
    return request(
        body["engineers"], body["projects"], body["pools"], min_chunk_hours=body["min_chunk_hours"], time_limit_s=2
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_plan_validates_and_is_no_worse_than_greedy(body: dict[str, Any]) -> None:
    req = instance_request(body)
    try:
        result = solve(req, SolverParams())
    except AllocationInputError:
        return  # unsatisfiable pins are the checks' business, tested on their own
    assert validate(req, result) == []
    assert result.objective is not None
    prep = prepare(req)
    baseline = plan_objective(prep, greedy_plan(prep))
    if result.status == "OPTIMAL" and not prep.pins:
        assert result.objective.funded_priority >= baseline.funded_priority


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_benchmark_instance_validates(seed: int) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from allocation_instances import generate

    req = generate(12, 5, 3, seed=seed, time_limit_s=2)
    result = solve(req)
    assert validate(req, result) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_without_the_full_model_every_plan_validates_within_its_bounds(body: dict[str, Any]) -> None:
    req = instance_request(body)
    try:
        result = solve(req, SolverParams(max_model_pairs=0))
    except AllocationInputError:
        return
    assert validate(req, result) == []
    if result.objective is None:
        return
    exact = solve(req, SolverParams())
    assert exact.objective is not None
    for lv, exact_lv in zip(result.levels, exact.levels, strict=True):
        if lv.name in ("funded_priority", "weighted_hours", "weighted_gpus"):
            assert lv.value <= lv.bound
        if lv.name == "funded_priority" and exact.status == "OPTIMAL":
            # The relaxation's bound is never below the true optimum.
            assert lv.bound >= exact_lv.value
        if lv.status == "OPTIMAL" and exact.status == "OPTIMAL" and lv.name == "funded_priority":
            assert lv.value == exact_lv.value
        if lv.status != "OPTIMAL":
            break


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_bound_lies_on_its_levels_side_and_the_lp_never_passes_a_proven_optimum(body: dict[str, Any]) -> None:
    req = instance_request(body)
    try:
        result = solve(req, SolverParams())
    except AllocationInputError:
        return
    for lv in result.levels:
        assert lv.value <= lv.bound if lv.name in MAXIMISED else lv.bound <= lv.value
    if result.status != "OPTIMAL" or result.objective is None:
        return
    prep = prepare(req)
    held = {name: result.objective.value(name) for name in LEVELS[:3]}
    churn = lp_bound(prep, "churn_hours", held, 5.0)
    assert churn is None or churn <= result.objective.churn_hours
    held["churn_hours"] = result.objective.churn_hours
    assignments = lp_bound(prep, "assignments", held, 5.0)
    assert assignments is None or assignments <= result.objective.assignments
