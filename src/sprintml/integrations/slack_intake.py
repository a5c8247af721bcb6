"""Slack intake: `/impediment` text and shortcut messages in, impediments out, Block Kit replies back.

Why a redelivery writes nothing new
-----------------------------------
Slack retries a request it thinks failed, and a retry may arrive while the first attempt is
still running. Two things make that safe, both stored, neither in memory:

1. The impediment id is derived from the delivery (`slack-<sha1(delivery id)[:16]>`, the
   delivery id being `slash:<trigger_id>` or `shortcut:<trigger_id>`). A second attempt
   decides against the same `impediment-…` stream: if the first has committed, the decider
   refuses a second raise; if both race, both append with expected version NO_STREAM, the
   store lets exactly one win and the loser's retry then meets the refusal. Either way one
   `ImpedimentRaised`, and the loser answers "already raised".
2. After the append, `slack_deliveries` records delivery → impediment (`ON CONFLICT DO
   NOTHING`), so a later redelivery is answered from there without touching the roster (the
   member may have left since). Events API callbacks record `event:<event_id>` the same way.

The delivery row is written after the append and not in its transaction: the store's append
owns its transaction, and the deterministic id already makes the append idempotent. A crash
between the two leaves no row; the redelivery then meets the existing stream, answers
"already raised" and writes the row. Writing the row first would be worse: a failed append
would leave a row that swallows every retry, and the impediment would be lost.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, get_args

from sprintml.application import IMPEDIMENT, CommandHandler, RequestContext
from sprintml.domain import impediment
from sprintml.domain.errors import RuleViolated
from sprintml.domain.impediment import Severity
from sprintml.integrations.slack_members import SlackMember, members_for_slack_user

SEVERITIES: Final[tuple[str, ...]] = get_args(Severity)
DEFAULT_SEVERITY: Final[Severity] = "medium"
SHORTCUT_CALLBACK_ID: Final = "raise_impediment"
"""The Callback ID to give the "Raise impediment" message shortcut in the Slack app's settings."""

MAX_TITLE: Final = 200
MAX_DESCRIPTION: Final = 4000
_TEAM_TOKEN = re.compile(r"^team:([A-Za-z0-9_-]{1,64})$", re.IGNORECASE)
_MENTION = re.compile(r"<[@#!][^>]*>")

Block = dict[str, Any]
Reply = dict[str, Any]


@dataclass(frozen=True)
class ParsedCommand:
    """`/impediment [team:<id>] [low|medium|high|critical] text`."""

    title: str
    severity: Severity
    team_id: str | None = None


def parse_command_text(text: str) -> ParsedCommand:
    """Split the optional team and severity off the front; the rest is the title (may be empty)."""
    words = _clean(text).split()
    team_id: str | None = None
    severity: Severity = DEFAULT_SEVERITY
    if words and (match := _TEAM_TOKEN.match(words[0])):
        team_id = match.group(1)
        words = words[1:]
    if words and words[0].lower() in SEVERITIES:
        severity = _severity(words[0].lower())
        words = words[1:]
    return ParsedCommand(title=_truncate(" ".join(words), MAX_TITLE), severity=severity, team_id=team_id)


def title_from_message(text: str) -> tuple[str, str]:
    """(title, description) of a message raised by the shortcut: its first line, and the whole text.

    No severity is read from a message: "High memory on node 3" is medium with that title.
    """
    cleaned = _clean(text).strip()
    first_line = next((line.strip() for line in cleaned.splitlines() if line.strip()), "")
    description = cleaned if cleaned != first_line else ""
    return _truncate(first_line, MAX_TITLE), _truncate(description, MAX_DESCRIPTION)


def impediment_id_for(delivery_id: str) -> str:
    """The impediment a delivery raises: the same for every redelivery (module docstring)."""
    return "slack-" + hashlib.sha1(delivery_id.encode(), usedforsecurity=False).hexdigest()[:16]


# -- outcomes ---------------------------------------------------------------------------------

