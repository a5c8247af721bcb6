"""The impediment board's rows: one per impediment, with its lifecycle timestamps."""

from typing import Final

from sprintml.domain.decider import Event
from sprintml.domain.impediment import (
    EVENT_TYPES,
    ImpedimentAcknowledged,
    ImpedimentEscalated,
    ImpedimentRaised,
    ImpedimentReopened,
    ImpedimentResolved,
)
from sprintml.metrics import severity_rank
from sprintml.projections.projection import Envelope
from sprintml.projections.registry import entity_id
from sprintml.projections.rows import Rows, Table

IMPEDIMENTS: Final = Table(
    name="rm_impediments",
    columns=(
        ("impediment_id", "text"),
        ("team_id", "text"),
        ("title", "text"),
        ("severity", "text"),
        ("severity_rank", "smallint"),
        ("status", "text"),
        ("source", "text"),
        ("sprint_id", "text"),
        ("blocked_item_ids", "jsonb"),
        ("blocked_member_ids", "jsonb"),
        ("description", "text"),
        ("raised_at", "timestamptz"),
        ("acknowledged_at", "timestamptz"),
        ("escalated_at", "timestamptz"),
        ("resolved_at", "timestamptz"),
        ("resolution", "text"),
        ("times_reopened", "integer"),
        ("version", "bigint"),
    ),
    key=("impediment_id",),
)


class ImpedimentBoard:
    name = "impediment_board"
    tables = (IMPEDIMENTS,)
    handles = frozenset(cls.__name__ for cls in EVENT_TYPES)

    def need(self, event: Event, recorded: Envelope, rows: Rows) -> None:
        rows.need(IMPEDIMENTS, (entity_id(recorded.stream_id),))

    def apply(self, event: Event, recorded: Envelope, rows: Rows) -> None:
        key = (entity_id(recorded.stream_id),)
        if isinstance(event, ImpedimentRaised):
            rows.put(IMPEDIMENTS, _raised(event, recorded.version))
            return
        row = rows.get(IMPEDIMENTS, key)
        if row is None:
            return  # a lifecycle event of an impediment never raised: nothing to show
        match event:
            case ImpedimentAcknowledged():
                row.update(status="acknowledged", acknowledged_at=event.acknowledged_at)
            case ImpedimentEscalated():
                row.update(status="escalated", escalated_at=event.escalated_at)
            case ImpedimentResolved():
                row.update(status="resolved", resolved_at=event.resolved_at, resolution=event.resolution)
            case ImpedimentReopened():
                row.update(
                    status="open",
                    acknowledged_at=None,
                    escalated_at=None,
                    resolved_at=None,
                    resolution="",
                    times_reopened=row["times_reopened"] + 1,
                )
        row["version"] = recorded.version
        rows.put(IMPEDIMENTS, row)


def _raised(event: ImpedimentRaised, version: int) -> dict[str, object]:
    return {
        "impediment_id": event.impediment_id,
        "team_id": event.team_id,
        "title": event.title,
        "severity": event.severity,
        "severity_rank": severity_rank(event.severity),
        "status": "open",
        "source": event.source,
        "sprint_id": event.sprint_id,
        "blocked_item_ids": list(event.blocked_item_ids),
        "blocked_member_ids": list(event.blocked_member_ids),
        "description": event.description,
        "raised_at": event.raised_at,
        "acknowledged_at": None,
        "escalated_at": None,
        "resolved_at": None,
        "resolution": "",
        "times_reopened": 0,
        "version": version,
    }
