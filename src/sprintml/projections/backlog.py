"""The backlog's rows: every item with its points, priority, and where it is (backlog, sprint, done)."""

from typing import Any, Final

from sprintml.domain import backlog
from sprintml.domain.backlog import ItemAdded, ItemEstimated, ItemRemoved, ItemReprioritized
from sprintml.domain.decider import Event
from sprintml.domain.sprint import ItemsCommitted, ScopeChanged, SprintClosed
from sprintml.projections.projection import Envelope
from sprintml.projections.registry import entity_id
from sprintml.projections.rows import Rows, Table

ITEMS: Final = Table(
    name="rm_backlog_items",
    columns=(
        ("item_id", "text"),
        ("team_id", "text"),
        ("title", "text"),
        ("kind", "text"),
        ("points", "integer"),
        ("gpu_hours", "double precision"),
        ("description", "text"),
        ("priority", "integer"),
        ("status", "text"),
        ("sprint_id", "text"),
        ("estimation_rounds", "integer"),
        ("added_at", "timestamptz"),
        ("removed_at", "timestamptz"),
        ("version", "bigint"),
    ),
    key=("item_id",),
)


def _sprint_item_ids(event: Event) -> list[str]:
    match event:
        case ItemsCommitted():
            return [item.item_id for item in event.items]
        case ScopeChanged():
            return [item.item_id for item in event.added] + list(event.removed_item_ids)
        case SprintClosed():
            return list(event.completed_item_ids) + list(event.carried_over_item_ids)
    return []


class Backlog:
    name = "backlog"
    tables = (ITEMS,)
    handles = frozenset(
        [cls.__name__ for cls in backlog.EVENT_TYPES] + ["ItemsCommitted", "ScopeChanged", "SprintClosed"]
    )

    def need(self, event: Event, recorded: Envelope, rows: Rows) -> None:
        if isinstance(event, ItemsCommitted | ScopeChanged | SprintClosed):
            for item_id in _sprint_item_ids(event):
                rows.need(ITEMS, (item_id,))
        else:
            rows.need(ITEMS, (entity_id(recorded.stream_id),))

    def apply(self, event: Event, recorded: Envelope, rows: Rows) -> None:
        match event:
            case ItemAdded():
                rows.put(ITEMS, _added(event, recorded.version))
            case ItemEstimated() | ItemReprioritized() | ItemRemoved():
                row = rows.get(ITEMS, (entity_id(recorded.stream_id),))
                if row is not None:
                    _change_item(row, event)
                    row["version"] = recorded.version
                    rows.put(ITEMS, row)
            case ItemsCommitted() | ScopeChanged() | SprintClosed():
                _sprint_moves(event, entity_id(recorded.stream_id), rows)


def _added(event: ItemAdded, version: int) -> dict[str, Any]:
    return {
        "item_id": event.item_id,
        "team_id": event.team_id,
        "title": event.title,
        "kind": event.kind,
        "points": event.points,
        "gpu_hours": event.gpu_hours,
        "description": event.description,
        "priority": event.priority,
        "status": "backlog",
        "sprint_id": None,
        "estimation_rounds": 0,
        "added_at": event.added_at,
        "removed_at": None,
        "version": version,
    }


def _change_item(row: dict[str, Any], event: ItemEstimated | ItemReprioritized | ItemRemoved) -> None:
    match event:
        case ItemEstimated():
            # A round without consensus keeps the earlier points.
            if event.consensus_points is not None:
                row["points"] = event.consensus_points
            row["estimation_rounds"] += 1
        case ItemReprioritized():
            row["priority"] = event.priority
        case ItemRemoved():
            row.update(status="removed", removed_at=event.removed_at)


def _sprint_moves(event: ItemsCommitted | ScopeChanged | SprintClosed, sprint_id: str, rows: Rows) -> None:
    """Items entering a sprint are committed; leaving it or carried over, back in the backlog; done at close."""
    moves: list[tuple[str, str]] = []
    match event:
        case ItemsCommitted():
            moves = [(item.item_id, "committed") for item in event.items]
        case ScopeChanged():
            moves = [(item.item_id, "committed") for item in event.added]
            moves += [(item_id, "backlog") for item_id in event.removed_item_ids]
        case SprintClosed():
            moves = [(item_id, "done") for item_id in event.completed_item_ids]
            moves += [(item_id, "backlog") for item_id in event.carried_over_item_ids]
    for item_id, status in moves:
        row = rows.get(ITEMS, (item_id,))
        if row is None or row["status"] == "removed":
            continue
        if status == "committed":
            row.update(status=status, sprint_id=sprint_id)
        elif row["sprint_id"] == sprint_id:
            # Only the sprint that holds the item may let it go (not one it left earlier).
            row.update(status=status, sprint_id=sprint_id if status == "done" else None)
        else:
            continue
        rows.put(ITEMS, row)
