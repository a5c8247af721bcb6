"""Impediment decider: given events, when a command, then events (or an error)."""

from datetime import UTC, datetime
from typing import get_args

import msgspec
import pytest

from sprintml.domain.errors import InvalidCommand, NotFound, RuleViolated
from sprintml.domain.impediment import (
    EVENT_TYPES,
    AcknowledgeImpediment,
    EscalateImpediment,
    ImpedimentAcknowledged,
    ImpedimentCommand,
    ImpedimentEscalated,
    ImpedimentEvent,
    ImpedimentRaised,
    ImpedimentReopened,
    ImpedimentResolved,
    RaiseImpediment,
    ReopenImpediment,
    ResolveImpediment,
    decide,
    fold,
    initial_state,
)

NOW = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
RAISED = ImpedimentRaised(
    impediment_id="imp1",
    team_id="t1",
    title="GPU quota exhausted",
    severity="high",
    source="slack",
    blocked_item_ids=["i1"],
    blocked_member_ids=["ada"],
    description="A100 pool is full",
    raised_at=NOW,
)
ACKNOWLEDGED = ImpedimentAcknowledged(acknowledged_at=NOW)
ESCALATED = ImpedimentEscalated(reason="blocks the release", escalated_at=NOW)
RESOLVED = ImpedimentResolved(resolution="quota raised", resolved_at=NOW)
REOPENED = ImpedimentReopened(reason="quota reverted", reopened_at=NOW)

ACKNOWLEDGE = AcknowledgeImpediment(impediment_id="imp1", now=NOW)
ESCALATE = EscalateImpediment(impediment_id="imp1", reason="blocks the release", now=NOW)
RESOLVE = ResolveImpediment(impediment_id="imp1", resolution="quota raised", now=NOW)
REOPEN = ReopenImpediment(impediment_id="imp1", reason="quota reverted", now=NOW)


def when(given: list[ImpedimentEvent], command: ImpedimentCommand) -> list[ImpedimentEvent]:
    return decide(command, fold(given))


def raise_(**changes: object) -> RaiseImpediment:
    fields: dict[str, object] = {
        "impediment_id": "imp1",
        "team_id": "t1",
        "title": " GPU quota exhausted ",
        "severity": "high",
        "source": "slack",
        "blocked_item_ids": ["i1"],
        "blocked_member_ids": ["ada"],
        "description": "A100 pool is full",
        "now": NOW,
    }
    fields.update(changes)
    return RaiseImpediment(**fields)  # type: ignore[arg-type]


# Raising


def test_raise_records_title_severity_source_and_what_is_blocked() -> None:
    assert when([], raise_()) == [RAISED]


def test_raise_defaults_to_medium_severity_from_the_api() -> None:
    [event] = when([], RaiseImpediment(impediment_id="imp1", team_id="t1", title="VPN down", now=NOW))
    assert isinstance(event, ImpedimentRaised)
    assert (event.severity, event.source, event.blocked_item_ids, event.sprint_id) == ("medium", "api", [], None)


def test_raise_from_a_standup_records_the_sprint() -> None:
    [event] = when([], raise_(source="standup", sprint_id="s1"))
    assert isinstance(event, ImpedimentRaised)
    assert event.sprint_id == "s1"


def test_raise_rejects_an_impediment_that_already_exists() -> None:
    with pytest.raises(RuleViolated):
        when([RAISED], raise_())


def test_raise_rejects_a_blank_title() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([], raise_(title="  "))
    assert raised.value.field == "title"


def test_raise_rejects_a_blocked_item_listed_twice() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([], raise_(blocked_item_ids=["i1", "i1"]))
    assert raised.value.field == "blocked_item_ids[1]"


@pytest.mark.parametrize("command", [ACKNOWLEDGE, ESCALATE, RESOLVE, REOPEN], ids=lambda c: type(c).__name__)
def test_every_command_on_an_impediment_that_does_not_exist_is_not_found(command: ImpedimentCommand) -> None:
    with pytest.raises(NotFound) as raised:
        when([], command)
    assert raised.value.field == "impediment_id"


# Lifecycle: the happy paths


def test_acknowledge_an_open_impediment() -> None:
    assert when([RAISED], ACKNOWLEDGE) == [ACKNOWLEDGED]


@pytest.mark.parametrize("given", [[RAISED], [RAISED, ACKNOWLEDGED]], ids=["open", "acknowledged"])
def test_escalate_an_open_or_acknowledged_impediment(given: list[ImpedimentEvent]) -> None:
    assert when(given, ESCALATE) == [ESCALATED]


