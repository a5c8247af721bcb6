"""The `item-{id}` stream category: backlog items and their planning-poker estimates."""

from sprintml.domain.backlog.commands import AddItem, BacklogCommand, EstimateItem, RemoveItem, ReprioritizeItem
from sprintml.domain.backlog.decide import decide
from sprintml.domain.backlog.estimation import SCALE, consensus
from sprintml.domain.backlog.events import (
    EVENT_TYPES,
    BacklogEvent,
    ItemAdded,
    ItemEstimated,
    ItemKind,
    ItemRemoved,
    ItemReprioritized,
)
from sprintml.domain.backlog.evolve import evolve, fold
from sprintml.domain.backlog.state import BacklogItemState, initial_state

__all__ = [
    "EVENT_TYPES",
    "SCALE",
    "AddItem",
    "BacklogCommand",
    "BacklogEvent",
    "BacklogItemState",
    "EstimateItem",
    "ItemAdded",
    "ItemEstimated",
    "ItemKind",
    "ItemRemoved",
    "ItemReprioritized",
    "RemoveItem",
    "ReprioritizeItem",
    "consensus",
    "decide",
    "evolve",
    "fold",
    "initial_state",
]
