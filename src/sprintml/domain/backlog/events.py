"""Events of an `item-{id}` stream: one backlog item, from added through estimation to removal."""

from typing import Literal, get_args

from sprintml.domain.decider import Event, Instant

ItemKind = Literal["story", "bug", "experiment", "chore"]


class ItemAdded(Event, frozen=True, kw_only=True):
    """`priority` is a rank, 1 first; None means not ranked yet (after every ranked item)."""

    item_id: str
    team_id: str
    title: str
    kind: ItemKind
    points: int | None = None
    gpu_hours: float | None = None
    description: str = ""
    priority: int | None = None
    added_at: Instant


class ItemEstimated(Event, frozen=True, kw_only=True):
    """One planning-poker round: every vote, and the consensus if the votes agree (else a re-vote)."""

    votes: dict[str, int]
    consensus_points: int | None = None
    revote_needed: bool
    estimated_at: Instant


class ItemReprioritized(Event, frozen=True, kw_only=True):
    priority: int
    previous_priority: int | None = None
    reprioritized_at: Instant


class ItemRemoved(Event, frozen=True, kw_only=True):
    reason: str = ""
    removed_at: Instant


BacklogEvent = ItemAdded | ItemEstimated | ItemReprioritized | ItemRemoved

EVENT_TYPES: tuple[type, ...] = get_args(BacklogEvent)
