"""The solver-agnostic checker catches broken plans and wrong objective values."""

import msgspec

from conftest import Solved, eng, proj, request, role
from sprintml.solver import Assignment, validate


def test_checker_catches_hours_beyond_capacity(solved: Solved) -> None:
    req = request([eng("e1", 20)], [proj("p", 1, role(40, min_hours=0))])
    result = solved(req)
    broken = msgspec.structs.replace(result, assignments=[Assignment(engineer="e1", project="p", skill="ml", hours=30)])
    problems = validate(req, broken)
    assert any(p.startswith("capacity") for p in problems)
    assert any("objective" in p for p in problems)


def test_checker_catches_a_chunk_below_the_minimum(solved: Solved) -> None:
    req = request([eng("e1", 20)], [proj("p", 1, role(40, min_hours=0))])
    result = solved(req)
    broken = msgspec.structs.replace(result, assignments=[Assignment(engineer="e1", project="p", skill="ml", hours=2)])
    assert any(p.startswith("chunk") for p in validate(req, broken))


def test_checker_catches_a_false_optimal_claim(solved: Solved) -> None:
    req = request([eng("e1", 20)], [proj("p", 1, role(20))])
    result = solved(req)
    assert result.bounds is not None
    lying = msgspec.structs.replace(result, bounds=msgspec.structs.replace(result.bounds, funded_priority=9))
    assert any("OPTIMAL" in p for p in validate(req, lying))


def test_same_input_gives_the_same_plan(solved: Solved) -> None:
    engineers = [eng(f"e{i}", 20 + 4 * (i % 3), skills={"ml": 2 + i % 3, "data": i % 4}) for i in range(8)]
    projects = [
        proj(f"p{j}", 1 + j % 3, role(30 + 4 * j, min_level=2, min_hours=12), role(12, "data", min_level=1))
        for j in range(5)
    ]
    req = request(engineers, projects)
    first, second = solved(req), solved(req)
    assert first.assignments == second.assignments
    assert first.objective == second.objective
