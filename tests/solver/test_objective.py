"""Each level of the lexicographic objective on an instance whose optimum is known by hand."""

from conftest import Solved, eng, funded, hours_of, pool, proj, request, role


def test_funded_priority_prefers_two_small_projects_over_one_big(solved: Solved) -> None:
    req = request([eng("e1", 20)], [proj("big", 3, role(20)), proj("b", 2, role(10)), proj("c", 2, role(10))])
    result = solved(req)
    assert funded(result) == {"b", "c"}
    assert result.objective is not None
    assert result.objective.funded_priority == 4
    assert result.status == "OPTIMAL"


def test_weighted_hours_fill_the_higher_priority_project_first(solved: Solved) -> None:
    req = request([eng("e1", 40)], [proj("a", 1, role(30, min_hours=8)), proj("b", 3, role(30, min_hours=8))])
    result = solved(req)
    assert hours_of(result, "e1", "b") == 30
    assert hours_of(result, "e1", "a") == 10
    assert result.objective is not None
    assert result.objective.weighted_hours == 100


def test_weighted_gpus_go_to_the_higher_priority_project(solved: Solved) -> None:
    req = request(
        [],
        [proj("a", 1, gpus={"count": 8, "min_count": 2}), proj("b", 4, gpus={"count": 8, "min_count": 2})],
        [pool("h", count=10)],
    )
    result = solved(req)
    got = {g.project: g.count for g in result.gpu_assignments}
    assert got == {"a": 2, "b": 8}
    assert result.objective is not None
    assert result.objective.weighted_gpus == 34


def test_churn_keeps_current_engineers(solved: Solved) -> None:
    req = request([eng("e1", 20), eng("e2", 20, current={"p": 20})], [proj("p", 1, role(20))])
    result = solved(req)
    assert hours_of(result, "e2", "p") == 20
    assert result.objective is not None
    assert result.objective.churn_hours == 0


def test_churn_counts_current_hours_on_unfunded_projects(solved: Solved) -> None:
    req = request([eng("e1", 20, current={"gone": 12})], [proj("gone", 1, role(50)), proj("p", 1, role(20))])
    result = solved(req)
    assert funded(result) == {"p"}
    assert result.objective is not None
    assert result.objective.churn_hours == 12 + 20


def test_assignments_prefer_one_engineer_over_two(solved: Solved) -> None:
    req = request([eng("a", 20), eng("b", 20), eng("c", 40)], [proj("p", 1, role(40))])
    result = solved(req)
    assert result.objective is not None
    assert result.objective.assignments == 1
    assert hours_of(result, "c", "p") == 40


def test_bounds_equal_the_objective_when_optimal(solved: Solved) -> None:
    result = solved(request([eng("e1")], [proj("p", 2, role(10))]))
    assert result.status == "OPTIMAL"
    assert result.bounds == result.objective
    assert [lv.status for lv in result.levels] == ["OPTIMAL"] * 5
