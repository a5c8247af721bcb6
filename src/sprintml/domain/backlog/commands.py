"""Commands on an `item-{id}` stream: add, estimate, reprioritize and remove a backlog item."""

from datetime import datetime

from sprintml.domain.backlog.events import ItemKind
from sprintml.domain.decider import Command


class AddItem(Command, frozen=True, kw_only=True):
    item_id: str
    team_id: str
    title: str
    kind: ItemKind
    points: int | None = None
    gpu_hours: float | None = None
    description: str = ""
    priority: int | None = None
    now: datetime


class EstimateItem(Command, frozen=True, kw_only=True):
    """`votes`: member id → points. `team_member_ids`, when given, is the roster voters must be on."""

    item_id: str
    votes: dict[str, int]
    team_member_ids: frozenset[str] | None = None
    now: datetime


class ReprioritizeItem(Command, frozen=True, kw_only=True):
    item_id: str
    priority: int
    now: datetime


class RemoveItem(Command, frozen=True, kw_only=True):
    item_id: str
    reason: str = ""
    now: datetime


BacklogCommand = AddItem | EstimateItem | ReprioritizeItem | RemoveItem
