"""Team decider: given events, when a command, then events (or an error)."""

from datetime import UTC, date, datetime
from typing import get_args

import msgspec
import pytest

from sprintml.domain.errors import InvalidCommand, NotFound, RuleViolated
from sprintml.domain.team import (
    EVENT_TYPES,
    AddMember,
    CancelTimeOff,
    ChangeMemberSkills,
    CreateTeam,
    MemberJoined,
    MemberLeft,
    MemberSkillsChanged,
    RegisterSlackWebhook,
    RemoveMember,
    ScheduleTimeOff,
    SlackWebhookRegistered,
    TeamCommand,
    TeamCreated,
    TeamEvent,
    TimeOffCancelled,
    TimeOffScheduled,
    decide,
    evolve,
    fold,
    initial_state,
)

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CREATED = TeamCreated(team_id="t1", name="Vision", created_at=NOW)
ADA = MemberJoined(
    member_id="ada",
    name="Ada",
    role="ml_engineer",
    skills={"pytorch": 5},
    hours_per_day=8,
    slack_user_id="U1",
    joined_at=NOW,
)
VACATION = TimeOffScheduled(
    time_off_id="off1", member_id="ada", start=date(2025, 3, 10), end=date(2025, 3, 12), scheduled_at=NOW
)


def when(given: list[TeamEvent], command: TeamCommand) -> list[TeamEvent]:
    return decide(command, fold(given))


def add_member(**changes: object) -> AddMember:
    fields: dict[str, object] = {
        "team_id": "t1",
        "member_id": "bob",
        "name": "Bob",
        "role": "data_scientist",
        "skills": {"sql": 3},
        "hours_per_day": 6,
        "now": NOW,
    }
    fields.update(changes)
    return AddMember(**fields)  # type: ignore[arg-type]


def time_off(**changes: object) -> ScheduleTimeOff:
    fields: dict[str, object] = {
        "team_id": "t1",
        "time_off_id": "off2",
        "member_id": "ada",
        "start": date(2025, 3, 20),
        "end": date(2025, 3, 21),
        "now": NOW,
    }
    fields.update(changes)
    return ScheduleTimeOff(**fields)  # type: ignore[arg-type]


# Creating


def test_create_records_the_team_with_its_id_and_name() -> None:
    assert when([], CreateTeam(team_id="t1", name=" Vision ", now=NOW)) == [CREATED]


def test_create_rejects_a_team_that_already_exists() -> None:
    with pytest.raises(RuleViolated):
        when([CREATED], CreateTeam(team_id="t1", name="Again", now=NOW))


def test_create_rejects_a_blank_name() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([], CreateTeam(team_id="t1", name="  ", now=NOW))
    assert raised.value.field == "name"


def test_create_rejects_a_clock_without_timezone() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([], CreateTeam(team_id="t1", name="Vision", now=datetime(2025, 3, 3)))
    assert raised.value.field == "now"


@pytest.mark.parametrize(
    "command",
    [
        add_member(),
        RemoveMember(team_id="t1", member_id="ada", now=NOW),
        ChangeMemberSkills(team_id="t1", member_id="ada", skills={}, now=NOW),
        time_off(),
        CancelTimeOff(team_id="t1", time_off_id="off1", now=NOW),
        RegisterSlackWebhook(team_id="t1", webhook_url="https://hooks.slack.com/services/T/B/x", now=NOW),
    ],
)
def test_every_command_on_a_team_that_does_not_exist_is_not_found(command: TeamCommand) -> None:
    with pytest.raises(NotFound):
        when([], command)


# Members


def test_add_member_records_role_skills_hours_and_slack_user() -> None:
    assert when([CREATED], add_member(slack_user_id="U2")) == [
        MemberJoined(
            member_id="bob",
            name="Bob",
            role="data_scientist",
            skills={"sql": 3},
            hours_per_day=6,
            slack_user_id="U2",
            joined_at=NOW,
        )
    ]


def test_add_member_rejects_a_current_member() -> None:
    with pytest.raises(RuleViolated) as raised:
        when([CREATED, ADA], add_member(member_id="ada"))
    assert raised.value.field == "member_id"


@pytest.mark.parametrize("level", [0, 6, -1])
def test_add_member_rejects_a_skill_level_outside_one_to_five(level: int) -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([CREATED], add_member(skills={"sql": 3, "cuda": level}))
    assert raised.value.field == "skills.cuda"


def test_add_member_rejects_a_skill_without_a_name() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([CREATED], add_member(skills={" ": 3}))
    assert raised.value.field == "skills"


