"""How each team event changes the team's state."""

from collections.abc import Iterable
from typing import assert_never

import msgspec

from sprintml.domain import decider
from sprintml.domain.team.events import (
    MemberJoined,
    MemberLeft,
    MemberSkillsChanged,
    SlackWebhookRegistered,
    TeamCreated,
    TeamEvent,
    TimeOffCancelled,
    TimeOffScheduled,
)
from sprintml.domain.team.state import Member, TeamState, TimeOff, initial_state


def evolve(state: TeamState, event: TeamEvent) -> TeamState:
    """Apply one event; events are facts, so this never raises."""
    match event:
        case TeamCreated():
            return msgspec.structs.replace(
                state, exists=True, team_id=event.team_id, name=event.name, created_at=event.created_at
            )
        case MemberJoined():
            member = Member(
                member_id=event.member_id,
                name=event.name,
                role=event.role,
                skills=dict(event.skills),
                hours_per_day=event.hours_per_day,
                slack_user_id=event.slack_user_id,
                joined_at=event.joined_at,
            )
            return msgspec.structs.replace(state, members={**state.members, event.member_id: member})
        case MemberLeft():
            members = {k: v for k, v in state.members.items() if k != event.member_id}
            time_off = {k: v for k, v in state.time_off.items() if v.member_id != event.member_id}
            return msgspec.structs.replace(state, members=members, time_off=time_off)
        case MemberSkillsChanged():
            current = state.members.get(event.member_id)
            if current is None:
                return state
            changed = msgspec.structs.replace(current, skills=dict(event.skills))
            return msgspec.structs.replace(state, members={**state.members, event.member_id: changed})
        case TimeOffScheduled():
            scheduled = TimeOff(
                time_off_id=event.time_off_id, member_id=event.member_id, start=event.start, end=event.end
            )
            return msgspec.structs.replace(state, time_off={**state.time_off, event.time_off_id: scheduled})
        case TimeOffCancelled():
            remaining = {k: v for k, v in state.time_off.items() if k != event.time_off_id}
            return msgspec.structs.replace(state, time_off=remaining)
        case SlackWebhookRegistered():
            return msgspec.structs.replace(state, slack_webhook_url=event.webhook_url)
        case _:
            assert_never(event)


def fold(events: Iterable[TeamEvent]) -> TeamState:
    """The state of a team after `events`, from the start of its stream."""
    return decider.fold(evolve, initial_state(), events)
