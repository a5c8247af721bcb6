"""One request's write: Idempotency-Key replay, If-Match, ETag and the saved first response."""

import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response

from sprintml.accounts import Principal
from sprintml.api.bodies import Written
from sprintml.api.problems import InvalidField, problem
from sprintml.application import Category, CommandHandler, Outcome, RequestContext
from sprintml.application.handler import Loaded, SideAppends
from sprintml.domain.decider import Event
from sprintml.eventstore.idempotency import IdempotencyKey, KeyTaken, StoredResponse

S = TypeVar("S")
W = TypeVar("W", bound=Written)

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
_encode = msgspec.json.Encoder().encode


def new_id() -> str:
    """An id for a create that omitted one."""
    return uuid.uuid4().hex[:16]


def parse_if_match(header: str | None) -> int | None:
    """`"3"` → 3. A value that cannot be a version of ours never matches: 412, as RFC 9110 says."""
    if header is None:
        return None
    match = _ETAG.match(header)
    if match is None:
        raise problem(412, f'If-Match {header!r} is not a version this API issued (expected "<version>").')
    return int(match.group(1))


def etag(version: int) -> str:
    return f'"{version}"'


class Writer:
    """Everything a write endpoint needs from its request, provided per request."""

    def __init__(self, request: Request[Principal, Any, Any], handler: CommandHandler, body: bytes) -> None:
        principal: Principal = request.user
        key = request.headers.get("idempotency-key")
        if key is not None and not _KEY.match(key):
            raise InvalidField("Idempotency-Key", "Idempotency-Key must be 1-200 visible ASCII characters.")
        correlation_id = request.headers.get("x-request-id") or str(uuid.uuid4())
        self.context = RequestContext(
            actor=principal.actor,
            correlation_id=correlation_id[:200],
            now=datetime.now(UTC),
            idempotency_key=key,
        )
        self.if_match = parse_if_match(request.headers.get("if-match"))
        self.handler = handler
        self._request_hash = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + body).digest()

    @property
    def now(self) -> datetime:
        return self.context.now

    async def replay(self) -> Response[Any] | None:
        """The first response to this Idempotency-Key, or None when the key is new (or absent)."""
        if self.context.idempotency_key is None:
            return None
        stored = await self.handler.store.find_response(self._key())
        if stored is None:
            return None
        if stored.request_hash != self._request_hash:
            raise InvalidField("Idempotency-Key", "This Idempotency-Key was used before with a different request body.")
        headers = {**stored.headers, "Idempotent-Replayed": "true"}
        return Response(stored.body, status_code=stored.status_code, headers=headers, media_type="application/json")

    async def write(
        self,
        category: Category[S],
        entity_id: str,
        decide: Callable[[S], Sequence[Event]],
        reply: Callable[[Outcome], W],
        *,
        status_code: int = 200,
        side_appends: SideAppends | None = None,
        made_here: bool = False,
        loaded: Loaded[S] | None = None,
    ) -> Response[W]:
        """Replay, or decide and append, then answer `reply(outcome)` with its ETag.

        `made_here`: the request omitted the entity's id and `new_id()` made it, so there is no
        stream to read. `loaded`: the stream as the endpoint read it already. Either spares a read
        (see `CommandHandler.execute`).
        """
        replayed = await self.replay()
        if replayed is not None:
            return replayed

        def respond(outcome: Outcome) -> StoredResponse:
            body = reply(outcome)
            return StoredResponse(
                request_hash=self._request_hash,
                status_code=status_code,
                headers={"ETag": etag(body.version)},
                body=_encode(body),
            )

        try:
            outcome = await self.handler.execute(
                category,
                entity_id,
                decide,
                self.context,
                if_match=self.if_match,
                side_appends=side_appends,
                respond=respond,
                first=self.handler.no_stream(category) if made_here else loaded,
            )
        except KeyTaken:
            replayed = await self.replay()
            assert replayed is not None, "a taken key has a stored response"
            return replayed
        body = reply(outcome)
        return Response(body, status_code=status_code, headers={"ETag": etag(body.version)})

    def _key(self) -> IdempotencyKey:
        assert self.context.idempotency_key is not None
        return IdempotencyKey(actor=self.context.actor, key=self.context.idempotency_key)


def written(entity_id: str) -> Callable[[Outcome], Written]:
    """The plain reply of a write: id, version, position."""
    return lambda outcome: Written(id=entity_id, version=outcome.version, position=outcome.position)


def unique(values: Sequence[str], field: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise InvalidField(f"{field}[{index}]", f"{value!r} appears twice.")
        seen.add(value)
