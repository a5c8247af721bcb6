"""Events of a `team-{id}` stream: the roster, time off and the team's Slack webhook."""

from datetime import date
from typing import get_args

from sprintml.domain.decider import Event, Instant


class TeamCreated(Event, frozen=True, kw_only=True):
    team_id: str
    name: str
    created_at: Instant


class MemberJoined(Event, frozen=True, kw_only=True):
    """A person joined; `role` is a free-text job role such as "ml_engineer", not an access role."""

    member_id: str
    name: str
    role: str
    skills: dict[str, int]
    hours_per_day: float
    slack_user_id: str | None = None
    joined_at: Instant


class MemberLeft(Event, frozen=True, kw_only=True):
    """A member left; their scheduled time off stops counting with them."""

    member_id: str
    left_at: Instant


class MemberSkillsChanged(Event, frozen=True, kw_only=True):
    """The member's skills were replaced by `skills` (the whole map, not a patch)."""

    member_id: str
    skills: dict[str, int]
    changed_at: Instant


class TimeOffScheduled(Event, frozen=True, kw_only=True):
    """Time off from `start` to `end`, both dates inclusive."""

    time_off_id: str
    member_id: str
    start: date
    end: date
    scheduled_at: Instant


class TimeOffCancelled(Event, frozen=True, kw_only=True):
    time_off_id: str
    member_id: str
    cancelled_at: Instant


class SlackWebhookRegistered(Event, frozen=True, kw_only=True):
    """The team's Slack incoming-webhook URL; a later registration replaces it."""

    webhook_url: str
    registered_at: Instant


TeamEvent = (
    TeamCreated
    | MemberJoined
    | MemberLeft
    | MemberSkillsChanged
    | TimeOffScheduled
    | TimeOffCancelled
    | SlackWebhookRegistered
)

EVENT_TYPES: tuple[type, ...] = get_args(TeamEvent)
