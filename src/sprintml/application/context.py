"""Who asks, in which request, at what time: carried into every event's metadata."""

from datetime import datetime

import msgspec


class RequestContext(msgspec.Struct, frozen=True, kw_only=True):
    actor: str
    correlation_id: str
    now: datetime
    idempotency_key: str | None = None