Outcome = Literal["raised", "already_raised", "unknown_user", "ambiguous_team", "not_in_team", "empty"]


@dataclass(frozen=True)
class IntakeResult:
    outcome: Outcome
    impediment_id: str | None = None
    title: str = ""
    severity: Severity = DEFAULT_SEVERITY
    team_id: str | None = None
    team_name: str = ""
    teams: tuple[SlackMember, ...] = ()


@dataclass(frozen=True)
class SlackRaise:
    """One Slack request that wants an impediment raised."""

    delivery_id: str
    slack_user_id: str
    title: str
    severity: Severity = DEFAULT_SEVERITY
    description: str = ""
    team_id: str | None = None
    """From `team:<id>`; needed only when the user is a member of several teams."""


async def raise_from_slack(handler: CommandHandler, request: SlackRaise, now: datetime) -> IntakeResult:
    """Raise the impediment for the Slack user's team, once per delivery; see the module docstring."""
    earlier = await _handled(handler, request.delivery_id)
    if earlier is not None:
        return await _already_raised(handler, earlier)
    memberships = await members_for_slack_user(handler, request.slack_user_id)
    if not memberships:
        return IntakeResult(outcome="unknown_user")
    if request.team_id is not None:
        chosen = [m for m in memberships if m.team_id == request.team_id]
        if not chosen:
            return IntakeResult(outcome="not_in_team", team_id=request.team_id, teams=tuple(memberships))
        memberships = chosen
    if len(memberships) > 1:
        return IntakeResult(outcome="ambiguous_team", teams=tuple(memberships))
    if not request.title.strip():
        return IntakeResult(outcome="empty")
    member = memberships[0]
    impediment_id = impediment_id_for(request.delivery_id)
    command = impediment.RaiseImpediment(
        impediment_id=impediment_id,
        team_id=member.team_id,
        title=request.title,
        severity=request.severity,
        source="slack",
        description=request.description,
        now=now,
    )
    context = RequestContext(
        actor=f"slack:{request.slack_user_id}/{member.member_id}",
        correlation_id=request.delivery_id[:200],
        now=now,
    )
    try:
        await handler.execute(IMPEDIMENT, impediment_id, lambda state: impediment.decide(command, state), context)
    except RuleViolated:
        # The stream exists: an earlier attempt of this delivery raised it (module docstring, 1).
        await _record(handler, request.delivery_id, impediment_id)
        return await _already_raised(handler, impediment_id)
    await _record(handler, request.delivery_id, impediment_id)
    return IntakeResult(
        outcome="raised",
        impediment_id=impediment_id,
        title=command.title.strip(),
        severity=command.severity,
        team_id=member.team_id,
        team_name=member.team_name,
    )


async def claim_delivery(handler: CommandHandler, delivery_id: str) -> bool:
    """Record a delivery that raises nothing (an Events API callback); False if it came before."""
    status = await handler.store.pool.execute(
        "INSERT INTO slack_deliveries (delivery_id) VALUES ($1) ON CONFLICT (delivery_id) DO NOTHING", delivery_id
    )
    return status.endswith(" 1")


async def _handled(handler: CommandHandler, delivery_id: str) -> str | None:
    row = await handler.store.pool.fetchrow(
        "SELECT impediment_id FROM slack_deliveries WHERE delivery_id = $1", delivery_id
    )
    return None if row is None else row["impediment_id"]


async def _record(handler: CommandHandler, delivery_id: str, impediment_id: str) -> None:
    await handler.store.pool.execute(
        "INSERT INTO slack_deliveries (delivery_id, impediment_id) VALUES ($1, $2) "
        "ON CONFLICT (delivery_id) DO NOTHING",
        delivery_id,
        impediment_id,
    )


async def _already_raised(handler: CommandHandler, impediment_id: str) -> IntakeResult:
    state = (await handler.load(IMPEDIMENT, impediment_id)).state
    return IntakeResult(
        outcome="already_raised",
        impediment_id=impediment_id,
        title=state.title,
        severity=state.severity,
        team_id=state.team_id or None,
    )


