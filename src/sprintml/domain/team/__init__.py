"""The `team-{id}` stream category: roster, skills, time off and Slack webhook."""

from sprintml.domain.team.commands import (
    AddMember,
    CancelTimeOff,
    ChangeMemberSkills,
    CreateTeam,
    RegisterSlackWebhook,
    RemoveMember,
    ScheduleTimeOff,
    TeamCommand,
)
from sprintml.domain.team.decide import decide
from sprintml.domain.team.events import (
    EVENT_TYPES,
    MemberJoined,
    MemberLeft,
    MemberSkillsChanged,
    SlackWebhookRegistered,
    TeamCreated,
    TeamEvent,
    TimeOffCancelled,
    TimeOffScheduled,
)
from sprintml.domain.team.evolve import evolve, fold
from sprintml.domain.team.state import Member, TeamState, TimeOff, initial_state

__all__ = [
    "EVENT_TYPES",
    "AddMember",
    "CancelTimeOff",
    "ChangeMemberSkills",
    "CreateTeam",
    "Member",
    "MemberJoined",
    "MemberLeft",
    "MemberSkillsChanged",
    "RegisterSlackWebhook",
    "RemoveMember",
    "ScheduleTimeOff",
    "SlackWebhookRegistered",
    "TeamCommand",
    "TeamCreated",
    "TeamEvent",
    "TeamState",
    "TimeOff",
    "TimeOffCancelled",
    "TimeOffScheduled",
    "decide",
    "evolve",
    "fold",
    "initial_state",
]
