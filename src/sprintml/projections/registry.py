"""Every stored event type by name, and the one place that encodes and decodes stored event data."""

from typing import Any, Final

import msgspec

from sprintml.domain import backlog, impediment, sprint, team
from sprintml.domain.decider import Event
from sprintml.eventstore import RecordedEvent

EVENT_CLASSES: Final[dict[str, type[Event]]] = {
    cls.__name__: cls for cls in (*team.EVENT_TYPES, *backlog.EVENT_TYPES, *sprint.EVENT_TYPES, *impediment.EVENT_TYPES)
}

# Built once: a typed decoder per class is several times faster than decoding to dicts first.
_DECODERS: Final[dict[str, msgspec.json.Decoder[Any]]] = {
    name: msgspec.json.Decoder(cls) for name, cls in EVENT_CLASSES.items()
}
_encode = msgspec.json.Encoder().encode


class UnknownEventType(Exception):
    """A stored event whose type this code does not know (written by a newer version?)."""


def encode_event(event: Event) -> tuple[str, msgspec.Raw]:
    """(stored `type`, stored `data`): the class name, and the event's JSON without its tag.

    The tag is the `type` column already; decoding a single tagged class accepts data with or
    without it, so events stored either way read back the same.
    """
    return type(event).__name__, msgspec.Raw(_encode(msgspec.structs.asdict(event)))


def decode_data(type_name: str, data: str | bytes | msgspec.Raw) -> Event | None:
    """The event of a stored type and data; None for a type this code has no class for."""
    decoder = _DECODERS.get(type_name)
    if decoder is None:
        return None
    event: Event = decoder.decode(data)
    return event


def decode_event(recorded: RecordedEvent) -> Event:
    """The domain event a recorded envelope carries; UnknownEventType if its type is not known here."""
    event = decode_data(recorded.type, recorded.data)
    if event is None:
        raise UnknownEventType(recorded.type)
    return event


def entity_id(stream_id: str) -> str:
    """The entity a stream is about: "sprint-s1" is about "s1"."""
    return stream_id.split("-", 1)[1]
