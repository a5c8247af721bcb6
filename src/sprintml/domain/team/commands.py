"""Commands on a `team-{id}` stream, one per thing a scrum master or member asks for."""

from datetime import date, datetime

from sprintml.domain.decider import Command


class CreateTeam(Command, frozen=True, kw_only=True):
    team_id: str
    name: str
    now: datetime


class AddMember(Command, frozen=True, kw_only=True):
    team_id: str
    member_id: str
    name: str
    role: str
    skills: dict[str, int]
    hours_per_day: float
    slack_user_id: str | None = None
    now: datetime


class RemoveMember(Command, frozen=True, kw_only=True):
    team_id: str
    member_id: str
    now: datetime


class ChangeMemberSkills(Command, frozen=True, kw_only=True):
    team_id: str
    member_id: str
    skills: dict[str, int]
    now: datetime


class ScheduleTimeOff(Command, frozen=True, kw_only=True):
    """`time_off_id` is new, chosen by the application layer; `start` and `end` are inclusive."""

    team_id: str
    time_off_id: str
    member_id: str
    start: date
    end: date
    now: datetime


class CancelTimeOff(Command, frozen=True, kw_only=True):
    team_id: str
    time_off_id: str
    now: datetime


class RegisterSlackWebhook(Command, frozen=True, kw_only=True):
    team_id: str
    webhook_url: str
    now: datetime


TeamCommand = (
    CreateTeam | AddMember | RemoveMember | ChangeMemberSkills | ScheduleTimeOff | CancelTimeOff | RegisterSlackWebhook
)
