"""What every stream category shares: base Command and Event structs and a plain fold."""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Annotated, TypeVar

import msgspec

from sprintml.domain.errors import InvalidCommand

S = TypeVar("S")
E = TypeVar("E")

# Stored instants must carry a timezone, so a replay never has to guess one.
Instant = Annotated[datetime, msgspec.Meta(tz=True)]


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every command: an intention, carrying its clock (`now`) and any new ids."""


class Event(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Base of every stored event; JSON carries `"type": "<ClassName>"` so a union decodes.

    Stored events live forever: add fields only with defaults, never rename or retype.
    Unknown fields are ignored on decode (msgspec's default), so older code reads newer events.
    """


def fold(evolve: Callable[[S, E], S], initial: S, events: Iterable[E]) -> S:
    """Replay `events` over `initial` with `evolve`: the current state of a stream."""
    state = initial
    for event in events:
        state = evolve(state, event)
    return state


def require_aware(now: datetime) -> None:
    """Reject a naive `now`: the application layer must pass a tz-aware clock reading."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidCommand("The time of the request has no timezone.", field="now")


def require_text(value: str, field: str, what: str) -> None:
    """Reject an empty or blank free-text value."""
    if not value.strip():
        raise InvalidCommand(f"{what} must not be empty.", field=field)
