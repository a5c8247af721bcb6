"""The impediment decider: open → acknowledged → escalated → resolved, and reopened back to open.

Rules decided here where the spec is silent:
- Acknowledge only an open impediment (once per opening).
- Escalate an open or acknowledged impediment, once per opening.
- Resolve an open, acknowledged or escalated impediment; resolving a resolved one is refused
  until it is reopened. The resolution text may be empty.
- Reopen only a resolved impediment; it becomes open again and its acknowledgement and
  escalation start over.
- A raise needs a non-blank title; severity defaults to medium and source to api. Blocked ids are
  not checked here (the application knows the backlog and roster), only for blanks and repeats.
"""

from typing import assert_never

from sprintml.domain.decider import require_aware, require_text
from sprintml.domain.errors import InvalidCommand, NotFound, RuleViolated
from sprintml.domain.impediment.commands import (
    AcknowledgeImpediment,
    EscalateImpediment,
    ImpedimentCommand,
    RaiseImpediment,
    ReopenImpediment,
    ResolveImpediment,
)
from sprintml.domain.impediment.events import (
    ImpedimentAcknowledged,
    ImpedimentEscalated,
    ImpedimentEvent,
    ImpedimentRaised,
    ImpedimentReopened,
    ImpedimentResolved,
)
from sprintml.domain.impediment.state import ImpedimentState


def decide(command: ImpedimentCommand, state: ImpedimentState) -> list[ImpedimentEvent]:
    """Return the events that `command` causes, or raise a DomainError and cause nothing."""
    require_aware(command.now)
    match command:
        case RaiseImpediment():
            return _raise(command, state)
        case AcknowledgeImpediment():
            state = _existing(state, command.impediment_id)
            if state.status != "open":
                raise RuleViolated(f"Only an open impediment can be acknowledged; this one is {state.status}.")
            return [ImpedimentAcknowledged(acknowledged_at=command.now)]
        case EscalateImpediment():
            state = _existing(state, command.impediment_id)
            if state.status not in ("open", "acknowledged"):
                raise RuleViolated(
                    f"Only an open or acknowledged impediment can be escalated; this one is {state.status}."
                )
            return [ImpedimentEscalated(reason=command.reason.strip(), escalated_at=command.now)]
        case ResolveImpediment():
            state = _existing(state, command.impediment_id)
            if state.status == "resolved":
                raise RuleViolated("This impediment is already resolved; reopen it first if it is back.")
            return [ImpedimentResolved(resolution=command.resolution.strip(), resolved_at=command.now)]
        case ReopenImpediment():
            state = _existing(state, command.impediment_id)
            if state.status != "resolved":
                raise RuleViolated(f"Only a resolved impediment can be reopened; this one is {state.status}.")
            return [ImpedimentReopened(reason=command.reason.strip(), reopened_at=command.now)]
        case _:
            assert_never(command)


def _existing(state: ImpedimentState, impediment_id: str) -> ImpedimentState:
    if not state.exists:
        raise NotFound(f"There is no impediment '{impediment_id}'.", field="impediment_id")
    return state


def _raise(command: RaiseImpediment, state: ImpedimentState) -> list[ImpedimentEvent]:
    if state.exists:
        raise RuleViolated(f"An impediment '{command.impediment_id}' already exists.", field="impediment_id")
    require_text(command.impediment_id, "impediment_id", "The impediment id")
    require_text(command.team_id, "team_id", "The team id")
    require_text(command.title, "title", "The impediment's title")
    _check_ids(command.blocked_item_ids, "blocked_item_ids")
    _check_ids(command.blocked_member_ids, "blocked_member_ids")
    return [
        ImpedimentRaised(
            impediment_id=command.impediment_id,
            team_id=command.team_id,
            title=command.title.strip(),
            severity=command.severity,
            source=command.source,
            blocked_item_ids=list(command.blocked_item_ids),
            blocked_member_ids=list(command.blocked_member_ids),
            description=command.description.strip(),
            sprint_id=command.sprint_id,
            raised_at=command.now,
        )
    ]


def _check_ids(ids: list[str], field: str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(ids):
        require_text(value, f"{field}[{i}]", "An id")
        if value in seen:
            raise InvalidCommand(f"{value} is listed twice.", field=f"{field}[{i}]")
        seen.add(value)
