"""Across categories: event names are unique, and lifecycle rules hold for any command sequence."""

import itertools
from datetime import UTC, date, datetime

import msgspec
import msgspec.inspect
from hypothesis import given
from hypothesis import strategies as st

from sprintml.domain import backlog, impediment, sprint, team
from sprintml.domain.decider import Event
from sprintml.domain.errors import DomainError

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ALL_EVENT_TYPES = (*team.EVENT_TYPES, *backlog.EVENT_TYPES, *sprint.EVENT_TYPES, *impediment.EVENT_TYPES)


def test_event_type_names_are_unique_across_categories() -> None:
    # The store's `type` column and the NATS subject use the bare class name.
    names = [cls.__name__ for cls in ALL_EVENT_TYPES]
    assert len(names) == len(set(names))


def test_every_event_is_a_tagged_struct_that_allows_unknown_fields() -> None:
    for cls in ALL_EVENT_TYPES:
        assert issubclass(cls, Event)
        info = msgspec.inspect.type_info(cls)
        assert isinstance(info, msgspec.inspect.StructType)
        assert (info.tag_field, info.tag) == ("type", cls.__name__)
        assert not info.forbid_unknown_fields
        assert cls.__struct_config__.frozen


IMPEDIMENT_COMMANDS = st.sampled_from(
    [
        impediment.RaiseImpediment(impediment_id="x", team_id="t", title="t", now=NOW),
        impediment.AcknowledgeImpediment(impediment_id="x", now=NOW),
        impediment.EscalateImpediment(impediment_id="x", now=NOW),
        impediment.ResolveImpediment(impediment_id="x", now=NOW),
        impediment.ReopenImpediment(impediment_id="x", now=NOW),
    ]
)


@given(st.lists(IMPEDIMENT_COMMANDS, max_size=30))
def test_an_impediment_is_resolved_at_most_once_until_reopened(commands: list[impediment.ImpedimentCommand]) -> None:
    history: list[impediment.ImpedimentEvent] = []
    state = impediment.initial_state()
    for command in commands:
        try:
            events = impediment.decide(command, state)
        except DomainError:
            continue
        for event in events:
            state = impediment.evolve(state, event)
        history.extend(events)
    kinds = [type(e) for e in history if type(e) in (impediment.ImpedimentResolved, impediment.ImpedimentReopened)]
    assert all(a is not b for a, b in itertools.pairwise(kinds))
    assert impediment.fold(history) == state


SPRINT_COMMANDS = st.sampled_from(
    [
        sprint.PlanSprint(
            sprint_id="s", team_id="t", name="n", start_date=date(2025, 3, 3), end_date=date(2025, 3, 7), now=NOW
        ),
        sprint.CommitItems(
            sprint_id="s", items=[sprint.CommittedItem(item_id="i", points=3)], capacity_hours=1, now=NOW
        ),
        sprint.StartSprint(sprint_id="s", now=NOW),
        sprint.RecordStandup(
            sprint_id="s",
            date=date(2025, 3, 4),
            entries=[sprint.StandupEntry(member_id="m")],
            team_member_ids=frozenset({"m"}),
            now=NOW,
        ),
        sprint.ProgressItem(sprint_id="s", item_id="i", status="done", now=NOW),
        sprint.CloseSprint(sprint_id="s", now=NOW),
    ]
)


@given(st.lists(SPRINT_COMMANDS, max_size=30))
def test_a_sprint_starts_once_after_planning_and_closes_once(commands: list[sprint.SprintCommand]) -> None:
    history: list[sprint.SprintEvent] = []
    state = sprint.initial_state()
    for command in commands:
        try:
            events = sprint.decide(command, state)
        except DomainError:
            continue
        for event in events:
            state = sprint.evolve(state, event)
        history.extend(events)
    kinds = [type(e) for e in history]
    assert kinds.count(sprint.SprintStarted) <= 1
    assert kinds.count(sprint.SprintClosed) <= 1
    assert kinds.count(sprint.StandupRecorded) <= 1
    if sprint.SprintStarted in kinds:
        assert kinds.index(sprint.SprintPlanned) < kinds.index(sprint.SprintStarted)
    if sprint.SprintClosed in kinds:
        closed_at = kinds.index(sprint.SprintClosed)
        assert kinds.index(sprint.SprintStarted) < closed_at
        assert sprint.ItemsCommitted not in kinds[closed_at:]
    assert sprint.fold(history) == state
