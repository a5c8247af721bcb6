"""Allocation plans: solving off the event loop, and the approved plan's hours as the next `current`."""

import asyncio
from typing import Any

import msgspec

from sprintml.application.handler import Category, CommandHandler, Loaded
from sprintml.domain.allocation import (
    CURRENT_ALLOCATION_ID,
    CurrentAllocationState,
    PlanState,
    evolve_current,
    evolve_plan,
    initial_current,
    initial_plan,
)
from sprintml.solver import AllocationRequest, AllocationResult, solve

PLAN = Category[PlanState]("plan", initial_plan, evolve_plan)
CURRENT_ALLOCATION = Category[CurrentAllocationState]("allocation", initial_current, evolve_current)


async def current_allocation(handler: CommandHandler) -> tuple[Loaded[CurrentAllocationState], PlanState | None]:
    """The `allocation-current` stream as loaded and the approved plan it names (if any)."""
    current = await handler.load(CURRENT_ALLOCATION, CURRENT_ALLOCATION_ID)
    if current.state.plan_id is None:
        return current, None
    return current, (await handler.load(PLAN, current.state.plan_id)).state


def approved_hours(plan: PlanState | None) -> dict[str, dict[str, int]]:
    """engineer → project → hours of the approved plan."""
    hours: dict[str, dict[str, int]] = {}
    for assignment in plan.output.get("assignments", []) if plan else []:
        per_project = hours.setdefault(assignment["engineer"], {})
        per_project[assignment["project"]] = per_project.get(assignment["project"], 0) + assignment["hours"]
    return hours


def with_current_defaults(request: AllocationRequest, raw: Any, plan: PlanState | None) -> AllocationRequest:
    """Engineers whose JSON omitted `current` get the approved plan's hours (allocation.md, last line)."""
    raw_engineers = raw.get("engineers", []) if isinstance(raw, dict) else []
    omitted = {e.get("id") for e in raw_engineers if isinstance(e, dict) and "current" not in e}
    if not omitted or plan is None:
        return request
    hours = approved_hours(plan)
    # Projects that left the portfolio since the approval are not part of this problem.
    projects = {p.id for p in request.projects}

    def still_running(per_project: dict[str, int]) -> dict[str, int]:
        return {project: h for project, h in per_project.items() if project in projects}

    engineers = [
        msgspec.structs.replace(e, current=still_running(hours.get(e.id, {}))) if e.id in omitted else e
        for e in request.engineers
    ]
    return msgspec.structs.replace(request, engineers=engineers)


async def solve_off_loop(request: AllocationRequest) -> AllocationResult:
    """CP-SAT runs in a worker thread (it releases the GIL), so the API keeps answering meanwhile."""
    return await asyncio.to_thread(solve, request)
