"""The event store's vocabulary: envelopes, expected versions, errors and the Protocol."""

import re
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Final, Protocol
from uuid import UUID

import msgspec

# Streams are "<category>-<id>", e.g. "team-platform"; ids are api.md's [A-Za-z0-9_-]{1,64}.
STREAM_ID_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]{0,31}-[A-Za-z0-9_-]{1,64}$")
MAX_EVENT_BYTES: Final = 256 * 1024
MAX_EVENTS_PER_APPEND: Final = 1000

NO_STREAM: Final = 0
"""Expected version of a stream that must not exist yet."""

ANY_VERSION: Final = None
"""Expected version of an append that does not care where the stream is."""


class Metadata(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Who caused an event and in which request; stored as jsonb beside the data."""

    actor: str
    correlation_id: str
    causation_id: str | None = None
    idempotency_key: str | None = None


class NewEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event about to be appended; `data` is any JSON-encodable value."""

    event_id: UUID
    type: str
    data: Any
    metadata: Metadata


class RecordedEvent(msgspec.Struct, frozen=True, kw_only=True):
    """The envelope of a stored event; `data` and `metadata` stay raw JSON until asked for."""

    position: int
    event_id: UUID
    stream_id: str
    version: int
    type: str
    data: msgspec.Raw
    metadata: msgspec.Raw
    recorded_at: datetime

    def decoded_metadata(self) -> Metadata:
        return _metadata_decoder.decode(self.metadata)


_metadata_decoder = msgspec.json.Decoder(Metadata)


class AppendResult(msgspec.Struct, frozen=True, kw_only=True):
    """Where an append left the stream."""

    stream_id: str
    version: int
    positions: list[int]
    recorded_at: datetime
    replayed: bool
    """True when every event id was stored already: nothing new was written."""

    @property
    def last_position(self) -> int:
        return self.positions[-1]


class StreamAppend(msgspec.Struct, frozen=True, kw_only=True):
    """One stream's part of an atomic multi-stream append."""

    stream_id: str
    expected_version: int | None
    events: Sequence[NewEvent]


class EventStoreError(Exception):
    """Base of the store's own errors."""


class ConcurrencyError(EventStoreError):
    """The stream is not at the expected version; nothing was written."""

    def __init__(self, stream_id: str, expected: int | None, actual: int) -> None:
        super().__init__(f"stream {stream_id} is at version {actual}, expected {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class InvalidEvent(EventStoreError):
    """An append the store refuses on its face: bad stream id, oversized or unstorable payload."""


class DuplicateEventIds(EventStoreError):
    """Some of the appended event ids are stored already, but not exactly this append."""


class EventStore(Protocol):
    """What the application needs from an event store."""

    async def append(self, stream_id: str, expected_version: int | None, events: Sequence[NewEvent]) -> AppendResult:
        """Append atomically; raise ConcurrencyError if the stream moved on."""
        ...

    async def append_many(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        """Append to several streams in one transaction: all or nothing."""
        ...

    async def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]: ...

    async def stream_version(self, stream_id: str) -> int: ...

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]: ...

    async def head_position(self) -> int: ...

    def subscribe(self, after_position: int = 0, batch_size: int = 1000) -> AsyncIterator[list[RecordedEvent]]: ...


def check_stream_id(stream_id: str) -> None:
    if not STREAM_ID_PATTERN.fullmatch(stream_id):
        raise InvalidEvent(f"stream id {stream_id!r} is not '<category>-<id>' with id [A-Za-z0-9_-]{{1,64}}")


def stream_category(stream_id: str) -> str:
    """The stream type of "team-platform" is "team"."""
    return stream_id.split("-", 1)[0]
