"""The event store: append-only streams in Postgres with a gap-free global feed."""

from sprintml.eventstore.postgres import PostgresEventStore, create_pool
from sprintml.eventstore.store import (
    ANY_VERSION,
    NO_STREAM,
    AppendResult,
    ConcurrencyError,
    DuplicateEventIds,
    EventStore,
    EventStoreError,
    InvalidEvent,
    Metadata,
    NewEvent,
    RecordedEvent,
    StreamAppend,
    stream_category,
)

__all__ = [
    "ANY_VERSION",
    "NO_STREAM",
    "AppendResult",
    "ConcurrencyError",
    "DuplicateEventIds",
    "EventStore",
    "EventStoreError",
    "InvalidEvent",
    "Metadata",
    "NewEvent",
    "PostgresEventStore",
    "RecordedEvent",
    "StreamAppend",
    "create_pool",
    "stream_category",
]
