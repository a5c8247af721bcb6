"""Request and response bodies of the HTTP API: msgspec Structs, snake_case as api.md fixes them.

Inbound bodies forbid unknown fields; every constraint here shows in the OpenAPI document and
in `schemas/`, and msgspec reports a violation with the offending field's path.
"""

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
# Postgres cannot store NUL in text: refuse it at the door, with the field's path.
_NO_NUL = r"^[^\x00]*$"

EntityId = Annotated[str, msgspec.Meta(pattern=ID_PATTERN, description="[A-Za-z0-9_-]{1,64}", examples=["platform"])]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=_NO_NUL)]
Text = Annotated[str, msgspec.Meta(max_length=4000, pattern=_NO_NUL)]
Line = Annotated[str, msgspec.Meta(min_length=1, max_length=1000, pattern=_NO_NUL)]
SkillName = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.+-]+$")]
SkillLevel = Annotated[int, msgspec.Meta(ge=1, le=5)]
Points = Annotated[int, msgspec.Meta(ge=0, le=1000)]
Severity = Literal["low", "medium", "high", "critical"]
ItemKind = Literal["story", "bug", "experiment", "chore"]
ItemStatus = Literal["todo", "in_progress", "done"]


class Body(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every request body."""


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every response body."""


# -- requests -------------------------------------------------------------------------------


class CreateTeam(Body, frozen=True, kw_only=True):
    id: EntityId | None = None
    name: Name


class AddMember(Body, frozen=True, kw_only=True):
    member_id: EntityId
    name: Name
    role: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_NO_NUL, examples=["ml_engineer"])]
    skills: dict[SkillName, SkillLevel] = msgspec.field(default_factory=dict)
    hours_per_day: Annotated[float, msgspec.Meta(ge=0, le=24)]
    slack_user_id: Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]{2,32}$")] | None = None


class ScheduleTimeOff(Body, frozen=True, kw_only=True):
    member_id: EntityId
    start: dt.date
    end: dt.date


class RegisterSlackWebhook(Body, frozen=True, kw_only=True):
    webhook_url: Annotated[str, msgspec.Meta(max_length=500, pattern=r"^https://hooks\.slack\.com/[A-Za-z0-9/_-]+$")]


class AddBacklogItem(Body, frozen=True, kw_only=True):
    item_id: EntityId | None = None
    title: Name
    kind: ItemKind = "story"
    points: Points | None = None
    gpu_hours: Annotated[float, msgspec.Meta(ge=0, le=1_000_000)] | None = None
    description: Text = ""
    priority: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] | None = None


class Estimate(Body, frozen=True, kw_only=True):
    votes: Annotated[dict[EntityId, Points], msgspec.Meta(min_length=1, max_length=100)]


class PlanSprint(Body, frozen=True, kw_only=True):
    sprint_id: EntityId | None = None
    name: Name
    goal: Text = ""
    start_date: dt.date
    end_date: dt.date
    focus_factor: Annotated[float, msgspec.Meta(gt=0, le=1)] = 0.8


class Commit(Body, frozen=True, kw_only=True):
    item_ids: Annotated[list[EntityId], msgspec.Meta(min_length=1, max_length=500)]


class StandupEntry(Body, frozen=True, kw_only=True):
    member_id: EntityId
    yesterday: Text = ""
    today: Text = ""
    blockers: Annotated[list[Line], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)


class RecordStandup(Body, frozen=True, kw_only=True):
    date: dt.date
    entries: Annotated[list[StandupEntry], msgspec.Meta(min_length=1, max_length=200)]


class Progress(Body, frozen=True, kw_only=True):
    status: ItemStatus
    remaining_points: Points | None = None


class ChangeScope(Body, frozen=True, kw_only=True):
    add: Annotated[list[EntityId], msgspec.Meta(max_length=500)] = msgspec.field(default_factory=list)
    remove: Annotated[list[EntityId], msgspec.Meta(max_length=500)] = msgspec.field(default_factory=list)


class Review(Body, frozen=True, kw_only=True):
    accepted_item_ids: Annotated[list[EntityId], msgspec.Meta(max_length=500)]
    feedback: Annotated[list[Line], msgspec.Meta(max_length=200)] = msgspec.field(default_factory=list)


