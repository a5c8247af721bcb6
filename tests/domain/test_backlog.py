"""Backlog-item decider: given events, when a command, then events (or an error)."""

from datetime import UTC, datetime
from typing import get_args

import msgspec
import pytest

from sprintml.domain.backlog import (
    EVENT_TYPES,
    SCALE,
    AddItem,
    BacklogCommand,
    BacklogEvent,
    EstimateItem,
    ItemAdded,
    ItemEstimated,
    ItemRemoved,
    ItemReprioritized,
    RemoveItem,
    ReprioritizeItem,
    consensus,
    decide,
    fold,
    initial_state,
)
from sprintml.domain.errors import InvalidCommand, NotFound, RuleViolated

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ADDED = ItemAdded(
    item_id="i1",
    team_id="t1",
    title="Retrain ranker on March data",
    kind="experiment",
    gpu_hours=40,
    added_at=NOW,
)
REMOVED = ItemRemoved(reason="obsolete", removed_at=NOW)
MEMBERS = frozenset({"ada", "bob", "cy"})


def when(given: list[BacklogEvent], command: BacklogCommand) -> list[BacklogEvent]:
    return decide(command, fold(given))


def add(**changes: object) -> AddItem:
    fields: dict[str, object] = {
        "item_id": "i1",
        "team_id": "t1",
        "title": "Retrain ranker on March data",
        "kind": "experiment",
        "gpu_hours": 40,
        "now": NOW,
    }
    fields.update(changes)
    return AddItem(**fields)  # type: ignore[arg-type]


def estimate(votes: dict[str, int], members: frozenset[str] | None = MEMBERS) -> EstimateItem:
    return EstimateItem(item_id="i1", votes=votes, team_member_ids=members, now=NOW)


# Adding


def test_add_records_kind_title_and_gpu_hours() -> None:
    assert when([], add()) == [ADDED]


def test_add_may_carry_points_and_a_priority() -> None:
    [event] = when([], add(kind="bug", points=3, priority=2))
    assert isinstance(event, ItemAdded)
    assert (event.kind, event.points, event.priority) == ("bug", 3, 2)


def test_add_rejects_an_item_that_already_exists() -> None:
    with pytest.raises(RuleViolated):
        when([ADDED], add())


def test_add_rejects_points_off_the_poker_scale() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([], add(points=4))
    assert raised.value.field == "points"


@pytest.mark.parametrize("hours", [-1.0, float("inf"), float("nan")])
def test_add_rejects_gpu_hours_that_are_not_zero_or_more(hours: float) -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([], add(gpu_hours=hours))
    assert raised.value.field == "gpu_hours"


def test_add_rejects_a_blank_title() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([], add(title=""))
    assert raised.value.field == "title"


def test_add_rejects_a_priority_below_one() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([], add(priority=0))
    assert raised.value.field == "priority"


@pytest.mark.parametrize(
    "command",
    [
        estimate({"ada": 3}),
        ReprioritizeItem(item_id="i1", priority=1, now=NOW),
        RemoveItem(item_id="i1", now=NOW),
    ],
    ids=lambda c: type(c).__name__,
)
def test_every_command_on_an_item_that_does_not_exist_is_not_found(command: BacklogCommand) -> None:
    with pytest.raises(NotFound):
        when([], command)


@pytest.mark.parametrize(
    "command",
    [
        estimate({"ada": 3}),
        ReprioritizeItem(item_id="i1", priority=1, now=NOW),
        RemoveItem(item_id="i1", now=NOW),
    ],
    ids=lambda c: type(c).__name__,
)
def test_every_command_on_a_removed_item_is_refused(command: BacklogCommand) -> None:
    with pytest.raises(RuleViolated):
        when([ADDED, REMOVED], command)


# Planning poker


def test_estimate_with_adjacent_votes_reaches_consensus_on_the_higher_card() -> None:
    votes = {"ada": 3, "bob": 5, "cy": 5}
    assert when([ADDED], estimate(votes)) == [
        ItemEstimated(votes=votes, consensus_points=5, revote_needed=False, estimated_at=NOW)
    ]


def test_estimate_with_identical_votes_reaches_consensus() -> None:
    [event] = when([ADDED], estimate({"ada": 8, "bob": 8}))
    assert isinstance(event, ItemEstimated)
    assert event.consensus_points == 8


def test_estimate_with_votes_two_cards_apart_needs_a_revote() -> None:
    votes = {"ada": 2, "bob": 5}
    assert when([ADDED], estimate(votes)) == [
        ItemEstimated(votes=votes, consensus_points=None, revote_needed=True, estimated_at=NOW)
    ]


