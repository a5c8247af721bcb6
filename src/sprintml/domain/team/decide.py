"""The team decider: who is on the team, their skills, hours and time off, and the Slack webhook.

Rules decided here where the spec is silent:
- `hours_per_day` is between 0 and 24 inclusive (0 suits e.g. a product owner outside capacity).
- Skill levels are 1 to 5; skill names must not be blank. A skills change replaces the whole map.
- A member id is unique among current members; one who left may join again (a new MemberJoined).
- A Slack user id belongs to at most one current member, so Slack requests map to one person.
- Time off of one member may not overlap their other scheduled time off (capacity would count it twice).
- When a member leaves, their time off is dropped from the state; a re-join starts with none.
- The webhook must be an https URL on hooks.slack.com: the server will POST to it.
"""

from typing import assert_never
from urllib.parse import urlsplit

from sprintml.domain.decider import require_aware, require_text
from sprintml.domain.errors import InvalidCommand, NotFound, RuleViolated
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
from sprintml.domain.team.state import Member, TeamState

SKILL_LEVELS = range(1, 6)
MAX_HOURS_PER_DAY = 24.0
SLACK_WEBHOOK_HOST = "hooks.slack.com"


def decide(command: TeamCommand, state: TeamState) -> list[TeamEvent]:
    """Return the events that `command` causes, or raise a DomainError and cause nothing."""
    require_aware(command.now)
    match command:
        case CreateTeam():
            return _create(command, state)
        case AddMember():
            return _add_member(command, _existing(state, command.team_id))
        case RemoveMember():
            return _remove_member(command, _existing(state, command.team_id))
        case ChangeMemberSkills():
            return _change_skills(command, _existing(state, command.team_id))
        case ScheduleTimeOff():
            return _schedule_time_off(command, _existing(state, command.team_id))
        case CancelTimeOff():
            return _cancel_time_off(command, _existing(state, command.team_id))
        case RegisterSlackWebhook():
            return _register_webhook(command, _existing(state, command.team_id))
        case _:
            assert_never(command)


def _existing(state: TeamState, team_id: str) -> TeamState:
    if not state.exists:
        raise NotFound(f"There is no team '{team_id}'.", field="team_id")
    return state


def _create(command: CreateTeam, state: TeamState) -> list[TeamEvent]:
    if state.exists:
        raise RuleViolated(f"A team '{command.team_id}' already exists.", field="id")
    require_text(command.team_id, "id", "The team id")
    require_text(command.name, "name", "The team name")
    return [TeamCreated(team_id=command.team_id, name=command.name.strip(), created_at=command.now)]


def _add_member(command: AddMember, state: TeamState) -> list[TeamEvent]:
    require_text(command.member_id, "member_id", "The member id")
    require_text(command.name, "name", "The member's name")
    require_text(command.role, "role", "The member's role")
    _check_skills(command.skills)
    if not 0 <= command.hours_per_day <= MAX_HOURS_PER_DAY:
        raise InvalidCommand(
            f"Hours per day must be between 0 and 24, not {command.hours_per_day:g}.", field="hours_per_day"
        )
    if command.member_id in state.members:
        raise RuleViolated(f"{command.member_id} is already a member of this team.", field="member_id")
    if command.slack_user_id is not None:
        require_text(command.slack_user_id, "slack_user_id", "The Slack user id")
        for other in state.members.values():
            if other.slack_user_id == command.slack_user_id:
                raise RuleViolated(
                    f"Slack user {command.slack_user_id} is already linked to member {other.member_id}.",
                    field="slack_user_id",
                )
    return [
        MemberJoined(
            member_id=command.member_id,
            name=command.name.strip(),
            role=command.role.strip(),
            skills=dict(command.skills),
            hours_per_day=command.hours_per_day,
            slack_user_id=command.slack_user_id,
            joined_at=command.now,
        )
    ]


def _remove_member(command: RemoveMember, state: TeamState) -> list[TeamEvent]:
    _member(state, command.member_id)
    return [MemberLeft(member_id=command.member_id, left_at=command.now)]


def _change_skills(command: ChangeMemberSkills, state: TeamState) -> list[TeamEvent]:
    _member(state, command.member_id)
    _check_skills(command.skills)
    return [MemberSkillsChanged(member_id=command.member_id, skills=dict(command.skills), changed_at=command.now)]


def _schedule_time_off(command: ScheduleTimeOff, state: TeamState) -> list[TeamEvent]:
    if command.member_id not in state.members:
        raise InvalidCommand(f"{command.member_id} is not a member of this team.", field="member_id")
    if command.end < command.start:
        raise InvalidCommand(f"Time off cannot end ({command.end}) before it starts ({command.start}).", field="end")
    if command.time_off_id in state.time_off:
        raise RuleViolated(f"Time off '{command.time_off_id}' is already scheduled.", field="time_off_id")
    for other in state.time_off.values():
        if other.member_id == command.member_id and other.start <= command.end and command.start <= other.end:
            raise RuleViolated(
                f"{command.member_id} already has time off from {other.start} to {other.end}; "
                "cancel it or pick other dates.",
                field="start",
            )
    return [
        TimeOffScheduled(
            time_off_id=command.time_off_id,
            member_id=command.member_id,
            start=command.start,
            end=command.end,
            scheduled_at=command.now,
        )
    ]


def _cancel_time_off(command: CancelTimeOff, state: TeamState) -> list[TeamEvent]:
    time_off = state.time_off.get(command.time_off_id)
    if time_off is None:
        raise NotFound(f"There is no scheduled time off '{command.time_off_id}'.", field="time_off_id")
    return [TimeOffCancelled(time_off_id=command.time_off_id, member_id=time_off.member_id, cancelled_at=command.now)]


def _register_webhook(command: RegisterSlackWebhook, state: TeamState) -> list[TeamEvent]:
    url = command.webhook_url.strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname != SLACK_WEBHOOK_HOST or not parts.path.strip("/"):
        raise InvalidCommand("A Slack webhook URL looks like https://hooks.slack.com/services/…", field="webhook_url")
    return [SlackWebhookRegistered(webhook_url=url, registered_at=command.now)]


def _member(state: TeamState, member_id: str) -> Member:
    member = state.members.get(member_id)
    if member is None:
        raise NotFound(f"{member_id} is not a member of this team.", field="member_id")
    return member


def _check_skills(skills: dict[str, int]) -> None:
    for skill, level in skills.items():
        if not skill.strip():
            raise InvalidCommand("A skill needs a name.", field="skills")
        if level not in SKILL_LEVELS:
            raise InvalidCommand(
                f"Skill level for '{skill}' must be from 1 to 5, not {level}.", field=f"skills.{skill}"
            )
