"""The command handler: load the stream, fold, decide, append with the expected version."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sprintml.application.context import RequestContext
from sprintml.domain import backlog, impediment, sprint, team
from sprintml.domain.catalog import decode_event, encode_event, event_type
from sprintml.domain.decider import Event
from sprintml.eventstore import (
    AppendResult,
    ConcurrencyError,
    Metadata,
    NewEvent,
    PostgresEventStore,
    RecordedEvent,
    StreamAppend,
)
from sprintml.eventstore.idempotency import IdempotencyKey, StoredResponse

S = TypeVar("S")

# Without If-Match a lost race is retried against the fresh state: `decide` re-checks every
# rule, so a retry can only succeed where the command is still valid.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Category(Generic[S]):
    """One stream category: its prefix and how its state folds."""

    prefix: str
    initial_state: Callable[[], S]
    evolve: Callable[[S, Any], S]

    def stream_id(self, entity_id: str) -> str:
        return f"{self.prefix}-{entity_id}"


TEAM = Category[team.TeamState]("team", team.initial_state, team.evolve)
BACKLOG = Category[backlog.BacklogItemState]("item", backlog.initial_state, backlog.evolve)
SPRINT = Category[sprint.SprintState]("sprint", sprint.initial_state, sprint.evolve)
IMPEDIMENT = Category[impediment.ImpedimentState]("impediment", impediment.initial_state, impediment.evolve)


@dataclass(frozen=True)
class Loaded(Generic[S]):
    state: S
    version: int
    position: int
    """The global position of the stream's last event (0 for no stream)."""


@dataclass(frozen=True)
class Outcome:
    """What a handled command wrote."""

    events: Sequence[Event]
    results: list[AppendResult]

    @property
    def version(self) -> int:
        return self.results[0].version

    @property
    def position(self) -> int:
        return max(result.last_position for result in self.results)


class PreconditionFailed(Exception):
    """If-Match named a version the stream has moved on from; nothing was written."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"{stream_id} is at version {actual}, not {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


Respond = Callable[[Outcome], StoredResponse]
SideAppends = Callable[[Sequence[Event]], Sequence[tuple[str, int, Sequence[Event]]]]


class CommandHandler:
    """Runs decide functions against streams of the event store."""

    def __init__(self, store: PostgresEventStore) -> None:
        self.store = store

    @staticmethod
    def no_stream(category: Category[S]) -> Loaded[S]:
        """The stream of an id nobody used yet: the initial state at version 0."""
        return Loaded(state=category.initial_state(), version=0, position=0)

    async def load(self, category: Category[S], entity_id: str, *, as_of: int | None = None) -> Loaded[S]:
        recorded = await self.store.read_stream(category.stream_id(entity_id))
        if as_of is not None:
            recorded = [event for event in recorded if event.position <= as_of]
        return fold_recorded(category, recorded)

    async def execute(
        self,
        category: Category[S],
        entity_id: str,
        decide: Callable[[S], Sequence[Event]],
        context: RequestContext,
        *,
        if_match: int | None = None,
        side_appends: SideAppends | None = None,
        respond: Respond | None = None,
        first: Loaded[S] | None = None,
    ) -> Outcome:
        """Decide against the current state and append; retry lost races unless If-Match was sent.

        `side_appends` turns the decided events into appends to new streams written in the
        same transaction (a stand-up's blockers become impediments). `respond` builds the
        response saved under the request's Idempotency-Key, also in that transaction.
        `first`: the stream as this request already read it (or the empty stream of an id it made
        itself): the first attempt decides against it without reading again. Were it stale, the
        append's expected version fails and the retry reads afresh, as for any lost race.
        """
        stream_id = category.stream_id(entity_id)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            loaded = first if first is not None and attempt == 1 else await self.load(category, entity_id)
            if if_match is not None and if_match != loaded.version:
                raise PreconditionFailed(stream_id, if_match, loaded.version)
            events = decide(loaded.state)
            if not events:  # nothing to record: answer with where the stream already is
                unchanged = AppendResult(
                    stream_id=stream_id,
                    version=loaded.version,
                    positions=[loaded.position],
                    recorded_at=context.now,
                    replayed=True,
                )
                return Outcome(events=[], results=[unchanged])
            appends = [
                StreamAppend(stream_id=stream_id, expected_version=loaded.version, events=new_events(events, context))
            ]
            for side_stream, side_version, side_events in side_appends(events) if side_appends else ():
                appends.append(
                    StreamAppend(
                        stream_id=side_stream, expected_version=side_version, events=new_events(side_events, context)
                    )
                )
            idempotency = None
            if respond is not None and context.idempotency_key is not None:
                key = IdempotencyKey(actor=context.actor, key=context.idempotency_key)
                idempotency = (key, _respond_with(events, respond))
            try:
                results = await self.store.append_many(appends, idempotency=idempotency)
            except ConcurrencyError as error:
                if if_match is not None:
                    raise PreconditionFailed(stream_id, if_match, error.actual) from error
                if attempt == MAX_ATTEMPTS or error.stream_id != stream_id:
                    raise
                continue
            return Outcome(events=events, results=results)
        raise AssertionError("unreachable")


def _respond_with(events: Sequence[Event], respond: Respond) -> Callable[[list[AppendResult]], StoredResponse]:
    return lambda results: respond(Outcome(events=events, results=results))


def fold_recorded(category: Category[S], recorded: Sequence[RecordedEvent]) -> Loaded[S]:
    state = category.initial_state()
    for event in recorded:
        state = category.evolve(state, decode_event(event.type, event.data))
    last = recorded[-1] if recorded else None
    return Loaded(state=state, version=last.version if last else 0, position=last.position if last else 0)


def new_events(events: Sequence[Event], context: RequestContext) -> list[NewEvent]:
    metadata = Metadata(
        actor=context.actor, correlation_id=context.correlation_id, idempotency_key=context.idempotency_key
    )
    return [
        NewEvent(event_id=uuid.uuid4(), type=event_type(event), data=encode_event(event), metadata=metadata)
        for event in events
    ]
