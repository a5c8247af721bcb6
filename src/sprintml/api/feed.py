"""The global event feed and one stream's audit history."""

import base64
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from sprintml.api import bodies
from sprintml.api.auth import requires_auditor, requires_feed_reader
from sprintml.api.documented_errors import READ_ERRORS, error_responses
from sprintml.api.problems import InvalidField
from sprintml.application import CommandHandler
from sprintml.domain.errors import NotFound
from sprintml.eventstore import RecordedEvent

Limit = Annotated[int, Parameter(ge=1, le=1000, description="Page size (default 100, max 1000)")]
Cursor = Annotated[str | None, Parameter(max_length=100, description="`next` of the previous page")]
StreamId = Annotated[str, Parameter(pattern=r"^[a-z][a-z0-9_]{0,31}-[A-Za-z0-9_-]{1,64}$", max_length=100)]
_MAX_DIGITS = 18  # below 2**63 - 1, the largest position or version Postgres stores


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """Cursors are opaque to clients; inside they are a position, so a page never skips an event."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):  # binascii.Error, and ValueError for non-ASCII input such as "Ä"
        text = ""
    # ASCII digits that fit a Postgres bigint: anything else is not a cursor we made.
    digits = text[1:]
    if not (text.startswith("p") and digits.isascii() and digits.isdigit() and len(digits) <= _MAX_DIGITS):
        raise InvalidField("after", "after must be the `next` cursor of a previous page.")
    return int(digits)


def event_view(event: RecordedEvent) -> bodies.EventView:
    return bodies.EventView(
        position=event.position,
        event_id=str(event.event_id),
        stream_id=event.stream_id,
        version=event.version,
        type=event.type,
        data=msgspec.Raw(event.data),
        metadata=msgspec.Raw(event.metadata),
        recorded_at=event.recorded_at,
    )


FEED_ERRORS = error_responses(400, 401, 403, 422)  # no id in the path: no 404


class FeedController(Controller):
    tags = ["events"]

    @get(
        "/events",
        responses=FEED_ERRORS,
        guards=[requires_feed_reader],
        summary="The global event feed, in commit order",
    )
    async def events(
        self, handler: NamedDependency[CommandHandler], after: Cursor = None, limit: Limit = 100
    ) -> bodies.EventPage:
        position = decode_cursor(after)
        events = await handler.store.read_all(position, limit)
        last = events[-1].position if events else position
        return bodies.EventPage(events=[event_view(e) for e in events], next=encode_cursor(last))

    @get(
        "/streams/{stream_id:str}",
        responses=READ_ERRORS,
        guards=[requires_auditor],
        summary="One stream's events: its audit history",
    )
    async def stream(
        self,
        stream_id: StreamId,
        handler: NamedDependency[CommandHandler],
        after: Cursor = None,
        limit: Limit = 100,
    ) -> bodies.StreamHistory:
        from_version = decode_cursor(after) + 1
        events = await handler.store.read_stream(stream_id, from_version)
        version = await handler.store.stream_version(stream_id)
        if version == 0:
            raise NotFound(f"There is no stream {stream_id!r}.", field="stream_id")
        page = events[:limit]
        more = len(events) > limit
        return bodies.StreamHistory(
            stream_id=stream_id,
            version=version,
            events=[event_view(e) for e in page],
            next=encode_cursor(page[-1].version) if more else None,
        )
