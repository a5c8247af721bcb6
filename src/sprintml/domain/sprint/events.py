"""Events of a `sprint-{id}` stream: planning, commitment, the daily work and the closing ceremonies."""

import datetime as dt
from typing import Literal, get_args

import msgspec

from sprintml.domain.decider import Event, Instant

ItemStatus = Literal["todo", "in_progress", "done"]
SprintStatus = Literal["planned", "active", "closed"]


class CommittedItem(msgspec.Struct, frozen=True, kw_only=True):
    """A backlog item in the sprint, with its points as they were when it came in."""

    item_id: str
    points: int


class StandupEntry(msgspec.Struct, frozen=True, kw_only=True):
    member_id: str
    yesterday: str = ""
    today: str = ""
    blockers: list[str] = msgspec.field(default_factory=list)


class ActionItem(msgspec.Struct, frozen=True, kw_only=True):
    """A retrospective action; `owner` is free text (usually a member id, may be "team")."""

    title: str
    owner: str


class SprintPlanned(Event, frozen=True, kw_only=True):
    sprint_id: str
    team_id: str
    name: str
    goal: str
    start_date: dt.date
    end_date: dt.date
    focus_factor: float
    planned_at: Instant


class ItemsCommitted(Event, frozen=True, kw_only=True):
    """Items came into the sprint; `committed_points` is the sprint's total after this commitment."""

    items: list[CommittedItem]
    committed_points: int
    capacity_hours: float
    capacity_points: float | None = None
    over_capacity: bool
    committed_at: Instant


class SprintStarted(Event, frozen=True, kw_only=True):
    started_at: Instant


class StandupRecorded(Event, frozen=True, kw_only=True):
    """One stand-up; `impediment_ids[k]` was raised for the k-th blocker, counting entries in order."""

    date: dt.date
    entries: list[StandupEntry]
    impediment_ids: list[str] = msgspec.field(default_factory=list)
    recorded_at: Instant


class ItemProgressed(Event, frozen=True, kw_only=True):
    item_id: str
    status: ItemStatus
    remaining_points: int
    progressed_at: Instant


class ScopeChanged(Event, frozen=True, kw_only=True):
    """Items added to or removed from a planned or running sprint; totals are after the change."""

    added: list[CommittedItem] = msgspec.field(default_factory=list)
    removed_item_ids: list[str] = msgspec.field(default_factory=list)
    reason: str = ""
    committed_points: int
    over_capacity: bool
    changed_at: Instant


class SprintReviewed(Event, frozen=True, kw_only=True):
    accepted_item_ids: list[str]
    feedback: list[str] = msgspec.field(default_factory=list)
    reviewed_at: Instant


class RetrospectiveHeld(Event, frozen=True, kw_only=True):
    went_well: list[str] = msgspec.field(default_factory=list)
    to_improve: list[str] = msgspec.field(default_factory=list)
    action_items: list[ActionItem] = msgspec.field(default_factory=list)
    held_at: Instant


class SprintClosed(Event, frozen=True, kw_only=True):
    """`velocity` = points of the done items; the carried-over items return to the backlog."""

    velocity: int
    committed_points: int
    completed_item_ids: list[str]
    carried_over_item_ids: list[str]
    closed_at: Instant


SprintEvent = (
    SprintPlanned
    | ItemsCommitted
    | SprintStarted
    | StandupRecorded
    | ItemProgressed
    | ScopeChanged
    | SprintReviewed
    | RetrospectiveHeld
    | SprintClosed
)

EVENT_TYPES: tuple[type, ...] = get_args(SprintEvent)