# -- replies (Block Kit) ----------------------------------------------------------------------


def reply_for(result: IntakeResult) -> Reply:
    """The ephemeral answer Slack shows only to the user who asked."""
    match result.outcome:
        case "raised" | "already_raised":
            return _impediment_reply(result)
        case "unknown_user":
            return ephemeral(
                "Your Slack account is not linked to a sprintml team member.",
                "Ask your scrum master to add your Slack user id to your member record "
                "(`POST /teams/{team_id}/members` with `slack_user_id`), then try again. Nothing was recorded.",
            )
        case "ambiguous_team":
            return ephemeral(
                "You are a member of several teams: which one is blocked?",
                "Name the team first: `/impediment team:<team_id> [severity] text`. Your teams: "
                + _team_list(result.teams)
                + ". Nothing was recorded.",
            )
        case "not_in_team":
            return ephemeral(
                f"You are not a member of team {escape(result.team_id or '')}.",
                "Your teams: " + _team_list(result.teams) + ". Nothing was recorded.",
            )
        case "empty":
            return usage_reply()


def usage_reply() -> Reply:
    return ephemeral(
        "What is blocking you?",
        "Usage: `/impediment [low|medium|high|critical] what is blocking you` "
        "(severity defaults to medium). Nothing was recorded.",
    )


def ephemeral(summary: str, detail: str) -> Reply:
    """A short ephemeral message: a bold line and an explanation."""
    return {
        "response_type": "ephemeral",
        "text": f"{summary} {detail}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(summary)}*\n{detail}"}}],
    }


def impediment_blocks(
    heading: str, impediment_id: str, title: str, severity: str, team: str, extra: list[Block] | None = None
) -> list[Block]:
    """Title, severity, team and id, and a reference to the impediment in the API."""
    return [
        {"type": "header", "text": {"type": "plain_text", "text": _truncate(heading, 150), "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(_truncate(title, 2900))}*"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Severity*\n{severity_label(severity)}"},
                {"type": "mrkdwn", "text": f"*Team*\n{escape(team)}"},
                {"type": "mrkdwn", "text": f"*Id*\n`{impediment_id}`"},
            ],
        },
        *(extra or []),
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Reference: `impediment-{impediment_id}` · history at "
                    f"`GET /streams/impediment-{impediment_id}` · lifecycle at `/impediments/{impediment_id}/…`",
                }
            ],
        },
    ]


def severity_label(severity: str) -> str:
    icons = {"critical": ":red_circle:", "high": ":large_orange_circle:", "medium": ":large_yellow_circle:"}
    return f"{icons.get(severity, ':white_circle:')} {severity}"


def escape(text: str) -> str:
    """Slack's three mrkdwn control characters, so user text cannot ping or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _impediment_reply(result: IntakeResult) -> Reply:
    assert result.impediment_id is not None
    heading = "Impediment raised" if result.outcome == "raised" else "Already raised"
    text = f"{heading}: {result.title} ({result.severity}, id {result.impediment_id})"
    team = result.team_name or result.team_id or ""
    return {
        "response_type": "ephemeral",
        "text": text,
        "blocks": impediment_blocks(heading, result.impediment_id, result.title, result.severity, team),
    }


def _team_list(memberships: tuple[SlackMember, ...]) -> str:
    return ", ".join(f"`{m.team_id}` ({escape(m.team_name)})" for m in memberships)


def _clean(text: str) -> str:
    # Slack encodes &, < and > in text it sends; mentions and channel links become plain names.
    text = _MENTION.sub(lambda m: m.group(0)[1:-1].split("|")[-1].lstrip("@#!"), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("\x00", "")


def _truncate(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _severity(word: str) -> Severity:
    match word:
        case "low" | "medium" | "high" | "critical":
            return word
    raise ValueError(word)
