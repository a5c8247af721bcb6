"""Allocation plan decider: given events, when a command, then events (or an error)."""

from datetime import UTC, datetime

import pytest

from sprintml.domain.allocation import (
    AllocationPlanApproved,
    AllocationPlanProposed,
    ApprovePlan,
    CurrentPlanChanged,
    PlanState,
    ProposePlan,
    decide_approval,
    decide_current,
    decide_proposal,
    evolve_current,
    evolve_plan,
    initial_current,
    initial_plan,
)
from sprintml.domain.decider import Event, fold
from sprintml.domain.errors import NotFound, RuleViolated

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def proposed(plan_id: str, based_on_version: int = 0) -> AllocationPlanProposed:
    return AllocationPlanProposed(
        plan_id=plan_id,
        input={"engineers": []},
        output={"status": "OPTIMAL"},
        solver_version="test",
        based_on_version=based_on_version,
        proposed_at=NOW,
    )


def plan(*events: Event) -> PlanState:
    return fold(evolve_plan, initial_plan(), events)


def test_a_proposal_records_its_input_output_and_the_current_version_it_was_solved_against() -> None:
    command = ProposePlan(
        plan_id="p1",
        input={"engineers": []},
        output={"status": "OPTIMAL"},
        solver_version="test",
        based_on_version=3,
        now=NOW,
    )
    assert decide_proposal(command, initial_plan()) == [proposed("p1", 3)]


def test_a_plan_id_is_proposed_once() -> None:
    command = ProposePlan(plan_id="p1", input={}, output={}, solver_version="test", based_on_version=0, now=NOW)
    with pytest.raises(RuleViolated):
        decide_proposal(command, plan(proposed("p1")))


def test_a_plan_solved_against_the_current_version_is_approved() -> None:
    events = decide_approval(ApprovePlan(plan_id="p1", now=NOW), plan(proposed("p1", 0)), initial_current(), 0)
    assert events == [AllocationPlanApproved(plan_id="p1", approved_at=NOW)]
    assert decide_current(ApprovePlan(plan_id="p1", now=NOW)) == [CurrentPlanChanged(plan_id="p1", changed_at=NOW)]


def test_a_plan_is_approved_at_most_once() -> None:
    approved = plan(proposed("p1"), AllocationPlanApproved(plan_id="p1", approved_at=NOW))
    with pytest.raises(RuleViolated, match="at most once"):
        decide_approval(ApprovePlan(plan_id="p1", now=NOW), approved, initial_current(), 0)


def test_a_plan_proposed_before_another_approval_is_stale() -> None:
    current = fold(evolve_current, initial_current(), [CurrentPlanChanged(plan_id="p0", changed_at=NOW)])
    with pytest.raises(RuleViolated, match="re-solve"):
        decide_approval(ApprovePlan(plan_id="p1", now=NOW), plan(proposed("p1", 0)), current, 1)
    assert current.plan_id == "p0"


def test_an_unknown_plan_cannot_be_approved() -> None:
    with pytest.raises(NotFound):
        decide_approval(ApprovePlan(plan_id="nope", now=NOW), initial_plan(), initial_current(), 0)
