"""The component bound on level 5: whole capacities that cannot split evenly force shared engineers."""

import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Solved, eng, proj, request, role
from sprintml.solver import AllocationInputError, AllocationRequest, AllocationResult, SolverParams, solve
from sprintml.solver.component_bound import component_bound, most_zero_sum_groups
from sprintml.solver.lp_bound import linear_relaxation
from sprintml.solver.prepared import Plan, prepare
from sprintml.solver.solution import LEVELS


def bounds(req: AllocationRequest, result: AllocationResult) -> tuple[int | None, int | None]:
    """The LP's and the component bound on assignments, levels 1-4 held at the result's values."""
    assert result.objective is not None
    prep = prepare(req)
    held = {name: result.objective.value(name) for name in LEVELS[:4]}
    relaxation = linear_relaxation(prep, held)
    assert relaxation is not None
    deadline = time.perf_counter() + 10
    components = component_bound(prep, relaxation, plan(req, result), deadline)
    return relaxation.lower_bound("assignments", deadline), components


def plan(req: AllocationRequest, result: AllocationResult) -> Plan:
    engineers = {e.id: i for i, e in enumerate(req.engineers)}
    projects = {p.id: j for j, p in enumerate(req.projects)}
    hours = {}
    for a in result.assignments:
        j = projects[a.project]
        r = [x.skill for x in req.projects[j].roles].index(a.skill)
        hours[engineers[a.engineer], j, r] = a.hours
    return Plan(hours=hours, funded={projects[p.id] for p in result.projects if p.funded})


def test_zero_sum_groups_pair_residues_that_complete_a_multiple() -> None:
    assert most_zero_sum_groups([20, 20], 40) == 1
    assert most_zero_sum_groups([4, 4], 20) == 0
    assert most_zero_sum_groups([4] * 5, 20) == 1
    # 4+16 and 8+12 pair up; what is left (4, 12, 12, 12) makes one more group of 40.
    assert most_zero_sum_groups([4] * 8 + [8] * 3 + [12] * 7 + [16] * 7, 20) == 11


def test_two_projects_of_one_and_a_half_engineers_share_one(solved: Solved) -> None:
    # 3 x 40 h for 2 x 60 h: one engineer must split, so 4 pairs; the LP spreads the split and says 3.
    req = request(
        [eng(f"e{i}", 40) for i in range(3)],
        [proj("a", 1, role(60)), proj("b", 1, role(60))],
    )
    result = solved(req)
    assert result.objective is not None
    assert result.objective.assignments == 4
    assert bounds(req, result) == (3, 4)
    assert result.levels[4].bound == 4
    assert result.levels[4].status == "OPTIMAL"


def test_no_component_bound_while_an_engineer_could_idle(solved: Solved) -> None:
    req = request(
        [eng("e0", 40), eng("e1", 40), eng("e2", 80)],
        [proj("a", 1, role(60)), proj("b", 1, role(60))],
    )
    result = solved(req)
    assert bounds(req, result)[1] is None


@st.composite
def whole_week_instances(draw: st.DrawFn) -> dict[str, Any]:
    """Capacities in multiples of 10 against role hours in any amount, demand mostly above supply."""
    engineers = [
        eng(
            f"e{i}",
            draw(st.sampled_from((10, 20, 30, 40))),
            skills=draw(st.dictionaries(st.sampled_from(("ml", "data")), st.just(3), min_size=1)),
            max_projects=draw(st.none() | st.integers(1, 2)),
        )
        for i in range(draw(st.integers(1, 5)))
    ]
    projects = [
        proj(
            f"p{j}",
            draw(st.integers(1, 3)),
            *[
                role(hours, skill, min_hours=draw(st.integers(0, hours)))
                for skill in draw(st.lists(st.sampled_from(("ml", "data")), min_size=1, max_size=2, unique=True))
                for hours in [draw(st.integers(4, 60))]
            ],
        )
        for j in range(draw(st.integers(1, 3)))
    ]
    return {"engineers": engineers, "projects": projects, "chunk": draw(st.integers(1, 4))}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(whole_week_instances())
def test_the_component_bound_never_passes_a_proven_optimum(body: dict[str, Any]) -> None:
    req = request(body["engineers"], body["projects"], min_chunk_hours=body["chunk"], time_limit_s=5)
    try:
        result = solve(req, SolverParams())
    except AllocationInputError:
        return
    if result.status != "OPTIMAL" or result.objective is None:
        return
    _, components = bounds(req, result)
    assert components is None or components <= result.objective.assignments


def exactly(hours: int, skill: str) -> dict[str, Any]:
    return role(hours, skill, min_hours=hours)


@pytest.mark.parametrize(
    ("skills", "pairs"),
    [
        # Each 20-hour engineer has one skill: both projects take 20 h, a whole engineer's worth, yet every engineer
        # must split, so 4 pairs. Counted by project the bound would be 2; counted by the parts no engineer bridges
        # (each role alone here) it is 4.
        ([{"ml": 3}, {"data": 3}], 4),
        # Both may do ML and data: each takes one project whole, 2 pairs, and the bound, counting each project as
        # one part again, must allow it (roles always counted apart would say 4).
        ([{"ml": 3, "data": 3}, {"ml": 3, "data": 3}], 2),
    ],
)
def test_roles_no_engineer_may_both_fill_count_apart(solved: Solved, skills: list[dict[str, int]], pairs: int) -> None:
    # Each project needs exactly 10 h of ML and 10 h of data work.
    req = request(
        [eng("x", 20, skills=skills[0]), eng("y", 20, skills=skills[1])],
        [proj(p, 1, exactly(10, "ml"), exactly(10, "data")) for p in ("a", "b")],
    )
    result = solved(req)
    assert result.objective is not None
    assert result.objective.assignments == pairs
    assert bounds(req, result)[1] == pairs
