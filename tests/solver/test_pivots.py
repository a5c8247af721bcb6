"""Pivot walks on level 5: each kept pivot adds a pair and empties one or two, within every rule and the churn held."""

import random
import sys
import time
from pathlib import Path

import pytest

from conftest import assert_plan_valid, eng, proj, request, role
from sprintml.solver.cycles import cancel_cycles
from sprintml.solver.objective import level_value, plan_objective
from sprintml.solver.pivots import pivot_walk
from sprintml.solver.prepared import Plan, Prepared, pair_hours, prepare
from sprintml.solver.solution import LEVELS
from sprintml.solver.start import starting_plan

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from allocation_instances import generate


def chain(**fields: object) -> Prepared:
    """A 20-hour and two 40-hour engineers; projects of 40 and 60 hours. The best plan has three pairs: the first
    40-hour engineer alone on the 40-hour project, the others on the 60-hour one."""
    return prepare(
        request(
            [eng("x", 20, **fields), eng("y", 40), eng("z", 40)],
            [proj("a", 1, role(40)), proj("b", 1, role(60))],
        )
    )


# One tree, x - a - y - b - z: four pairs. Giving x 20 hours on b (y 20 more on a) empties x-a and y-b at once.
TREE = Plan(hours={(0, 0, 0): 20, (1, 0, 0): 20, (1, 1, 0): 20, (2, 1, 0): 40}, funded={0, 1})


def test_a_pivot_that_empties_two_pairs_leaves_two_components() -> None:
    prep = chain()
    churn = level_value(prep, "churn_hours", TREE)
    walked = pivot_walk(prep, TREE, churn, attempts=200, rng=random.Random(1))
    assert pair_hours(walked.hours) == {(0, 1): 20, (1, 0): 40, (2, 1): 40}
    assert_plan_valid(prep, walked)


def test_no_pivot_raises_churn_past_the_level_held() -> None:
    # x works 20 hours on a now: moving it to b costs 40 hours of churn, and every three-pair plan moves it.
    prep = chain(current={"a": 20})
    churn = level_value(prep, "churn_hours", TREE)
    kept = pivot_walk(prep, TREE, churn, attempts=200, rng=random.Random(1))
    assert level_value(prep, "assignments", kept) == 4
    assert level_value(prep, "churn_hours", kept) <= churn
    moved = pivot_walk(prep, TREE, churn + 40, attempts=200, rng=random.Random(1))
    assert level_value(prep, "assignments", moved) == 3


def generated_plan(seed: int) -> tuple[Prepared, Plan]:
    """A generated 40-engineer instance and the solver's start for it, its cycles cancelled."""
    prep = prepare(generate(40, 10, 4, seed=seed))
    start = starting_plan(prep, time.perf_counter() + 5, seed=1).plan
    assert start is not None
    return prep, cancel_cycles(prep, start, seed=1)


@pytest.mark.parametrize("seed", [1, 5])
def test_a_walk_on_a_generated_plan_keeps_every_rule_and_levels_one_to_four(seed: int) -> None:
    prep, plan = generated_plan(seed)
    before = plan_objective(prep, plan)
    walked = pivot_walk(prep, plan, before.churn_hours, attempts=3000, rng=random.Random(seed))
    after = plan_objective(prep, walked)
    assert [after.value(name) for name in LEVELS[:3]] == [before.value(name) for name in LEVELS[:3]]
    assert after.churn_hours <= before.churn_hours
    assert after.assignments <= before.assignments
    assert walked.hours != plan.hours  # it moved
    assert_plan_valid(prep, walked)


@pytest.mark.parametrize("seed", [3, 4])
def test_a_walk_with_churn_to_spare_spends_no_more_than_that(seed: int) -> None:
    # With slack, pivots that add churn are taken too: the walk must count what each one added, and which projects
    # each engineer gained, all the way along.
    prep, plan = generated_plan(seed)
    before = plan_objective(prep, plan)
    walked = pivot_walk(prep, plan, before.churn_hours + 40, attempts=3000, rng=random.Random(seed))
    after = plan_objective(prep, walked)
    assert before.churn_hours < after.churn_hours <= before.churn_hours + 40
    assert after.assignments < before.assignments
    assert_plan_valid(prep, walked)
