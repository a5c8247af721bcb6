"""Input checks before solving: field paths for malformed input, one problem per unsatisfiable conflict."""

import msgspec
import pytest

from conftest import Solved, eng, pool, proj, request, role
from sprintml.solver import (
    AllocationRequest,
    InvalidAllocationInput,
    UnsatisfiableAllocation,
    check_input,
    solve,
)


def test_negative_hours_are_rejected_with_their_path() -> None:
    body = b'{"engineers": [{"id": "e1", "capacity_hours": -1}]}'
    with pytest.raises(msgspec.ValidationError, match=r"\$\.engineers\[0\]\.capacity_hours"):
        msgspec.json.decode(body, type=AllocationRequest)


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(msgspec.ValidationError, match="capacity"):
        msgspec.json.decode(b'{"engineers": [{"id": "e1", "capacity": 3}]}', type=AllocationRequest)


def test_time_limit_is_capped() -> None:
    with pytest.raises(msgspec.ValidationError, match="time_limit_s"):
        msgspec.json.decode(b'{"options": {"time_limit_s": 301}}', type=AllocationRequest)


def test_duplicate_and_unknown_ids_name_their_fields() -> None:
    req = request(
        [eng("e1", current={"nope": 4}), eng("e1")],
        [proj("p", 1, role(10), pinned=[{"engineer": "ghost", "hours": 4}], excluded_engineers=["e1", "e1"])],
    )
    with pytest.raises(InvalidAllocationInput) as caught:
        check_input(req)
    fields = {p.field for p in caught.value.problems}
    assert fields == {
        "engineers[1].id",
        "engineers[0].current.nope",
        "projects[0].pinned[0].engineer",
        "projects[0].excluded_engineers[1]",
    }


def test_minimums_above_maximums_name_their_fields() -> None:
    req = request([], [proj("p", 1, role(10, min_hours=12), gpus={"count": 2, "min_count": 3})])
    with pytest.raises(InvalidAllocationInput) as caught:
        check_input(req)
    assert {p.field for p in caught.value.problems} == {"projects[0].roles[0].min_hours", "projects[0].gpus.min_count"}


def test_roles_must_name_distinct_skills() -> None:
    with pytest.raises(InvalidAllocationInput) as caught:
        check_input(request([], [proj("p", 1, role(10), role(5))]))
    assert [p.field for p in caught.value.problems] == ["projects[0].roles[1].skill"]


def test_pins_beyond_capacity_conflict() -> None:
    req = request(
        [eng("e1", 20)],
        [
            proj("a", 1, role(20), pinned=[{"engineer": "e1", "hours": 12}]),
            proj("b", 1, role(20, min_hours=0), pinned=[{"engineer": "e1", "hours": 12}]),
        ],
    )
    with pytest.raises(UnsatisfiableAllocation) as caught:
        check_input(req)
    [problem] = [p for p in caught.value.problems if p.constraint == "capacity"]
    assert problem.engineer == "e1"
    assert problem.project == "a, b"


def test_pin_without_a_qualifying_skill_conflicts() -> None:
    req = request([eng("e1", skills={"infra": 5})], [proj("p", 1, role(10), pinned=[{"engineer": "e1", "hours": 4}])])
    with pytest.raises(UnsatisfiableAllocation) as caught:
        check_input(req)
    [problem] = caught.value.problems
    assert (problem.engineer, problem.project, problem.constraint) == ("e1", "p", "skill")
    assert problem.field == "projects[0].pinned[0]"


def test_pinned_and_excluded_conflict() -> None:
    req = request(
        [eng("e1")], [proj("p", 1, role(10), pinned=[{"engineer": "e1", "hours": 4}], excluded_engineers=["e1"])]
    )
    with pytest.raises(UnsatisfiableAllocation) as caught:
        check_input(req)
    assert [p.constraint for p in caught.value.problems] == ["excluded"]


def test_pinned_project_whose_minimum_cannot_be_met_conflicts() -> None:
    req = request(
        [eng("e1", 20)],
        [proj("p", 1, role(10), gpus={"count": 4}, pinned=[{"engineer": "e1", "hours": 4}])],
        [pool("t4", "T4", 16, 2)],
    )
    with pytest.raises(UnsatisfiableAllocation) as caught:
        check_input(req)
    [problem] = caught.value.problems
    assert (problem.project, problem.constraint) == ("p", "minimum")
    assert "GPUs" in problem.detail


def test_pinned_projects_that_cannot_all_run_raise_from_solve() -> None:
    req = request(
        [eng("e1", 20), eng("e2", 20)],
        [
            proj("a", 1, role(10), gpus={"count": 6}, pinned=[{"engineer": "e1", "hours": 4}]),
            proj("b", 1, role(10), gpus={"count": 6}, pinned=[{"engineer": "e2", "hours": 4}]),
        ],
        [pool("h", count=8)],
    )
    check_input(req)
    with pytest.raises(UnsatisfiableAllocation) as caught:
        solve(req)
    assert caught.value.problems[0].constraint == "pins"


def test_zero_hour_pin_imposes_nothing(solved: Solved) -> None:
    req = request([eng("e1", 10)], [proj("p", 1, role(40), pinned=[{"engineer": "e1", "hours": 0}])])
    result = solved(req)
    assert result.assignments == []
