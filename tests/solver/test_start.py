"""The relaxation, flow and neighbourhood parts of the solve on generated instances: valid, bounded, reproducible."""

import sys
from pathlib import Path

import msgspec
import pytest

from sprintml.solver import SolverParams, solve, validate
from sprintml.solver.flow import staff
from sprintml.solver.objective import plan_objective
from sprintml.solver.prepared import prepare
from sprintml.solver.relaxation import solve_relaxation

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


def test_without_the_full_model_level_one_is_proven_on_a_generated_instance() -> None:
    req = generate(60, 15, 4, seed=3, time_limit_s=2)
    result = solve(req, SolverParams(max_model_pairs=0))
    assert validate(req, result) == []
    assert result.levels[0].status == "OPTIMAL"
    assert [lv.bound for lv in result.levels[3:]] == [0, 0]


def test_the_same_input_and_params_give_the_same_plan() -> None:
    req = generate(40, 10, 4, seed=5, time_limit_s=2)
    first, second = solve(req), solve(req)
    assert validate(req, first) == []
    strip = {"solve_seconds": 0.0, "levels": []}
    assert msgspec.structs.replace(first, **strip) == msgspec.structs.replace(second, **strip)
