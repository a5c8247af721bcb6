"""Liveness and readiness probes."""

from typing import Literal

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from sprintml.eventstore import PostgresEventStore


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: Literal["ok"]


class Readiness(msgspec.Struct, frozen=True, kw_only=True):
    status: Literal["ready", "not_ready"]
    database: Literal["ok", "unreachable"]
    pending_migrations: list[str]


class HealthController(Controller):
    tags = ["operations"]

    @get("/health", summary="The process is alive", exclude_from_auth=True)
    async def health(self) -> Health:
        return Health(status="ok")

    @get("/ready", summary="The database is reachable and migrated", exclude_from_auth=True)
    async def ready(self, store: NamedDependency[PostgresEventStore]) -> Response[Readiness]:
        try:
            pending = await store.pending_migrations()
        except Exception:  # any failure to reach the database means "not ready", never a 500
            body = Readiness(status="not_ready", database="unreachable", pending_migrations=[])
            return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
        ready = not pending
        body = Readiness(status="ready" if ready else "not_ready", database="ok", pending_migrations=pending)
        return Response(body, status_code=HTTP_200_OK if ready else HTTP_503_SERVICE_UNAVAILABLE)