def test_estimate_with_a_single_vote_is_a_consensus() -> None:
    [event] = when([ADDED], estimate({"ada": 13}))
    assert isinstance(event, ItemEstimated)
    assert event.consensus_points == 13


def test_estimate_rejects_a_vote_off_the_scale() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([ADDED], estimate({"ada": 3, "bob": 4}))
    assert raised.value.field == "votes.bob"


def test_estimate_rejects_a_vote_of_someone_not_on_the_team() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([ADDED], estimate({"ada": 3, "eve": 3}))
    assert raised.value.field == "votes.eve"


def test_estimate_without_a_roster_does_not_check_voters() -> None:
    assert len(when([ADDED], estimate({"anyone": 3}, members=None))) == 1


def test_estimate_rejects_no_votes() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([ADDED], estimate({}))
    assert raised.value.field == "votes"


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        ([0, 1], 1),
        ([1, 2, 1], 2),
        ([40, 100], 100),
        ([20, 20, 13], 20),
        ([0, 2], None),
        ([1, 3, 2], None),
        ([5, 13], None),
        ([], None),
    ],
)
def test_consensus_is_the_highest_card_when_all_votes_are_within_one_step(
    votes: list[int], expected: int | None
) -> None:
    assert consensus(votes) == expected


def test_the_scale_is_the_modified_fibonacci_deck() -> None:
    assert SCALE == (0, 1, 2, 3, 5, 8, 13, 20, 40, 100)


# Reprioritizing and removing


def test_reprioritize_records_the_new_and_the_previous_rank() -> None:
    ranked = ItemReprioritized(priority=4, reprioritized_at=NOW)
    assert when([ADDED, ranked], ReprioritizeItem(item_id="i1", priority=1, now=NOW)) == [
        ItemReprioritized(priority=1, previous_priority=4, reprioritized_at=NOW)
    ]


def test_reprioritize_rejects_a_rank_below_one() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([ADDED], ReprioritizeItem(item_id="i1", priority=-3, now=NOW))
    assert raised.value.field == "priority"


def test_remove_records_the_reason() -> None:
    assert when([ADDED], RemoveItem(item_id="i1", reason=" obsolete ", now=NOW)) == [REMOVED]


# Evolve and fold


def test_initial_state_is_an_item_that_does_not_exist() -> None:
    assert initial_state().exists is False


def test_fold_of_an_added_item() -> None:
    state = fold([ADDED])
    assert state.exists
    assert (state.item_id, state.team_id, state.kind, state.gpu_hours) == ("i1", "t1", "experiment", 40)
    assert state.points is None
    assert not state.removed


def test_consensus_sets_the_items_points() -> None:
    state = fold([ADDED, ItemEstimated(votes={"ada": 5}, consensus_points=5, revote_needed=False, estimated_at=NOW)])
    assert state.points == 5
    assert state.estimation_rounds == 1


def test_a_round_without_consensus_keeps_the_earlier_points() -> None:
    state = fold(
        [
            ADDED,
            ItemEstimated(votes={"ada": 5}, consensus_points=5, revote_needed=False, estimated_at=NOW),
            ItemEstimated(votes={"ada": 1, "bob": 8}, consensus_points=None, revote_needed=True, estimated_at=NOW),
        ]
    )
    assert state.points == 5
    assert state.last_votes == {"ada": 1, "bob": 8}
    assert state.estimation_rounds == 2


def test_fold_of_a_reprioritized_and_removed_item() -> None:
    state = fold([ADDED, ItemReprioritized(priority=3, reprioritized_at=NOW), REMOVED])
    assert state.priority == 3
    assert state.removed
    assert state.removed_at == NOW


# Serialization

EXAMPLES: list[BacklogEvent] = [
    ADDED,
    ItemEstimated(votes={"ada": 3, "bob": 5}, consensus_points=5, revote_needed=False, estimated_at=NOW),
    ItemReprioritized(priority=1, previous_priority=2, reprioritized_at=NOW),
    REMOVED,
]


def test_event_types_lists_every_member_of_the_union() -> None:
    assert set(EVENT_TYPES) == set(get_args(BacklogEvent))
    assert {type(e) for e in EXAMPLES} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_every_event_round_trips_through_the_union(event: BacklogEvent) -> None:
    data = msgspec.json.encode(event)
    assert msgspec.json.decode(data)["type"] == type(event).__name__
    assert msgspec.json.decode(data, type=BacklogEvent) == event


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_decoding_ignores_an_unknown_field(event: BacklogEvent) -> None:
    raw = msgspec.json.decode(msgspec.json.encode(event))
    raw["added_in_a_later_version"] = None
    assert msgspec.json.decode(msgspec.json.encode(raw), type=BacklogEvent) == event
