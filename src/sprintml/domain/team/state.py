"""The state of one team as its decider needs it: current members and scheduled time off."""

from datetime import date, datetime

import msgspec


class Member(msgspec.Struct, frozen=True, kw_only=True):
    member_id: str
    name: str
    role: str
    skills: dict[str, int]
    hours_per_day: float
    slack_user_id: str | None
    joined_at: datetime


class TimeOff(msgspec.Struct, frozen=True, kw_only=True):
    time_off_id: str
    member_id: str
    start: date
    end: date


class TeamState(msgspec.Struct, frozen=True, kw_only=True):
    """Never mutated: `evolve` returns a new state with copied collections."""

    exists: bool = False
    team_id: str = ""
    name: str = ""
    created_at: datetime | None = None
    members: dict[str, Member] = msgspec.field(default_factory=dict)
    time_off: dict[str, TimeOff] = msgspec.field(default_factory=dict)
    slack_webhook_url: str | None = None


def initial_state() -> TeamState:
    """The state of a team stream with no events."""
    return TeamState()