@pytest.mark.parametrize("hours", [-0.5, 24.5])
def test_add_member_rejects_hours_per_day_outside_zero_to_24(hours: float) -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([CREATED], add_member(hours_per_day=hours))
    assert raised.value.field == "hours_per_day"


@pytest.mark.parametrize("hours", [0, 24])
def test_add_member_accepts_the_bounds_of_hours_per_day(hours: float) -> None:
    assert len(when([CREATED], add_member(hours_per_day=hours))) == 1


@pytest.mark.parametrize("field", ["member_id", "name", "role"])
def test_add_member_rejects_blank_text(field: str) -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([CREATED], add_member(**{field: ""}))
    assert raised.value.field == field


def test_add_member_rejects_a_slack_user_linked_to_another_member() -> None:
    with pytest.raises(RuleViolated) as raised:
        when([CREATED, ADA], add_member(slack_user_id="U1"))
    assert raised.value.field == "slack_user_id"


def test_remove_member_records_that_they_left() -> None:
    assert when([CREATED, ADA], RemoveMember(team_id="t1", member_id="ada", now=NOW)) == [
        MemberLeft(member_id="ada", left_at=NOW)
    ]


def test_remove_member_rejects_an_unknown_member_as_not_found() -> None:
    with pytest.raises(NotFound) as raised:
        when([CREATED], RemoveMember(team_id="t1", member_id="ghost", now=NOW))
    assert raised.value.field == "member_id"


def test_remove_member_rejects_a_member_who_already_left() -> None:
    with pytest.raises(NotFound):
        when(
            [CREATED, ADA, MemberLeft(member_id="ada", left_at=NOW)],
            RemoveMember(team_id="t1", member_id="ada", now=NOW),
        )


def test_a_member_who_left_may_join_again() -> None:
    events = when([CREATED, ADA, MemberLeft(member_id="ada", left_at=NOW)], add_member(member_id="ada"))
    assert [type(e) for e in events] == [MemberJoined]


def test_change_skills_replaces_the_whole_skill_map() -> None:
    command = ChangeMemberSkills(team_id="t1", member_id="ada", skills={"jax": 2}, now=NOW)
    assert when([CREATED, ADA], command) == [MemberSkillsChanged(member_id="ada", skills={"jax": 2}, changed_at=NOW)]


def test_change_skills_rejects_an_unknown_member() -> None:
    with pytest.raises(NotFound):
        when([CREATED], ChangeMemberSkills(team_id="t1", member_id="ghost", skills={}, now=NOW))


def test_change_skills_rejects_a_level_outside_one_to_five() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([CREATED, ADA], ChangeMemberSkills(team_id="t1", member_id="ada", skills={"jax": 9}, now=NOW))
    assert raised.value.field == "skills.jax"


# Time off


def test_schedule_time_off_records_inclusive_dates() -> None:
    assert when([CREATED, ADA], time_off()) == [
        TimeOffScheduled(
            time_off_id="off2", member_id="ada", start=date(2025, 3, 20), end=date(2025, 3, 21), scheduled_at=NOW
        )
    ]


def test_schedule_time_off_accepts_a_single_day() -> None:
    assert len(when([CREATED, ADA], time_off(end=date(2025, 3, 20)))) == 1


def test_schedule_time_off_rejects_an_end_before_the_start() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([CREATED, ADA], time_off(end=date(2025, 3, 19)))
    assert raised.value.field == "end"


def test_schedule_time_off_rejects_an_unknown_member_as_invalid() -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([CREATED, ADA], time_off(member_id="ghost"))
    assert raised.value.field == "member_id"


def test_schedule_time_off_rejects_overlap_with_the_members_other_time_off() -> None:
    with pytest.raises(RuleViolated) as raised:
        when([CREATED, ADA, VACATION], time_off(start=date(2025, 3, 12), end=date(2025, 3, 14)))
    assert raised.value.field == "start"


def test_schedule_time_off_rejects_a_reused_time_off_id() -> None:
    with pytest.raises(RuleViolated):
        when([CREATED, ADA, VACATION], time_off(time_off_id="off1"))


def test_cancel_time_off_records_whose_it_was() -> None:
    assert when([CREATED, ADA, VACATION], CancelTimeOff(team_id="t1", time_off_id="off1", now=NOW)) == [
        TimeOffCancelled(time_off_id="off1", member_id="ada", cancelled_at=NOW)
    ]


