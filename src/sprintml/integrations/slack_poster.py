"""The Slack poster: follows the event feed and posts impediments to each team's Slack incoming webhook.

What is posted
--------------
`ImpedimentRaised` and `ImpedimentEscalated`, to the webhook the team had registered when
the event happened (the last `SlackWebhookRegistered` before the event's position), so a
poster catching up never sends old news to a webhook registered later. SLA breaches are
found on a timer (`sla_interval`, a minute by default) over the open impediments the poster
knows, confirmed by a fold of the impediment's stream, posted to the team's current webhook
once per impediment (`slack_sla_posts`, so also once across restarts).

Never in the request path
-------------------------
Writers never wait for Slack: the poster is a follower of the feed like the relay, one
active instance at a time (`followers.leadership("slack-poster")`). A failed post is
retried with capped exponential backoff up to `max_attempts` (honouring `Retry-After` on a
429); a 4xx other than 429 is permanent (revoked webhook, bad payload) and not retried. The
checkpoint moves past an event once its post succeeded or was given up (logged), so Slack
being down delays posts but never stops the poster, and a crash re-posts at most the one
event in hand.

Where it starts
---------------
With a checkpoint it resumes there. The first run ever starts at the head of the feed:
posting a team's whole history into its channel would be noise, not news. `from_position`
overrides that once (tests, or an operator replaying).

The open impediments are seeded at each start by folding every impediment stream up to
the checkpoint (one scan of those events), then kept current from the feed.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, cast

import httpx
import msgspec

from sprintml.application import IMPEDIMENT, CommandHandler
from sprintml.domain import impediment
from sprintml.domain.catalog import decode_event
from sprintml.domain.team import SlackWebhookRegistered
from sprintml.eventstore import PostgresEventStore, RecordedEvent, stream_category
from sprintml.eventstore.followers import Leadership, leadership, save_checkpoint
from sprintml.integrations.slack_intake import Block, escape, impediment_blocks
from sprintml.metrics.impediments import DEFAULT_SLA, SlaPolicy, sla_state

CHECKPOINT_NAME: Final = "slack-poster"
LEADERSHIP_CHECK_SECONDS: Final = 5.0
POSTED_TYPES: Final = frozenset({"ImpedimentRaised", "ImpedimentEscalated"})
# A type this code does not know (written by a newer version, or by hand) is not news for
# Slack and must not stall the poster: it is skipped, as a projection would.
IMPEDIMENT_TYPES: Final = frozenset(cls.__name__ for cls in impediment.EVENT_TYPES)

_log = logging.getLogger(__name__)
_encode = msgspec.json.Encoder().encode

Message = dict[str, Any]


def _impediment_event(type_name: str, data: bytes | msgspec.Raw) -> impediment.ImpedimentEvent | None:
    """The decoded impediment event, or None (logged) for one this code cannot read."""
    if type_name not in IMPEDIMENT_TYPES:
        return None
    try:
        event = decode_event(type_name, data)
    except msgspec.ValidationError as error:
        _log.error("slack poster: skipped an unreadable %s: %s", type_name, error)
        return None
    assert isinstance(event, impediment.EVENT_TYPES)
    return cast("impediment.ImpedimentEvent", event)


async def post_json(http: httpx.AsyncClient, url: str, payload: Message) -> httpx.Response:
    """One POST of a Slack message (webhook or response_url); the caller judges the status."""
    return await http.post(url, content=_encode(payload), headers={"Content-Type": "application/json"})


@dataclass
class PosterStatus:
    """What the poster has done, for logs and tests."""

    active: bool = False
    position: int = 0
    """Every event up to here is posted, given up, or needed no post."""
    posted: int = 0
    given_up: int = 0
    sla_posted: int = 0
    last_error: str | None = None


class _Backoff:
    def __init__(self, first: float, cap: float) -> None:
        self.first = first
        self.cap = cap

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        if retry_after is not None:
            with contextlib.suppress(ValueError):
                return min(max(float(retry_after), 0.0), self.cap)
        return min(self.first * 2.0 ** (attempt - 1), self.cap)


class SlackPoster:
    """One poster instance: `run()` until cancelled; see the module docstring."""

    def __init__(
        self,
        store: PostgresEventStore,
        dsn: str,
        *,
        http: httpx.AsyncClient | None = None,
        rewrite_url: Callable[[str], str] | None = None,
        from_position: int | None = None,
        checkpoint_name: str = CHECKPOINT_NAME,
        max_attempts: int = 5,
        first_backoff: float = 0.5,
        max_backoff: float = 30.0,
        request_timeout: float = 10.0,
        sla_policy: SlaPolicy = DEFAULT_SLA,
        sla_interval: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        poll_interval: float = 1.0,
        batch_size: int = 200,
        status: PosterStatus | None = None,
    ) -> None:
        self.store = store
        self.handler = CommandHandler(store)
        self.dsn = dsn
        self.http = http
        self.rewrite_url = rewrite_url
        """Tests only: where a webhook URL is really sent (the domain accepts only hooks.slack.com)."""
        self.checkpoint_name = checkpoint_name
        self.max_attempts = max_attempts
        self.request_timeout = request_timeout
        self.sla_policy = sla_policy
        self.sla_interval = sla_interval
        self.clock = clock
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.status = status if status is not None else PosterStatus()
        self._from_position = from_position
        self._backoff = _Backoff(first_backoff, max_backoff)
        self._webhooks: dict[str, list[tuple[int, str]]] = {}
        self._open: dict[str, impediment.ImpedimentState] = {}
        self._sla_posted: set[str] = set()
        self._checked_leadership_at = 0.0

    async def run(self) -> None:
        """Post for ever: wait for the lock, then follow the feed; any failure backs off and retries."""
        own_http = self.http is None
        http = self.http or httpx.AsyncClient(timeout=self.request_timeout)
        failures = 0
        try:
            while True:
                try:
                    async with leadership(self.dsn, self.checkpoint_name) as lead:
                        self.status.active = True
                        await self._follow(lead, http)
                except Exception as error:  # never crash the process: the log keeps every event
                    failures += 1
                    self.status.last_error = repr(error)
                    _log.warning("slack poster: %r; retrying", error)
                    await asyncio.sleep(self._backoff.delay(min(failures, 10)))
                finally:
                    self.status.active = False
        finally:
            if own_http:
                await http.aclose()

    async def _follow(self, lead: Leadership, http: httpx.AsyncClient) -> None:
        position = await self._start_position()
        await self._seed(position)
        self._webhooks.clear()  # another instance may have been active meanwhile
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._follow_feed(lead, http, position))
            tasks.create_task(self._watch_slas(lead, http))

    async def _start_position(self) -> int:
        async with self.store.pool.acquire() as connection:
            stored = await connection.fetchval("SELECT position FROM checkpoints WHERE name = $1", self.checkpoint_name)
            if self._from_position is not None or stored is None:
                start = self._from_position if self._from_position is not None else await self.store.head_position()
                await save_checkpoint(connection, self.checkpoint_name, start)
                self._from_position = None
                stored = start
        self.status.position = int(stored)
        return int(stored)

    async def _seed(self, position: int) -> None:
        rows = await self.store.pool.fetch("SELECT impediment_id FROM slack_sla_posts")
        self._sla_posted = {row["impediment_id"] for row in rows}
        rows = await self.store.pool.fetch(
            "SELECT stream_id, type, data FROM events WHERE starts_with(stream_id, 'impediment-') AND position <= $1 "
            "AND type = ANY($2::text[]) ORDER BY position",
            position,
            list(IMPEDIMENT_TYPES),
        )
        states: dict[str, impediment.ImpedimentState] = {}
        for row in rows:
            event = _impediment_event(row["type"], row["data"])
            if event is None:
                continue
            prior = states.get(row["stream_id"], impediment.initial_state())
            states[row["stream_id"]] = impediment.evolve(prior, event)
        self._open = {s.impediment_id: s for s in states.values() if s.exists and s.status != "resolved"}

    # -- the feed ---------------------------------------------------------------------------

    async def _follow_feed(self, lead: Leadership, http: httpx.AsyncClient, position: int) -> None:
        feed = self.store.subscribe(position, self.batch_size, self.poll_interval)
        try:
            async for batch in feed:
                await self._check(lead)
                for event in batch:
                    if await self._handle(http, event):
                        await self._save(event.position)
                await self._save(batch[-1].position)
        finally:
            if isinstance(feed, AsyncGenerator):
                await feed.aclose()  # gives the LISTEN connection back to the pool now

    async def _handle(self, http: httpx.AsyncClient, event: RecordedEvent) -> bool:
        """Keep the caches current; post if the event is news for Slack. True if a post was tried."""
        category = stream_category(event.stream_id)
        if category == "team" and event.type == "SlackWebhookRegistered":
            self._webhooks.pop(event.stream_id.removeprefix("team-"), None)
            return False
        if category != "impediment" or event.type not in IMPEDIMENT_TYPES:
            return False
        state = await self._track(event)
        if event.type not in POSTED_TYPES or not state.exists:
            return False
        url = await self._webhook_at(state.team_id, event.position)
        if url is None:
            return False
        message = raised_message(state) if event.type == "ImpedimentRaised" else escalated_message(state, event)
        await self._deliver(http, url, message, f"{event.type} of {state.impediment_id}")
        return True

    async def _track(self, event: RecordedEvent) -> impediment.ImpedimentState:
        impediment_id = event.stream_id.removeprefix("impediment-")
        prior = self._open.get(impediment_id)
        if prior is None and event.type != "ImpedimentRaised":
            # Resolved before, now reopened (or escalated out of order of our seed): ask the stream.
            state = (await self.handler.load(IMPEDIMENT, impediment_id, as_of=event.position)).state
        else:
            decoded = _impediment_event(event.type, event.data)
            if decoded is None:
                return prior or impediment.initial_state()
            state = impediment.evolve(prior or impediment.initial_state(), decoded)
        if state.exists and state.status != "resolved":
            self._open[impediment_id] = state
        else:
            self._open.pop(impediment_id, None)
        return state

    async def _save(self, position: int) -> None:
        if position <= self.status.position:
            return
        async with self.store.pool.acquire() as connection:
            await save_checkpoint(connection, self.checkpoint_name, position)
        self.status.position = position

    async def _check(self, lead: Leadership) -> None:
        if time.monotonic() - self._checked_leadership_at > LEADERSHIP_CHECK_SECONDS:
            await lead.check()
            self._checked_leadership_at = time.monotonic()

    # -- SLA breaches -----------------------------------------------------------------------

    async def _watch_slas(self, lead: Leadership, http: httpx.AsyncClient) -> None:
        while True:
            await asyncio.sleep(self.sla_interval)
            await self._check(lead)
            await self.post_breaches(http)

    async def post_breaches(self, http: httpx.AsyncClient) -> None:
        """Post every open impediment past its SLA that has not been posted yet."""
        now = self.clock()
        for known in list(self._open.values()):
            if known.impediment_id in self._sla_posted or known.raised_at is None:
                continue
            if sla_state(known.severity, known.raised_at, now, None, self.sla_policy) != "breached":
                continue
            url = await self._current_webhook(known.team_id)
            if url is None:
                continue  # checked again next time: the team may register a webhook
            # The feed may trail the log: the stream itself says whether it is still open.
            state = (await self.handler.load(IMPEDIMENT, known.impediment_id)).state
            if state.status == "resolved":
                continue
            await self._deliver(http, url, breach_message(state, now, self.sla_policy), f"SLA of {state.impediment_id}")
            await self.store.pool.execute(
                "INSERT INTO slack_sla_posts (impediment_id) VALUES ($1) ON CONFLICT DO NOTHING", state.impediment_id
            )
            self._sla_posted.add(state.impediment_id)
            self.status.sla_posted += 1

    # -- webhooks ---------------------------------------------------------------------------

    async def _registrations(self, team_id: str) -> list[tuple[int, str]]:
        cached = self._webhooks.get(team_id)
        if cached is None:
            cached = []
            for recorded in await self.store.read_stream(f"team-{team_id}"):
                if recorded.type == "SlackWebhookRegistered":
                    event = decode_event(recorded.type, recorded.data)
                    assert isinstance(event, SlackWebhookRegistered)
                    cached.append((recorded.position, event.webhook_url))
            self._webhooks[team_id] = cached
        return cached

    async def _webhook_at(self, team_id: str, position: int) -> str | None:
        """The webhook the team had when the event at `position` happened."""
        earlier = [url for registered_at, url in await self._registrations(team_id) if registered_at < position]
        return earlier[-1] if earlier else None

    async def _current_webhook(self, team_id: str) -> str | None:
        registrations = await self._registrations(team_id)
        return registrations[-1][1] if registrations else None

    async def _deliver(self, http: httpx.AsyncClient, url: str, message: Message, what: str) -> bool:
        """POST with bounded retries; False when given up (logged)."""
        target = self.rewrite_url(url) if self.rewrite_url else url
        for attempt in range(1, self.max_attempts + 1):
            retry_after: str | None = None
            try:
                response = await post_json(http, target, message)
            except httpx.HTTPError as error:
                reason = repr(error)
            else:
                if response.is_success:
                    self.status.posted += 1
                    return True
                reason = f"HTTP {response.status_code}: {response.text[:200]}"
                if response.status_code != 429 and response.status_code < 500:
                    _log.warning("slack poster: gave up posting %s: %s (not retried)", what, reason)
                    self.status.given_up += 1
                    return False
                retry_after = response.headers.get("retry-after")
            self.status.last_error = reason
            if attempt < self.max_attempts:
                await asyncio.sleep(self._backoff.delay(attempt, retry_after))
        _log.warning("slack poster: gave up posting %s after %d attempts: %s", what, self.max_attempts, reason)
        self.status.given_up += 1
        return False


# -- messages ---------------------------------------------------------------------------------


def raised_message(state: impediment.ImpedimentState) -> Message:
    extra: list[Block] = []
    if state.description:
        extra.append({"type": "section", "text": {"type": "mrkdwn", "text": escape(state.description[:2900])}})
    extra.append(_context(f"Raised via {state.source}"))
    return _message(f"Impediment raised: {state.title} ({state.severity})", "Impediment raised", state, extra)


def escalated_message(state: impediment.ImpedimentState, event: RecordedEvent) -> Message:
    decoded = decode_event(event.type, event.data)
    reason = decoded.reason if isinstance(decoded, impediment.ImpedimentEscalated) else ""
    extra = [_context(f"Reason: {escape(reason)}")] if reason else []
    return _message(f"Impediment escalated: {state.title} ({state.severity})", "Impediment escalated", state, extra)


def breach_message(state: impediment.ImpedimentState, now: datetime, policy: SlaPolicy = DEFAULT_SLA) -> Message:
    assert state.raised_at is not None
    hours = (now - state.raised_at).total_seconds() / 3600
    sla = policy.hours_for(state.severity)
    extra = [_context(f"Open {hours:.1f} h; the SLA for {state.severity} is {sla:g} h. Status: {state.status}.")]
    return _message(
        f"Impediment past its SLA: {state.title} ({state.severity})", "Impediment past its SLA", state, extra
    )


def _message(text: str, heading: str, state: impediment.ImpedimentState, extra: list[Block]) -> Message:
    return {
        "text": text,
        "blocks": impediment_blocks(heading, state.impediment_id, state.title, state.severity, state.team_id, extra),
    }


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


async def run_slack_poster(store: PostgresEventStore, dsn: str, **options: Any) -> None:
    await SlackPoster(store, dsn, **options).run()


@contextlib.asynccontextmanager
async def slack_poster_in_background(
    store: PostgresEventStore, dsn: str, *, http: httpx.AsyncClient | None = None, **options: Any
) -> AsyncIterator[SlackPoster]:
    """Run a poster beside the app (in its lifespan) until the block exits."""
    poster = SlackPoster(store, dsn, http=http, **options)
    task = asyncio.get_running_loop().create_task(poster.run(), name="sprintml-slack-poster")
    try:
        yield poster
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
