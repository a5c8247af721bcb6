"""The sprint board's rows: the sprint, the items now in it, and every dated change for the burndown."""

import datetime as dt
from typing import Any, Final

from sprintml.domain.decider import Event
from sprintml.domain.sprint import (
    EVENT_TYPES,
    ItemProgressed,
    ItemsCommitted,
    ScopeChanged,
    SprintClosed,
    SprintPlanned,
    SprintStarted,
)
from sprintml.projections.projection import Envelope, utc_date
from sprintml.projections.registry import entity_id
from sprintml.projections.rows import Row, Rows, Table

SPRINTS: Final = Table(
    name="rm_sprints",
    columns=(
        ("sprint_id", "text"),
        ("team_id", "text"),
        ("name", "text"),
        ("goal", "text"),
        ("start_date", "date"),
        ("end_date", "date"),
        ("focus_factor", "double precision"),
        ("status", "text"),
        ("capacity_hours", "double precision"),
        ("capacity_points", "double precision"),
        ("over_capacity", "boolean"),
        ("committed_points", "integer"),
        ("velocity", "integer"),
        ("planned_at", "timestamptz"),
        ("started_at", "timestamptz"),
        ("closed_at", "timestamptz"),
        ("closed_position", "bigint"),
        ("version", "bigint"),
    ),
    key=("sprint_id",),
)

SPRINT_ITEMS: Final = Table(
    name="rm_sprint_items",
    columns=(
        ("sprint_id", "text"),
        ("item_id", "text"),
        ("status", "text"),
        ("points", "integer"),
        ("remaining_points", "integer"),
        ("seq", "bigint"),
    ),
    key=("sprint_id", "item_id"),
)

SPRINT_CHANGES: Final = Table(
    name="rm_sprint_changes",
    columns=(
        ("sprint_id", "text"),
        ("position", "bigint"),
        ("seq", "integer"),
        ("kind", "text"),
        ("on_date", "date"),
        ("item_id", "text"),
        ("points", "integer"),
        ("before_start", "boolean"),
        ("reason", "text"),
    ),
    key=("sprint_id", "position", "seq"),
    append_only=True,
)

# Commit order of items: the event's position, then the item's place in the event.
_ITEMS_PER_POSITION = 1 << 20


class SprintBoard:
    name = "sprint_board"
    tables = (SPRINTS, SPRINT_ITEMS, SPRINT_CHANGES)
    handles = frozenset(cls.__name__ for cls in EVENT_TYPES)

    def need(self, event: Event, recorded: Envelope, rows: Rows) -> None:
        sprint_id = entity_id(recorded.stream_id)
        rows.need(SPRINTS, (sprint_id,))
        match event:
            case ItemsCommitted():
                item_ids = [item.item_id for item in event.items]
            case ScopeChanged():
                item_ids = [item.item_id for item in event.added] + list(event.removed_item_ids)
            case ItemProgressed():
                item_ids = [event.item_id]
            case _:
                item_ids = []
        for item_id in item_ids:
            rows.need(SPRINT_ITEMS, (sprint_id, item_id))

    def apply(self, event: Event, recorded: Envelope, rows: Rows) -> None:
        sprint_id = entity_id(recorded.stream_id)
        if isinstance(event, SprintPlanned):
            rows.put(SPRINTS, _planned(sprint_id, event, recorded.version))
            return
        key = (sprint_id,)
        sprint = rows.get(SPRINTS, key)
        if sprint is None:
            return  # an event of a sprint never planned: nothing to show
        sprint["version"] = recorded.version
        rows.put(SPRINTS, sprint, key)
        if type(event) is ItemProgressed:  # most of a sprint's events: the short way first
            _progress(rows, sprint, event, recorded.position)
            return
        changes = _Changes(rows, sprint, recorded.position)
        match event:
            case ItemsCommitted():
                for index, item in enumerate(event.items):
                    _add_item(rows, sprint_id, item.item_id, item.points, recorded.position, index)
                    changes.add("committed", utc_date(event.committed_at), item.item_id, item.points, "")
                sprint.update(
                    committed_points=event.committed_points,
                    capacity_hours=event.capacity_hours,
                    capacity_points=event.capacity_points,
                    over_capacity=event.over_capacity,
                )
            case ScopeChanged():
                on = utc_date(event.changed_at)
                for item_id in event.removed_item_ids:
                    if rows.get(SPRINT_ITEMS, (sprint_id, item_id)) is not None:
                        rows.delete(SPRINT_ITEMS, (sprint_id, item_id))
                    changes.add("removed", on, item_id, None, event.reason)
                for index, item in enumerate(event.added):
                    _add_item(rows, sprint_id, item.item_id, item.points, recorded.position, index)
                    changes.add("added", on, item.item_id, item.points, event.reason)
                sprint.update(committed_points=event.committed_points, over_capacity=event.over_capacity)
            case SprintStarted():
                sprint.update(status="active", started_at=event.started_at)
            case SprintClosed():
                sprint.update(
                    status="closed",
                    velocity=event.velocity,
                    committed_points=event.committed_points,
                    closed_at=event.closed_at,
                    closed_position=recorded.position,
                )


class _Changes:
    """The dated change rows one event appends, numbered in order."""

    def __init__(self, rows: Rows, sprint: Row, position: int) -> None:
        self._rows = rows
        self._sprint = sprint
        self._position = position
        self._seq = 0

    def add(self, kind: str, on: dt.date, item_id: str, points: int | None, reason: str) -> None:
        before_start = self._sprint["status"] == "planned"
        values = (self._sprint["sprint_id"], self._position, self._seq, kind, on, item_id, points, before_start, reason)
        self._rows.append(SPRINT_CHANGES, values)
        self._seq += 1


def _progress(rows: Rows, sprint: Row, event: ItemProgressed, position: int) -> None:
    item_key = (sprint["sprint_id"], event.item_id)
    row = rows.get(SPRINT_ITEMS, item_key)
    if row is None:
        return  # progress on an item no longer in the sprint
    row["status"] = event.status
    row["remaining_points"] = event.remaining_points
    rows.put(SPRINT_ITEMS, row, item_key)
    on = utc_date(event.progressed_at)
    before_start = sprint["status"] == "planned"
    change = (sprint["sprint_id"], position, 0, "progress", on, event.item_id, event.remaining_points, before_start, "")
    rows.append(SPRINT_CHANGES, change)


def _add_item(rows: Rows, sprint_id: str, item_id: str, points: int, position: int, index: int) -> None:
    row = {
        "sprint_id": sprint_id,
        "item_id": item_id,
        "status": "todo",
        "points": points,
        "remaining_points": points,
        "seq": position * _ITEMS_PER_POSITION + index,
    }
    rows.put(SPRINT_ITEMS, row)


def _planned(sprint_id: str, event: SprintPlanned, version: int) -> dict[str, Any]:
    return {
        "sprint_id": sprint_id,
        "team_id": event.team_id,
        "name": event.name,
        "goal": event.goal,
        "start_date": event.start_date,
        "end_date": event.end_date,
        "focus_factor": event.focus_factor,
        "status": "planned",
        "capacity_hours": None,
        "capacity_points": None,
        "over_capacity": False,
        "committed_points": 0,
        "velocity": None,
        "planned_at": event.planned_at,
        "started_at": None,
        "closed_at": None,
        "closed_position": None,
        "version": version,
    }
