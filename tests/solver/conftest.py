"""Shared builders for solver tests, and a `solved` fixture that validates every plan it returns."""

import time
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from sprintml.solver import AllocationRequest, AllocationResult, SolverParams, solve, validate
from sprintml.solver.objective import level_value
from sprintml.solver.prepared import Plan, Prepared
from sprintml.solver.result import plan_to_result
from sprintml.solver.solution import LEVELS, LevelReport


def request(
    engineers: list[dict[str, Any]],
    projects: list[dict[str, Any]],
    pools: list[dict[str, Any]] | None = None,
    **options: Any,
) -> AllocationRequest:
    """Build a request the way the API decodes one, so msgspec's own checks apply."""
    body = {
        "engineers": engineers,
        "gpu_pools": pools or [],
        "projects": projects,
        "options": {"time_limit_s": 5, **options},
    }
    return msgspec.convert(body, AllocationRequest)


def eng(id: str, hours: int = 40, **fields: Any) -> dict[str, Any]:
    return {"id": id, "capacity_hours": hours, "skills": fields.pop("skills", {"ml": 3}), **fields}


def proj(id: str, priority: int = 1, *roles: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": id, "priority": priority, "roles": list(roles), **fields}


def role(hours: int, skill: str = "ml", **fields: Any) -> dict[str, Any]:
    return {"skill": skill, "hours": hours, **fields}


def pool(id: str, gpu_type: str = "H100", memory_gb: int = 80, count: int = 8) -> dict[str, Any]:
    return {"id": id, "gpu_type": gpu_type, "memory_gb": memory_gb, "count": count}


Solved = Callable[[AllocationRequest], AllocationResult]


@pytest.fixture
def solved() -> Solved:
    """Solve and insist the plan passes the solver-agnostic checker."""

    def run(req: AllocationRequest, params: SolverParams | None = None) -> AllocationResult:
        result = solve(req, params)
        assert validate(req, result) == []
        return result

    return run


def hours_of(result: AllocationResult, engineer: str, project: str) -> int:
    return sum(a.hours for a in result.assignments if a.engineer == engineer and a.project == project)


def funded(result: AllocationResult) -> set[str]:
    return {p.id for p in result.projects if p.funded}


def assert_plan_valid(prep: Prepared, plan: Plan) -> None:
    """The checker judges a plan of the solver's parts on its own: bounds at the plan's own values."""
    reports = [
        LevelReport(name=name, value=0, bound=level_value(prep, name, plan), status="FEASIBLE", seconds=0.0)
        for name in LEVELS
    ]
    assert validate(prep.request, plan_to_result(prep, plan, reports, time.perf_counter(), "test")) == []
