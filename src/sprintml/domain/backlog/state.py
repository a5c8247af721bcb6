"""The state of one backlog item as its decider needs it."""

from datetime import datetime

import msgspec

from sprintml.domain.backlog.events import ItemKind


class BacklogItemState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    item_id: str = ""
    team_id: str = ""
    title: str = ""
    kind: ItemKind = "story"
    points: int | None = None
    gpu_hours: float | None = None
    description: str = ""
    priority: int | None = None
    estimation_rounds: int = 0
    last_votes: dict[str, int] = msgspec.field(default_factory=dict)
    removed: bool = False
    added_at: datetime | None = None
    removed_at: datetime | None = None


def initial_state() -> BacklogItemState:
    """The state of an item stream with no events."""
    return BacklogItemState()
