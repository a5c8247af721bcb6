"""The team roster's rows: the team, and each member with skills, hours per day and time off."""

from typing import Any, Final

from sprintml.domain.decider import Event
from sprintml.domain.team import (
    EVENT_TYPES,
    MemberJoined,
    MemberLeft,
    MemberSkillsChanged,
    SlackWebhookRegistered,
    TeamCreated,
    TimeOffCancelled,
    TimeOffScheduled,
)
from sprintml.projections.projection import Envelope
from sprintml.projections.registry import entity_id
from sprintml.projections.rows import Rows, Table

TEAMS: Final = Table(
    name="rm_teams",
    columns=(
        ("team_id", "text"),
        ("name", "text"),
        ("created_at", "timestamptz"),
        ("slack_webhook_url", "text"),
        ("version", "bigint"),
    ),
    key=("team_id",),
)

MEMBERS: Final = Table(
    name="rm_team_members",
    columns=(
        ("team_id", "text"),
        ("member_id", "text"),
        ("name", "text"),
        ("role", "text"),
        ("skills", "jsonb"),
        ("hours_per_day", "double precision"),
        ("slack_user_id", "text"),
        ("joined_at", "timestamptz"),
        ("left_at", "timestamptz"),
        ("time_off", "jsonb"),
        ("joined_position", "bigint"),
    ),
    key=("team_id", "member_id"),
)


class TeamRoster:
    name = "team_roster"
    tables = (TEAMS, MEMBERS)
    handles = frozenset(cls.__name__ for cls in EVENT_TYPES)

    def need(self, event: Event, recorded: Envelope, rows: Rows) -> None:
        team_id = entity_id(recorded.stream_id)
        rows.need(TEAMS, (team_id,))
        member_id = getattr(event, "member_id", None)
        if member_id is not None:
            rows.need(MEMBERS, (team_id, member_id))

    def apply(self, event: Event, recorded: Envelope, rows: Rows) -> None:
        team_id = entity_id(recorded.stream_id)
        if isinstance(event, TeamCreated):
            rows.put(
                TEAMS,
                {
                    "team_id": team_id,
                    "name": event.name,
                    "created_at": event.created_at,
                    "slack_webhook_url": None,
                    "version": recorded.version,
                },
            )
            return
        team = rows.get(TEAMS, (team_id,))
        if team is None:
            return  # an event of a team never created: nothing to show
        team["version"] = recorded.version
        rows.put(TEAMS, team)
        match event:
            case MemberJoined():
                rows.put(MEMBERS, _joined(team_id, event, recorded.position))
            case SlackWebhookRegistered():
                team["slack_webhook_url"] = event.webhook_url
            case MemberLeft() | MemberSkillsChanged() | TimeOffScheduled() | TimeOffCancelled():
                member = rows.get(MEMBERS, (team_id, event.member_id))
                if member is not None:
                    _change_member(member, event)
                    rows.put(MEMBERS, member)


def _joined(team_id: str, event: MemberJoined, position: int) -> dict[str, Any]:
    # A member who left and joins again starts afresh, as in the team's own state.
    return {
        "team_id": team_id,
        "member_id": event.member_id,
        "name": event.name,
        "role": event.role,
        "skills": dict(event.skills),
        "hours_per_day": event.hours_per_day,
        "slack_user_id": event.slack_user_id,
        "joined_at": event.joined_at,
        "left_at": None,
        "time_off": [],
        "joined_position": position,
    }


def _change_member(
    member: dict[str, Any], event: MemberLeft | MemberSkillsChanged | TimeOffScheduled | TimeOffCancelled
) -> None:
    match event:
        case MemberLeft():
            member["left_at"] = event.left_at
        case MemberSkillsChanged():
            member["skills"] = dict(event.skills)
        case TimeOffScheduled():
            kept = [entry for entry in member["time_off"] if entry["time_off_id"] != event.time_off_id]
            # Dates as ISO text: the same value whether the row was just built or loaded from jsonb.
            entry = {"time_off_id": event.time_off_id, "start": event.start.isoformat(), "end": event.end.isoformat()}
            member["time_off"] = [*kept, entry]
        case TimeOffCancelled():
            member["time_off"] = [entry for entry in member["time_off"] if entry["time_off_id"] != event.time_off_id]
