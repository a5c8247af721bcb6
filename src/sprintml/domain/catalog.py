"""Every event type by its stored name, and the one place that encodes and decodes stored events."""

from typing import Any, Final

import msgspec

from sprintml.domain import allocation, backlog, impediment, sprint, team
from sprintml.domain.decider import Event

EVENT_CLASSES: Final[dict[str, type[Event]]] = {
    cls.__name__: cls
    for cls in (
        *team.EVENT_TYPES,
        *backlog.EVENT_TYPES,
        *sprint.EVENT_TYPES,
        *impediment.EVENT_TYPES,
        *allocation.EVENT_TYPES,
    )
}

_encoder = msgspec.json.Encoder()
_decoders: Final[dict[str, msgspec.json.Decoder[Any]]] = {
    name: msgspec.json.Decoder(cls) for name, cls in EVENT_CLASSES.items()
}


class UnknownEventType(Exception):
    """A stored event whose type this code does not know (written by a newer version?)."""


def event_type(event: Event) -> str:
    """The stored `type` of an event: its class name (also its msgspec tag)."""
    return type(event).__name__


def encode_event(event: Event) -> msgspec.Raw:
    """The stored `data` of an event: its own JSON, tag included."""
    return msgspec.Raw(_encoder.encode(event))


def decode_event(type_name: str, data: bytes | msgspec.Raw) -> Event:
    """Decode stored `data` into its event class; unknown extra fields are ignored."""
    decoder = _decoders.get(type_name)
    if decoder is None:
        raise UnknownEventType(type_name)
    event: Event = decoder.decode(data)
    return event
