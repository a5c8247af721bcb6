"""Cancelling cycles of a plan's engineer-project graph: fewer pairs, the levels above untouched, every rule kept."""

import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import assert_plan_valid, eng, proj, request, role
from sprintml.solver.cycles import _may_split, cancel_cycles, cycle_paths, split_roles
from sprintml.solver.flow import staff
from sprintml.solver.greedy import greedy_plan
from sprintml.solver.objective import plan_objective
from sprintml.solver.prepared import Plan, Prepared, prepare
from sprintml.solver.solution import LEVELS
from sprintml.solver.start import keeps_pins, starting_plan

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from allocation_instances import generate


def two_by_two(**fields: object) -> Prepared:
    """Two 40-hour engineers and two 40-hour projects: each engineer split 20/20 is a 4-pair cycle."""
    return prepare(
        request(
            [eng("e1", 40, **fields), eng("e2", 40)],
            [proj("p1", 1, role(40)), proj("p2", 1, role(40))],
        )
    )


SPLIT = Plan(hours={(0, 0, 0): 20, (0, 1, 0): 20, (1, 0, 0): 20, (1, 1, 0): 20}, funded={0, 1})


def test_the_cycle_of_two_split_engineers_is_found_in_order() -> None:
    (path,) = cycle_paths([(0, 0), (0, 1), (1, 0), (1, 1)])
    assert sorted(path) == [("e", 0), ("e", 1), ("p", 0), ("p", 1)]
    # Consecutive nodes (and the last and first) are pairs of the plan.
    for a, b in zip(path, path[1:] + path[:1], strict=True):
        assert {a[0], b[0]} == {"e", "p"}


def test_a_forest_has_no_cycles() -> None:
    assert cycle_paths([(0, 0), (1, 0), (1, 1), (2, 1)]) == []


def test_two_split_engineers_end_on_one_project_each() -> None:
    prep = two_by_two()
    better = cancel_cycles(prep, SPLIT, seed=1)
    assert plan_objective(prep, better).assignments == 2
    assert sorted(better.hours.values()) == [40, 40]
    assert plan_objective(prep, better).weighted_hours == plan_objective(prep, SPLIT).weighted_hours
    assert_plan_valid(prep, better)


def test_a_cycle_is_left_when_cancelling_it_would_add_churn() -> None:
    # e1 works 20 h on each project now: any plan that empties one of e1's pairs costs 20 h more churn.
    prep = two_by_two(current={"p1": 20, "p2": 20})
    kept = cancel_cycles(prep, SPLIT, seed=1)
    assert kept.hours == SPLIT.hours


def test_a_shift_towards_current_hours_lowers_churn_where_a_pin_keeps_every_pair() -> None:
    # e1 works 30 h on p1 now; e2 is pinned to p1 for 12 h, so no pair can empty, but 8 h can move.
    prep = prepare(
        request(
            [eng("e1", 40, current={"p1": 30}), eng("e2", 40)],
            [proj("p1", 1, role(40), pinned=[{"engineer": "e2", "hours": 12}]), proj("p2", 1, role(40))],
        )
    )
    better = cancel_cycles(prep, SPLIT, seed=1)
    assert plan_objective(prep, SPLIT).churn_hours == 70
    assert plan_objective(prep, better).churn_hours == 54  # |28 - 30| + 12 + 12 + 28
    assert better.hours == {(0, 0, 0): 28, (0, 1, 0): 12, (1, 0, 0): 12, (1, 1, 0): 28}
    assert_plan_valid(prep, better)


def test_a_cycle_is_left_when_the_gainer_cannot_fill_the_role_and_no_role_has_room() -> None:
    # Both projects need 20 h of data (e1 only) and 20 h of ml (e2 only): neither can take the other's place.
    prep = prepare(
        request(
            [eng("e1", 40, skills={"data": 3}), eng("e2", 40)],
            [proj(p, 1, role(20, min_hours=20), role(20, "data", min_hours=20)) for p in ("p1", "p2")],
        )
    )
    plan = Plan(hours={(0, 0, 1): 20, (0, 1, 1): 20, (1, 0, 0): 20, (1, 1, 0): 20}, funded={0, 1})
    assert len(cycle_paths([(0, 0), (0, 1), (1, 0), (1, 1)])) == 1
    assert cancel_cycles(prep, plan, seed=1).hours == plan.hours


def test_roles_are_split_to_meet_every_minimum() -> None:
    prep = prepare(
        request(
            [eng("e1", 40, skills={"ml": 3, "data": 3}), eng("e2", 40)],
            [proj("p1", 1, role(40, min_hours=10), role(30, "data", min_hours=25))],
        )
    )
    split = split_roles(prep, 0, {0: 30, 1: 30}, previous={})
    assert split is not None
    assert split[1, 0, 0] == 30  # e2 can only do ml
    assert split.get((0, 0, 1), 0) >= 25
    assert sum(h for (i, _, _), h in split.items() if i == 0) == 30
    # 60 h of ml cannot fit a 40 h role.
    assert split_roles(prep, 0, {1: 40, 0: 25}, previous={}) is not None
    assert split_roles(prep, 0, {1: 41}, previous={}) is None


SKILLS = ("ml", "data", "infra")


@settings(max_examples=300, deadline=None)
@given(
    roles=st.lists(st.tuples(st.integers(1, 60), st.integers(0, 60)), min_size=1, max_size=3),
    engineers=st.lists(st.tuples(st.sets(st.sampled_from(SKILLS), min_size=1), st.integers(4, 60)), max_size=5),
)
def test_the_cheap_role_check_agrees_with_the_flow(
    roles: list[tuple[int, int]], engineers: list[tuple[set[str], int]]
) -> None:
    # What lets a pivot walk skip most flows: whenever the check says a project's roles cannot take the engineers'
    # hours, the flow finds no split either, and whenever it says they can, the flow finds one.
    project = proj("p1", 1, *(role(h, SKILLS[r], min_hours=min(m, h)) for r, (h, m) in enumerate(roles)))
    prep = prepare(
        request([eng(f"e{n}", 60, skills=dict.fromkeys(s, 3)) for n, (s, _) in enumerate(engineers)], [project])
    )
    totals = {i: h for i, (_, h) in enumerate(engineers) if (i, 0) in prep.pair_roles}
    assert _may_split(prep, 0, totals) == (split_roles(prep, 0, totals, previous={}) is not None)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
@example(seed=842)
def test_cancelling_a_generated_plans_cycles_keeps_it_valid_and_levels_one_to_three(seed: int) -> None:
    prep = prepare(generate(40, 10, 4, seed=seed))
    greedy = greedy_plan(prep)
    # The flow's plans split more engineers than greedy's: most have a cycle to cancel. Greedy can miss a pin (seeds
    # 842, 885, 1027), and so can the flow staffing greedy's projects: the solver never starts from such a plan, and
    # neither does this test; the solver's own start keeps every pin, so there is always a plan to check.
    start = starting_plan(prep, time.perf_counter() + 5, seed=1).plan
    candidates = (greedy, staff(prep, set(greedy.funded)), start)
    plans = [plan for plan in candidates if plan is not None and keeps_pins(prep, plan)]
    assert plans
    for plan in plans:
        better = cancel_cycles(prep, plan, seed=1)
        before, after = plan_objective(prep, plan), plan_objective(prep, better)
        assert [after.value(n) for n in LEVELS[:3]] == [before.value(n) for n in LEVELS[:3]]
        assert after.churn_hours <= before.churn_hours
        assert after.assignments <= before.assignments
        assert_plan_valid(prep, better)
