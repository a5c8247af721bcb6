"""The public surface the HTTP layer relies on: exported names, JSON round trip, and solving from worker threads."""

from concurrent.futures import ThreadPoolExecutor

import msgspec

import sprintml.solver
from conftest import eng, proj, request, role
from sprintml.solver import SOLVER_VERSION, AllocationResult, solve, validate


def test_every_public_name_is_exported() -> None:
    for name in sprintml.solver.__all__:
        assert getattr(sprintml.solver, name) is not None
    assert SOLVER_VERSION.startswith("sprintml-cpsat/1 ortools/")


def test_result_round_trips_through_json() -> None:
    result = solve(request([eng("e1")], [proj("p", 2, role(10)), proj("q", 1, role(80))]))
    decoded = msgspec.json.decode(msgspec.json.encode(result), type=AllocationResult)
    assert decoded == result


def test_concurrent_solves_in_threads_agree() -> None:
    req = request(
        [eng(f"e{i}", 20 + 8 * i) for i in range(4)], [proj(f"p{j}", j + 1, role(24 + 8 * j)) for j in range(3)]
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(solve, [req, req, req]))
    assert all(validate(req, r) == [] for r in results)
    assert len({msgspec.json.encode(r.assignments) for r in results}) == 1
