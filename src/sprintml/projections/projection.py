"""What a projection is: a name, its tables, the events it handles, and how each event changes rows."""

import datetime as dt
from typing import Protocol

from sprintml.domain.decider import Event
from sprintml.projections.rows import Rows, Table


class Envelope(Protocol):
    """What a projection may use of a recorded event besides its data (a RecordedEvent has it all).

    Only this much, so a rebuild can read just these columns of the feed.
    """

    @property
    def position(self) -> int: ...

    @property
    def stream_id(self) -> str: ...

    @property
    def version(self) -> int: ...


class Projection(Protocol):
    """One read model. `need` and `apply` are pure, so a batch needs one load and one flush.

    `need` names the rows an event will read or write (the runner loads them all at once); `apply`
    changes them in memory. Events are facts: `apply` never raises, whatever order they come in.
    """

    @property
    def name(self) -> str: ...

    @property
    def tables(self) -> tuple[Table, ...]: ...

    @property
    def handles(self) -> frozenset[str]: ...

    def need(self, event: Event, recorded: Envelope, rows: Rows) -> None: ...

    def apply(self, event: Event, recorded: Envelope, rows: Rows) -> None: ...


def utc_date(instant: dt.datetime) -> dt.date:
    """The calendar day of an event's timestamp, in UTC (one rule for every team, and for replays)."""
    if instant.tzinfo is dt.UTC:
        return instant.date()  # the common case, and a rebuild calls this for most events
    return instant.astimezone(dt.UTC).date()
