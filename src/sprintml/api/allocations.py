"""Allocation: what-if solves, proposed plans as events, approval, and the current allocation."""

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from sprintml.accounts import Principal
from sprintml.api import bodies
from sprintml.api.auth import requires_any_role, requires_planner
from sprintml.api.deps import PathId
from sprintml.api.documented_errors import READ_ERRORS, WRITE_ERRORS, error_responses
from sprintml.api.writes import Writer, etag, new_id, written
from sprintml.application import CommandHandler, Outcome
from sprintml.application.allocation import (
    CURRENT_ALLOCATION,
    PLAN,
    current_allocation,
    solve_off_loop,
    with_current_defaults,
)
from sprintml.domain.allocation import (
    CURRENT_ALLOCATION_ID,
    ApprovePlan,
    ProposePlan,
    decide_approval,
    decide_current,
    decide_proposal,
)
from sprintml.domain.errors import NotFound
from sprintml.solver import SOLVER_VERSION, AllocationRequest, AllocationResult


async def _prepared(
    request: Request[Principal, Any, Any], data: AllocationRequest, handler: CommandHandler
) -> tuple[AllocationRequest, int]:
    current, plan = await current_allocation(handler)
    raw = msgspec.json.decode(await request.body())
    return with_current_defaults(data, raw, plan), current.version


class AllocationController(Controller):
    tags = ["allocation"]

    @post(
        "/allocations/solve",
        responses=WRITE_ERRORS,
        guards=[requires_planner],
        status_code=200,
        summary="What-if solve; nothing recorded",
    )
    async def solve(
        self,
        request: Request[Principal, Any, Any],
        data: JSONBody[AllocationRequest],
        handler: NamedDependency[CommandHandler],
    ) -> AllocationResult:
        prepared, _ = await _prepared(request, data, handler)
        return await solve_off_loop(prepared)

    @post(
        "/allocation-plans",
        responses=WRITE_ERRORS,
        guards=[requires_planner],
        status_code=201,
        summary="Solve and record a proposed plan",
    )
    async def propose(
        self,
        request: Request[Principal, Any, Any],
        data: JSONBody[AllocationRequest],
        handler: NamedDependency[CommandHandler],
        writer: NamedDependency[Writer],
    ) -> Response[bodies.PlanWritten]:
        replayed = await writer.replay()
        if replayed is not None:
            return replayed
        prepared, based_on = await _prepared(request, data, handler)
        result = await solve_off_loop(prepared)
        plan_id = new_id()
        command = ProposePlan(
            plan_id=plan_id,
            input=msgspec.to_builtins(prepared),
            output=msgspec.to_builtins(result),
            solver_version=SOLVER_VERSION,
            based_on_version=based_on,
            now=writer.now,
        )

        def reply(outcome: Outcome) -> bodies.PlanWritten:
            return bodies.PlanWritten(
                id=plan_id, version=outcome.version, position=outcome.position, status="proposed", output=result
            )

        return await writer.write(
            PLAN, plan_id, lambda state: decide_proposal(command, state), reply, status_code=201, made_here=True
        )

    @get(
        "/allocation-plans/{plan_id:str}",
        responses=READ_ERRORS,
        guards=[requires_any_role],
        summary="A plan and its state",
    )
    async def get_plan(self, plan_id: PathId, handler: NamedDependency[CommandHandler]) -> Response[bodies.PlanView]:
        loaded = await handler.load(PLAN, plan_id)
        plan = loaded.state
        if not plan.exists:
            raise NotFound(f"There is no allocation plan {plan_id!r}.", field="plan_id")
        view = bodies.PlanView(
            id=plan_id,
            status=plan.status,
            solver_version=plan.solver_version,
            input=plan.input,
            output=plan.output,
            proposed_at=plan.proposed_at,
            approved_at=plan.approved_at,
            version=loaded.version,
        )
        return Response(view, headers={"ETag": etag(loaded.version)})

    @post(
        "/allocation-plans/{plan_id:str}/approve",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_planner],
        summary="Approve: it becomes current",
    )
    async def approve(
        self, plan_id: PathId, handler: NamedDependency[CommandHandler], writer: NamedDependency[Writer]
    ) -> Response[bodies.Written]:
        current, _ = await current_allocation(handler)
        command = ApprovePlan(plan_id=plan_id, now=writer.now)
        return await writer.write(
            PLAN,
            plan_id,
            lambda state: decide_approval(command, state, current.state, current.version),
            written(plan_id),
            # The approval and the move of `allocation-current` commit together; a concurrent
            # approval moves that stream first and this one fails with 409.
            side_appends=lambda _: [
                (CURRENT_ALLOCATION.stream_id(CURRENT_ALLOCATION_ID), current.version, decide_current(command))
            ],
        )

    @get(
        "/allocations/current",
        responses=error_responses(401, 403),
        guards=[requires_any_role],
        summary="The approved allocation, per engineer and per project",
    )
    async def current(self, handler: NamedDependency[CommandHandler]) -> bodies.CurrentAllocation:
        current, plan = await current_allocation(handler)
        engineers: dict[str, list[bodies.AllocatedHours]] = {}
        projects: dict[str, list[bodies.AllocatedHours]] = {}
        gpus: dict[str, int] = {}
        for a in plan.output.get("assignments", []) if plan else []:
            hours = bodies.AllocatedHours(
                engineer=a["engineer"], project=a["project"], skill=a["skill"], hours=a["hours"]
            )
            engineers.setdefault(hours.engineer, []).append(hours)
            projects.setdefault(hours.project, []).append(hours)
        for g in plan.output.get("gpu_assignments", []) if plan else []:
            gpus[g["project"]] = gpus.get(g["project"], 0) + g["count"]
        return bodies.CurrentAllocation(
            plan_id=current.state.plan_id,
            engineers=[
                bodies.EngineerAllocation(engineer=e, hours=sum(x.hours for x in xs), assignments=xs)
                for e, xs in sorted(engineers.items())
            ],
            projects=[
                bodies.ProjectAllocation(project=p, hours=sum(x.hours for x in xs), gpus=gpus.get(p, 0), assignments=xs)
                for p, xs in sorted(projects.items())
            ],
        )
