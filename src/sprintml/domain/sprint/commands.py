"""Commands on a `sprint-{id}` stream; facts from other streams (points, capacity, members) come in them."""

import datetime as dt

import msgspec

from sprintml.domain.decider import Command
from sprintml.domain.sprint.events import ActionItem, CommittedItem, ItemStatus, StandupEntry

DEFAULT_FOCUS_FACTOR = 0.8


class PlanSprint(Command, frozen=True, kw_only=True):
    sprint_id: str
    team_id: str
    name: str
    goal: str = ""
    start_date: dt.date
    end_date: dt.date
    focus_factor: float = DEFAULT_FOCUS_FACTOR
    now: dt.datetime


class CommitItems(Command, frozen=True, kw_only=True):
    """`capacity_points` is None when the team has no velocity history yet (then nothing is flagged)."""

    sprint_id: str
    items: list[CommittedItem]
    capacity_hours: float
    capacity_points: float | None = None
    now: dt.datetime


class StartSprint(Command, frozen=True, kw_only=True):
    sprint_id: str
    now: dt.datetime


class RecordStandup(Command, frozen=True, kw_only=True):
    """`impediment_ids`: one new id per blocker, in entry order; `team_member_ids`: the current roster."""

    sprint_id: str
    date: dt.date
    entries: list[StandupEntry]
    impediment_ids: list[str] = msgspec.field(default_factory=list)
    team_member_ids: frozenset[str]
    now: dt.datetime


class ProgressItem(Command, frozen=True, kw_only=True):
    """`remaining_points` None: done → 0, todo → all points, in progress → unchanged."""

    sprint_id: str
    item_id: str
    status: ItemStatus
    remaining_points: int | None = None
    now: dt.datetime


class ChangeScope(Command, frozen=True, kw_only=True):
    sprint_id: str
    add: list[CommittedItem] = msgspec.field(default_factory=list)
    remove: list[str] = msgspec.field(default_factory=list)
    reason: str = ""
    now: dt.datetime


class ReviewSprint(Command, frozen=True, kw_only=True):
    sprint_id: str
    accepted_item_ids: list[str]
    feedback: list[str] = msgspec.field(default_factory=list)
    now: dt.datetime


class HoldRetrospective(Command, frozen=True, kw_only=True):
    sprint_id: str
    went_well: list[str] = msgspec.field(default_factory=list)
    to_improve: list[str] = msgspec.field(default_factory=list)
    action_items: list[ActionItem] = msgspec.field(default_factory=list)
    now: dt.datetime


class CloseSprint(Command, frozen=True, kw_only=True):
    sprint_id: str
    now: dt.datetime


SprintCommand = (
    PlanSprint
    | CommitItems
    | StartSprint
    | RecordStandup
    | ProgressItem
    | ChangeScope
    | ReviewSprint
    | HoldRetrospective
    | CloseSprint
)