def test_cancel_time_off_rejects_unknown_time_off() -> None:
    with pytest.raises(NotFound) as raised:
        when([CREATED, ADA], CancelTimeOff(team_id="t1", time_off_id="nope", now=NOW))
    assert raised.value.field == "time_off_id"


def test_cancel_time_off_rejects_time_off_cancelled_before() -> None:
    cancelled = TimeOffCancelled(time_off_id="off1", member_id="ada", cancelled_at=NOW)
    with pytest.raises(NotFound):
        when([CREATED, ADA, VACATION, cancelled], CancelTimeOff(team_id="t1", time_off_id="off1", now=NOW))


# Slack webhook


def test_register_webhook_records_the_url() -> None:
    url = "https://hooks.slack.com/services/T000/B000/XXXX"
    assert when([CREATED], RegisterSlackWebhook(team_id="t1", webhook_url=url, now=NOW)) == [
        SlackWebhookRegistered(webhook_url=url, registered_at=NOW)
    ]


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/services/T/B/X",
        "https://evil.example.com/services/T/B/X",
        "https://hooks.slack.com.evil.example/services/x",
        "https://hooks.slack.com/",
        "not a url",
    ],
)
def test_register_webhook_rejects_anything_but_a_slack_https_webhook(url: str) -> None:
    with pytest.raises(InvalidCommand) as raised:
        when([CREATED], RegisterSlackWebhook(team_id="t1", webhook_url=url, now=NOW))
    assert raised.value.field == "webhook_url"


# Evolve and fold


def test_initial_state_is_a_team_that_does_not_exist() -> None:
    assert initial_state().exists is False
    assert initial_state().members == {}


def test_fold_builds_the_roster_time_off_and_webhook() -> None:
    state = fold(
        [
            CREATED,
            ADA,
            MemberJoined(member_id="bob", name="Bob", role="sre", skills={}, hours_per_day=4, joined_at=NOW),
            VACATION,
            MemberSkillsChanged(member_id="bob", skills={"k8s": 4}, changed_at=NOW),
            SlackWebhookRegistered(webhook_url="https://hooks.slack.com/services/a", registered_at=NOW),
        ]
    )
    assert state.exists
    assert (state.team_id, state.name, state.created_at) == ("t1", "Vision", NOW)
    assert set(state.members) == {"ada", "bob"}
    assert state.members["bob"].skills == {"k8s": 4}
    assert set(state.time_off) == {"off1"}
    assert state.slack_webhook_url == "https://hooks.slack.com/services/a"


def test_leaving_drops_the_members_time_off() -> None:
    state = fold([CREATED, ADA, VACATION, MemberLeft(member_id="ada", left_at=NOW)])
    assert state.members == {}
    assert state.time_off == {}


def test_cancelled_time_off_leaves_the_state() -> None:
    state = fold([CREATED, ADA, VACATION, TimeOffCancelled(time_off_id="off1", member_id="ada", cancelled_at=NOW)])
    assert state.time_off == {}


def test_evolve_does_not_change_the_state_it_was_given() -> None:
    before = fold([CREATED])
    evolve(before, ADA)
    assert before.members == {}


# Serialization


def test_event_types_lists_every_member_of_the_union() -> None:
    assert set(EVENT_TYPES) == set(get_args(TeamEvent))
    assert len(EVENT_TYPES) == 7


EXAMPLES: list[TeamEvent] = [
    CREATED,
    ADA,
    MemberLeft(member_id="ada", left_at=NOW),
    MemberSkillsChanged(member_id="ada", skills={"jax": 1}, changed_at=NOW),
    VACATION,
    TimeOffCancelled(time_off_id="off1", member_id="ada", cancelled_at=NOW),
    SlackWebhookRegistered(webhook_url="https://hooks.slack.com/services/a", registered_at=NOW),
]


def test_examples_cover_every_event_type() -> None:
    assert {type(e) for e in EXAMPLES} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_every_event_round_trips_through_the_union(event: TeamEvent) -> None:
    data = msgspec.json.encode(event)
    assert msgspec.json.decode(data)["type"] == type(event).__name__
    assert msgspec.json.decode(data, type=TeamEvent) == event


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_decoding_ignores_an_unknown_field(event: TeamEvent) -> None:
    raw = msgspec.json.decode(msgspec.json.encode(event))
    raw["added_in_a_later_version"] = {"x": 1}
    assert msgspec.json.decode(msgspec.json.encode(raw), type=TeamEvent) == event


def test_decoding_rejects_a_naive_timestamp() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            b'{"type":"TeamCreated","team_id":"t","name":"n","created_at":"2025-01-01T00:00:00"}', type=TeamEvent
        )