class ActionItem(Body, frozen=True, kw_only=True):
    title: Line
    owner: EntityId


class Retrospective(Body, frozen=True, kw_only=True):
    went_well: Annotated[list[Line], msgspec.Meta(max_length=200)] = msgspec.field(default_factory=list)
    to_improve: Annotated[list[Line], msgspec.Meta(max_length=200)] = msgspec.field(default_factory=list)
    action_items: Annotated[list[ActionItem], msgspec.Meta(max_length=200)] = msgspec.field(default_factory=list)


class RaiseImpediment(Body, frozen=True, kw_only=True):
    impediment_id: EntityId | None = None
    title: Name
    severity: Severity = "medium"
    blocked_item_ids: Annotated[list[EntityId], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)
    description: Text = ""


class Reason(Body, frozen=True, kw_only=True):
    """Optional words for escalate and reopen."""

    reason: Text = ""


class Resolve(Body, frozen=True, kw_only=True):
    resolution: Text = ""


# -- responses ------------------------------------------------------------------------------


class Written(Reply, frozen=True, kw_only=True):
    """Every write answers with the entity's id, the stream's new version and its global position."""

    id: str
    version: int
    position: int


class Committed(Written, frozen=True, kw_only=True):
    committed_points: int
    capacity_hours: float
    capacity_points: float | None
    over_capacity: bool


class Estimated(Written, frozen=True, kw_only=True):
    consensus_points: int | None
    revote_needed: bool


class StandupRecorded(Written, frozen=True, kw_only=True):
    impediment_ids: list[str]


class MemberView(Reply, frozen=True, kw_only=True):
    member_id: str
    name: str
    role: str
    skills: dict[str, int]
    hours_per_day: float
    slack_user_id: str | None = None


class TeamView(Reply, frozen=True, kw_only=True):
    id: str
    name: str
    members: list[MemberView]
    current_sprint_id: str | None
    open_impediments: int
    version: int


class SprintItemView(Reply, frozen=True, kw_only=True):
    item_id: str
    status: ItemStatus
    points: int
    remaining_points: int


class SprintView(Reply, frozen=True, kw_only=True):
    id: str
    team_id: str
    name: str
    goal: str
    start_date: dt.date
    end_date: dt.date
    focus_factor: float
    status: Literal["planned", "active", "closed"]
    items: list[SprintItemView]
    committed_points: int
    capacity_hours: float
    capacity_points: float | None
    over_capacity: bool
    version: int


class EventView(Reply, frozen=True, kw_only=True):
    position: int
    event_id: str
    stream_id: str
    version: int
    type: str
    data: Any
    metadata: Any
    recorded_at: dt.datetime


class EventPage(Reply, frozen=True, kw_only=True):
    events: list[EventView]
    next: str


class StreamHistory(Reply, frozen=True, kw_only=True):
    stream_id: str
    version: int
    events: list[EventView]
    next: str | None


# -- allocation -----------------------------------------------------------------------------


class PlanWritten(Written, frozen=True, kw_only=True):
    status: Literal["proposed", "approved", "rejected"]
    output: Any


class PlanView(Reply, frozen=True, kw_only=True):
    id: str
    status: Literal["proposed", "approved", "rejected"]
    solver_version: str
    input: dict[str, Any]
    output: dict[str, Any]
    proposed_at: dt.datetime | None
    approved_at: dt.datetime | None
    version: int


class AllocatedHours(Reply, frozen=True, kw_only=True):
    engineer: str
    project: str
    skill: str
    hours: int


class EngineerAllocation(Reply, frozen=True, kw_only=True):
    engineer: str
    hours: int
    assignments: list[AllocatedHours]


class ProjectAllocation(Reply, frozen=True, kw_only=True):
    project: str
    hours: int
    gpus: int
    assignments: list[AllocatedHours]


class CurrentAllocation(Reply, frozen=True, kw_only=True):
    plan_id: str | None
    engineers: list[EngineerAllocation]
    projects: list[ProjectAllocation]
