"""Reasons on unfunded projects: what is short alone, or which funded projects took what was needed."""

from conftest import Solved, eng, pool, proj, request, role
from sprintml.solver import AllocationResult, ProjectOutcome


def outcome(result: AllocationResult, project: str) -> ProjectOutcome:
    return next(p for p in result.projects if p.id == project)


def test_missing_role_hours_are_infeasible_alone_with_the_shortfall(solved: Solved) -> None:
    result = solved(request([eng("e1", 30), eng("e2", 20, skills={"data": 4})], [proj("p", 1, role(80, min_hours=50))]))
    p = outcome(result, "p")
    assert p.reason == "infeasible_alone"
    [short] = p.shortfalls
    assert (short.need, short.skill, short.minimum, short.available, short.short) == ("role", "ml", 50, 30, 20)


def test_missing_gpus_are_infeasible_alone_with_the_shortfall(solved: Solved) -> None:
    req = request(
        [],
        [proj("p", 1, gpus={"count": 8, "min_count": 6, "min_memory_gb": 80})],
        [pool("a", "A100", 40, 16), pool("h", count=4)],
    )
    p = outcome(solved(req), "p")
    assert p.reason == "infeasible_alone"
    assert [(s.need, s.available, s.short) for s in p.shortfalls] == [("gpus", 4, 2)]


def test_roles_sharing_one_engineer_are_short_together(solved: Solved) -> None:
    req = request([eng("e1", 30, skills={"ml": 3, "data": 3})], [proj("p", 1, role(20), role(20, "data"))])
    p = outcome(solved(req), "p")
    assert p.reason == "infeasible_alone"
    assert [(s.need, s.short) for s in p.shortfalls] == [("roles", 10)]


def test_displaced_project_names_the_project_that_took_its_engineer(solved: Solved) -> None:
    req = request([eng("e1", 20)], [proj("big", 5, role(20)), proj("small", 1, role(20))])
    result = solved(req)
    p = outcome(result, "small")
    assert p.reason == "displaced"
    [c] = p.competitors
    assert (c.project, c.engineers, c.hours) == ("big", ["e1"], 20)
    assert p.unmet[0].short == 20


def test_displaced_project_names_the_project_that_took_its_gpus(solved: Solved) -> None:
    req = request([], [proj("a", 5, gpus={"count": 8}), proj("b", 2, gpus={"count": 8})], [pool("h", count=8)])
    c = outcome(solved(req), "b").competitors
    assert [(x.project, x.pools, x.gpus) for x in c] == [("a", ["h"], 8)]


def test_funded_project_reports_unmet_hours_above_its_minimum(solved: Solved) -> None:
    p = outcome(solved(request([eng("e1", 30)], [proj("p", 1, role(50, min_hours=20))])), "p")
    assert p.funded
    assert p.reason is None
    assert [(u.skill, u.assigned, u.short) for u in p.unmet] == [("ml", 30, 20)]
