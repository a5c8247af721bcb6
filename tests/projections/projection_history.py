"""Builders for projection tests: domain events appended through the real store, and catch-up."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sprintml.domain.decider import Event
from sprintml.eventstore import AppendResult, Metadata, NewEvent, PostgresEventStore
from sprintml.projections import PROJECTIONS, Projection, ProjectionRunner, encode_event

MONDAY = date(2025, 3, 3)
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
METADATA = Metadata(actor="projection-test", correlation_id="projection-test")


def unique(prefix: str) -> str:
    """An id no other test uses, so tests share one database without truncating it."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def at(days: float = 0, hours: float = 0) -> datetime:
    return NOW + timedelta(days=days, hours=hours)


def new_event(event: Event) -> NewEvent:
    type_name, data = encode_event(event)
    return NewEvent(event_id=uuid.uuid4(), type=type_name, data=data, metadata=METADATA)


async def record(store: PostgresEventStore, stream_id: str, *events: Event) -> AppendResult:
    return await store.append(stream_id, None, [new_event(event) for event in events])


async def catch_up(store: PostgresEventStore, projections: Sequence[Projection] = PROJECTIONS) -> None:
    for projection in projections:
        await ProjectionRunner(store, projection).catch_up()
