"""Slack endpoints: the `/impediment` slash command, and Events API + interactivity on one URL.

Both URLs check Slack's signature over the raw body before anything is parsed. Slack's
"Interactivity & Shortcuts" Request URL is set to the same `/integrations/slack/events` as
the Events API (api.md lists the message shortcut there): JSON bodies are Events API
callbacks, form bodies with a `payload` field are interactivity payloads.
"""

import logging
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qs

import httpx
import msgspec
from litestar import Controller, Request, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from slack_sdk.signature import SignatureVerifier

from sprintml.api.documented_errors import SLACK_ERRORS
from sprintml.api.problems import problem
from sprintml.application import CommandHandler
from sprintml.config import Settings
from sprintml.integrations.slack_intake import (
    SHORTCUT_CALLBACK_ID,
    SlackRaise,
    claim_delivery,
    parse_command_text,
    raise_from_slack,
    reply_for,
    title_from_message,
    usage_reply,
)
from sprintml.integrations.slack_poster import post_json

# Only Slack's own hosts may be called back: the URL comes from a request body.
RESPONSE_URL_PREFIX: Final = "https://hooks.slack.com/"
RESPONSE_URL_TIMEOUT: Final = 5.0

_log = logging.getLogger(__name__)
_decode_json = msgspec.json.Decoder(dict[str, Any]).decode


def verified_body_check(request: Request[Any, Any, Any], body: bytes) -> None:
    """401 unless the request carries Slack's signature of exactly this body, made in the last 5 minutes."""
    settings: Settings = request.app.state.settings
    secret = settings.slack_signing_secret
    if not secret:
        # No request can be verified, so none is authenticated: a 401 (not a 5xx: the service is fine).
        raise problem(401, "Slack is not configured here: set SLACK_SIGNING_SECRET to accept Slack's requests.")
    timestamp = request.headers.get("x-slack-request-timestamp")
    signature = request.headers.get("x-slack-signature")
    if timestamp is None or signature is None:
        raise problem(401, "A Slack request needs X-Slack-Request-Timestamp and X-Slack-Signature headers.")
    try:
        valid = SignatureVerifier(secret).is_valid(body, timestamp, signature)
    except ValueError:  # a timestamp that is not a number
        valid = False
    if not valid:
        raise problem(401, "The Slack signature is wrong, or the request is older than 5 minutes.")


def _form(body: bytes) -> dict[str, str]:
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise problem(400, "The Slack request body is not UTF-8 form data.") from None
    return {key: values[0] for key, values in fields.items()}


def _required(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value:
        raise problem(400, f"The Slack request has no {name}.", errors=[{"field": name, "message": "missing"}])
    return value


def _json(payload: Any) -> Response[Any]:
    return Response(payload, status_code=200, media_type="application/json")


async def _post_ephemeral(response_url: str, reply: dict[str, Any]) -> None:
    """After the 200: a shortcut's answer goes to its response_url (Slack ignores the HTTP body)."""
    try:
        async with httpx.AsyncClient(timeout=RESPONSE_URL_TIMEOUT) as http:
            await post_json(http, response_url, reply)
    except httpx.HTTPError as error:
        _log.warning("slack: could not answer a shortcut at its response_url: %r", error)


class SlackController(Controller):
    path = "/integrations/slack"
    tags = ["slack"]

    @post(
        "/commands",
        responses=SLACK_ERRORS,
        status_code=200,
        summary="The /impediment slash command (Slack form encoding, Slack signature)",
        description="`/impediment [team:<id>] [low|medium|high|critical] text` → an ephemeral Block Kit reply.",
    )
    async def command(self, request: Request[Any, Any, Any], handler: NamedDependency[CommandHandler]) -> Response[Any]:
        body = await request.body()
        verified_body_check(request, body)
        fields = _form(body)
        slack_user_id = _required(fields, "user_id")
        trigger_id = _required(fields, "trigger_id")
        parsed = parse_command_text(fields.get("text", ""))
        if not parsed.title:
            return _json(usage_reply())
        result = await raise_from_slack(
            handler,
            SlackRaise(
                delivery_id=f"slash:{trigger_id}",
                slack_user_id=slack_user_id,
                title=parsed.title,
                severity=parsed.severity,
                team_id=parsed.team_id,
            ),
            now=_now(),
        )
        return _json(reply_for(result))

    @post(
        "/events",
        responses=SLACK_ERRORS,
        status_code=200,
        summary="Events API callbacks and interactivity (the “Raise impediment” message shortcut)",
        description="JSON: `url_verification` echoes the challenge, `event_callback` is acknowledged once per "
        "`event_id`. Form with `payload`: a `message_action` with callback id `raise_impediment` raises an "
        "impediment from the message text.",
    )
    async def events(self, request: Request[Any, Any, Any], handler: NamedDependency[CommandHandler]) -> Response[Any]:
        body = await request.body()
        verified_body_check(request, body)
        if body.lstrip().startswith(b"{"):
            return await self._event_callback(body, handler)
        payload = _form(body).get("payload")
        if payload is None:
            raise problem(400, "Expected an Events API JSON body or an interactivity form with a payload field.")
        return await self._interaction(payload.encode(), handler)

    async def _event_callback(self, body: bytes, handler: CommandHandler) -> Response[Any]:
        envelope = _decode(body)
        kind = envelope.get("type")
        if kind == "url_verification":
            return _json({"challenge": _required(envelope, "challenge")})
        if kind == "event_callback":
            # No event type raises anything yet; recording the id keeps redeliveries inert when one does.
            first = await claim_delivery(handler, f"event:{_required(envelope, 'event_id')}")
            _log.debug("slack: event %s (first delivery: %s)", envelope.get("event_id"), first)
        return _json({"ok": True})

    async def _interaction(self, payload: bytes, handler: CommandHandler) -> Response[Any]:
        action = _decode(payload)
        if action.get("type") != "message_action" or action.get("callback_id") != SHORTCUT_CALLBACK_ID:
            return Response(b"", status_code=200)  # not ours: acknowledge and do nothing
        user = action.get("user")
        message = action.get("message")
        slack_user_id = _required(user if isinstance(user, dict) else {}, "id")
        trigger_id = _required(action, "trigger_id")
        text = message.get("text") if isinstance(message, dict) else None
        title, description = title_from_message(text if isinstance(text, str) else "")
        if not title:
            reply = usage_reply()
        else:
            result = await raise_from_slack(
                handler,
                SlackRaise(
                    delivery_id=f"shortcut:{trigger_id}",
                    slack_user_id=slack_user_id,
                    title=title,
                    description=description,
                ),
                now=_now(),
            )
            reply = reply_for(result)
        response_url = action.get("response_url")
        if isinstance(response_url, str) and response_url.startswith(RESPONSE_URL_PREFIX):
            return Response(b"", status_code=200, background=BackgroundTask(_post_ephemeral, response_url, reply))
        return Response(b"", status_code=200)


def _decode(raw: bytes) -> dict[str, Any]:
    try:
        return _decode_json(raw)
    except msgspec.DecodeError:
        raise problem(400, "The Slack request body is not a JSON object.") from None


def _now() -> datetime:
    return datetime.now(UTC)