@pytest.mark.parametrize(
    "given",
    [[RAISED], [RAISED, ACKNOWLEDGED], [RAISED, ACKNOWLEDGED, ESCALATED], [RAISED, RESOLVED, REOPENED]],
    ids=["open", "acknowledged", "escalated", "reopened"],
)
def test_resolve_an_impediment_that_is_not_resolved(given: list[ImpedimentEvent]) -> None:
    assert when(given, RESOLVE) == [RESOLVED]


def test_reopen_a_resolved_impediment() -> None:
    assert when([RAISED, RESOLVED], REOPEN) == [REOPENED]


def test_a_reopened_impediment_can_be_acknowledged_again() -> None:
    assert when([RAISED, ACKNOWLEDGED, RESOLVED, REOPENED], ACKNOWLEDGE) == [ACKNOWLEDGED]


# Lifecycle: the rules


def test_resolve_rejects_an_impediment_already_resolved() -> None:
    with pytest.raises(RuleViolated):
        when([RAISED, RESOLVED], RESOLVE)


@pytest.mark.parametrize(
    "given", [[RAISED, ACKNOWLEDGED], [RAISED, ESCALATED], [RAISED, RESOLVED]], ids=["ack", "escalated", "resolved"]
)
def test_acknowledge_rejects_an_impediment_that_is_not_open(given: list[ImpedimentEvent]) -> None:
    with pytest.raises(RuleViolated):
        when(given, ACKNOWLEDGE)


@pytest.mark.parametrize("given", [[RAISED, ESCALATED], [RAISED, RESOLVED]], ids=["escalated", "resolved"])
def test_escalate_rejects_an_escalated_or_resolved_impediment(given: list[ImpedimentEvent]) -> None:
    with pytest.raises(RuleViolated):
        when(given, ESCALATE)


@pytest.mark.parametrize(
    "given", [[RAISED], [RAISED, ACKNOWLEDGED], [RAISED, ESCALATED]], ids=["open", "ack", "escalated"]
)
def test_reopen_rejects_an_impediment_that_is_not_resolved(given: list[ImpedimentEvent]) -> None:
    with pytest.raises(RuleViolated):
        when(given, REOPEN)


# Evolve and fold


def test_initial_state_is_an_impediment_that_does_not_exist() -> None:
    assert initial_state().exists is False


def test_fold_records_what_was_raised() -> None:
    state = fold([RAISED])
    assert state.exists
    assert state.status == "open"
    assert (state.team_id, state.title, state.severity, state.source) == ("t1", "GPU quota exhausted", "high", "slack")
    assert state.blocked_item_ids == ("i1",)
    assert state.raised_at == NOW


def test_fold_follows_the_lifecycle() -> None:
    assert fold([RAISED, ACKNOWLEDGED]).status == "acknowledged"
    assert fold([RAISED, ACKNOWLEDGED, ESCALATED]).status == "escalated"
    resolved = fold([RAISED, ACKNOWLEDGED, ESCALATED, RESOLVED])
    assert resolved.status == "resolved"
    assert resolved.resolution == "quota raised"


def test_reopening_starts_the_lifecycle_over() -> None:
    state = fold([RAISED, ACKNOWLEDGED, RESOLVED, REOPENED])
    assert state.status == "open"
    assert state.acknowledged_at is None
    assert state.resolved_at is None
    assert state.resolution == ""
    assert state.times_reopened == 1


# Serialization

EXAMPLES: list[ImpedimentEvent] = [RAISED, ACKNOWLEDGED, ESCALATED, RESOLVED, REOPENED]


def test_event_types_lists_every_member_of_the_union() -> None:
    assert set(EVENT_TYPES) == set(get_args(ImpedimentEvent))
    assert {type(e) for e in EXAMPLES} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_every_event_round_trips_through_the_union(event: ImpedimentEvent) -> None:
    data = msgspec.json.encode(event)
    assert msgspec.json.decode(data)["type"] == type(event).__name__
    assert msgspec.json.decode(data, type=ImpedimentEvent) == event


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_decoding_ignores_an_unknown_field(event: ImpedimentEvent) -> None:
    raw = msgspec.json.decode(msgspec.json.encode(event))
    raw["added_in_a_later_version"] = "x"
    assert msgspec.json.decode(msgspec.json.encode(raw), type=ImpedimentEvent) == event


def test_decoding_rejects_an_unknown_severity() -> None:
    raw = msgspec.json.decode(msgspec.json.encode(RAISED))
    raw["severity"] = "apocalyptic"
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(msgspec.json.encode(raw), type=ImpedimentEvent)
