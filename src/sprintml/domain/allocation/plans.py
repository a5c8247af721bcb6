"""Allocation plans as events: a plan is approved at most once, and only if its inputs are still the latest.

"The latest inputs" is tracked by the `allocation-current` stream: every approval appends
`CurrentPlanChanged` there. A plan remembers that stream's version when it was proposed; it
can be approved only while that version is unchanged — otherwise another plan was approved
since, this plan was solved from stale `current` hours, and the planner must re-solve (409).
"""

from datetime import datetime
from typing import Any, Literal

import msgspec

from sprintml.domain.decider import Command, Event, Instant
from sprintml.domain.errors import NotFound, RuleViolated

CURRENT_ALLOCATION_ID = "current"
PlanStatus = Literal["proposed", "approved", "rejected"]


class AllocationPlanProposed(Event, frozen=True, kw_only=True):
    plan_id: str
    input: dict[str, Any]
    output: dict[str, Any]
    solver_version: str
    based_on_version: int
    """The version of `allocation-current` the plan was solved against."""
    proposed_at: Instant


class AllocationPlanApproved(Event, frozen=True, kw_only=True):
    plan_id: str
    approved_at: Instant


class AllocationPlanRejected(Event, frozen=True, kw_only=True):
    plan_id: str
    reason: str = ""
    rejected_at: Instant


class CurrentPlanChanged(Event, frozen=True, kw_only=True):
    plan_id: str
    changed_at: Instant


EVENT_TYPES: tuple[type[Event], ...] = (
    AllocationPlanProposed,
    AllocationPlanApproved,
    AllocationPlanRejected,
    CurrentPlanChanged,
)


class ProposePlan(Command, frozen=True, kw_only=True):
    plan_id: str
    input: dict[str, Any]
    output: dict[str, Any]
    solver_version: str
    based_on_version: int
    now: datetime


class ApprovePlan(Command, frozen=True, kw_only=True):
    plan_id: str
    now: datetime


class PlanState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    plan_id: str = ""
    status: PlanStatus = "proposed"
    input: dict[str, Any] = msgspec.field(default_factory=dict)
    output: dict[str, Any] = msgspec.field(default_factory=dict)
    solver_version: str = ""
    based_on_version: int = 0
    proposed_at: datetime | None = None
    approved_at: datetime | None = None


class CurrentAllocationState(msgspec.Struct, frozen=True, kw_only=True):
    plan_id: str | None = None


def initial_plan() -> PlanState:
    return PlanState()


def initial_current() -> CurrentAllocationState:
    return CurrentAllocationState()


def evolve_plan(state: PlanState, event: Event) -> PlanState:
    match event:
        case AllocationPlanProposed():
            return PlanState(
                exists=True,
                plan_id=event.plan_id,
                input=event.input,
                output=event.output,
                solver_version=event.solver_version,
                based_on_version=event.based_on_version,
                proposed_at=event.proposed_at,
            )
        case AllocationPlanApproved():
            return msgspec.structs.replace(state, status="approved", approved_at=event.approved_at)
        case AllocationPlanRejected():
            return msgspec.structs.replace(state, status="rejected")
    return state


def evolve_current(state: CurrentAllocationState, event: Event) -> CurrentAllocationState:
    if isinstance(event, CurrentPlanChanged):
        return CurrentAllocationState(plan_id=event.plan_id)
    return state


def decide_proposal(command: ProposePlan, state: PlanState) -> list[Event]:
    if state.exists:
        raise RuleViolated(f"Plan {command.plan_id!r} exists already.", field="plan_id")
    return [
        AllocationPlanProposed(
            plan_id=command.plan_id,
            input=command.input,
            output=command.output,
            solver_version=command.solver_version,
            based_on_version=command.based_on_version,
            proposed_at=command.now,
        )
    ]


def decide_approval(
    command: ApprovePlan, state: PlanState, current: CurrentAllocationState, current_version: int
) -> list[Event]:
    """`current_version`: the version of the `allocation-current` stream now."""
    if not state.exists:
        raise NotFound(f"There is no allocation plan {command.plan_id!r}.", field="plan_id")
    if state.status != "proposed":
        raise RuleViolated(f"Plan {command.plan_id!r} is {state.status} already; a plan is approved at most once.")
    if current_version != state.based_on_version:
        raise RuleViolated(
            f"Another plan ({current.plan_id}) was approved after plan {command.plan_id!r} was proposed: "
            "its inputs are stale, re-solve."
        )
    return [AllocationPlanApproved(plan_id=command.plan_id, approved_at=command.now)]


def decide_current(command: ApprovePlan) -> list[Event]:
    return [CurrentPlanChanged(plan_id=command.plan_id, changed_at=command.now)]
