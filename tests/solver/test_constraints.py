"""Each hard constraint of allocation.md on a hand-made instance with a known optimum."""

from conftest import Solved, eng, funded, hours_of, pool, proj, request, role


def test_chunk_rule_forbids_three_hours(solved: Solved) -> None:
    result = solved(request([eng("e1")], [proj("p", 1, role(3, min_hours=0))], min_chunk_hours=4))
    assert result.assignments == []
    assert result.objective is not None
    assert result.objective.weighted_hours == 0


def test_chunk_rule_keeps_an_engineer_from_splitting_six_hours(solved: Solved) -> None:
    req = request([eng("e1", 6)], [proj("a", 1, role(5, min_hours=0)), proj("b", 1, role(5, min_hours=0))])
    result = solved(req)
    assert result.objective is not None
    assert result.objective.weighted_hours == 5
    assert result.objective.assignments == 1


def test_capacity_caps_an_engineers_hours(solved: Solved) -> None:
    result = solved(request([eng("e1", 30)], [proj("p", 1, role(40, min_hours=0))]))
    assert hours_of(result, "e1", "p") == 30


def test_skill_level_below_minimum_gets_no_hours(solved: Solved) -> None:
    req = request([eng("e1", skills={"ml": 2}), eng("e2", skills={"data": 5})], [proj("p", 1, role(10, min_level=3))])
    result = solved(req)
    assert result.assignments == []
    assert funded(result) == set()


def test_focus_limit_funds_only_the_higher_priority_project(solved: Solved) -> None:
    req = request([eng("e1", 40, max_projects=1)], [proj("a", 2, role(10)), proj("b", 3, role(10))])
    result = solved(req)
    assert funded(result) == {"b"}


def test_minimum_is_all_or_nothing(solved: Solved) -> None:
    result = solved(request([eng("e1", 20)], [proj("p", 5, role(40, min_hours=30))]))
    assert funded(result) == set()
    assert result.assignments == []


def test_demand_cap_stops_hours_at_the_role_hours(solved: Solved) -> None:
    result = solved(request([eng("e1"), eng("e2")], [proj("p", 1, role(50, min_hours=10))]))
    assert sum(a.hours for a in result.assignments) == 50


def test_gpu_memory_fit_ignores_small_pools(solved: Solved) -> None:
    pools = [pool("t4", "T4", 16, 8), pool("a100", "A100", 40, 4)]
    req = request([], [proj("p", 1, gpus={"count": 6, "min_count": 4, "min_memory_gb": 40})], pools)
    result = solved(req)
    assert [(g.pool, g.count) for g in result.gpu_assignments] == [("a100", 4)]


def test_gpu_type_fit_ignores_other_types(solved: Solved) -> None:
    pools = [pool("a100", "A100", 80, 8), pool("h100", "H100", 80, 2)]
    req = request([], [proj("p", 1, gpus={"count": 4, "min_count": 4, "types": ["H100"]})], pools)
    result = solved(req)
    assert funded(result) == set()
    assert result.gpu_assignments == []


def test_pool_count_is_shared_between_projects(solved: Solved) -> None:
    req = request(
        [],
        [proj("a", 2, gpus={"count": 6}), proj("b", 3, gpus={"count": 6}), proj("c", 1, gpus={"count": 2})],
        [pool("h", count=8)],
    )
    result = solved(req)
    assert funded(result) == {"b", "c"}


def test_pin_funds_a_lower_priority_project(solved: Solved) -> None:
    req = request(
        [eng("e1", 20)],
        [proj("a", 5, role(20)), proj("b", 1, role(20, min_hours=4), pinned=[{"engineer": "e1", "hours": 8}])],
    )
    result = solved(req)
    assert funded(result) == {"b"}
    assert hours_of(result, "e1", "b") == 20


def test_pin_below_the_chunk_gets_a_whole_chunk(solved: Solved) -> None:
    req = request(
        [eng("e1", 40, max_projects=2)],
        [
            proj("a", 5, role(38, min_hours=0)),
            proj("b", 1, role(10, min_hours=0), pinned=[{"engineer": "e1", "hours": 2}]),
        ],
        min_chunk_hours=4,
    )
    result = solved(req)
    assert hours_of(result, "e1", "b") == 4
    assert hours_of(result, "e1", "a") == 36


def test_excluded_engineer_gets_no_hours(solved: Solved) -> None:
    req = request([eng("e1"), eng("e2", 10)], [proj("p", 1, role(20), excluded_engineers=["e1"])])
    result = solved(req)
    assert funded(result) == set()
    assert hours_of(result, "e1", "p") == 0


def test_project_without_needs_is_funded(solved: Solved) -> None:
    result = solved(request([], [proj("p", 7)]))
    assert funded(result) == {"p"}
    assert result.objective is not None
    assert result.objective.funded_priority == 7
