"""Liveness and readiness probes."""

from typing import Any, Literal

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from sprintml.config import Settings
from sprintml.eventstore import PostgresEventStore
from sprintml.integrations import RelayLag, relay_lag
from sprintml.projections import ProjectionLag, projection_lag


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: Literal["ok"]


class Readiness(msgspec.Struct, frozen=True, kw_only=True):
    """Ready means the database answers and is migrated; lag is reported, not judged."""

    status: Literal["ready", "not_ready"]
    database: Literal["ok", "unreachable"]
    pending_migrations: list[str]
    projections: list[ProjectionLag] = msgspec.field(default_factory=list)
    relay: RelayLag | None = None
    """None when this process has no NATS_URL: nothing is owed to a broker."""


class HealthController(Controller):
    tags = ["operations"]

    @get("/health", summary="The process is alive", exclude_from_auth=True)
    async def health(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        summary="The database is reachable and migrated",
        exclude_from_auth=True,
        responses={
            503: ResponseSpec(
                data_container=Readiness,
                description="The database is unreachable or not migrated",
                generate_examples=False,
            )
        },
    )
    async def ready(
        self, request: Request[Any, Any, Any], store: NamedDependency[PostgresEventStore]
    ) -> Response[Readiness]:
        settings: Settings = request.app.state.settings
        try:
            pending = await store.pending_migrations()
        except Exception:  # any failure to reach the database means "not ready", never a 500
            body = Readiness(status="not_ready", database="unreachable", pending_migrations=[])
            return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
        if pending:
            body = Readiness(status="not_ready", database="ok", pending_migrations=pending)
            return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
        body = Readiness(
            status="ready",
            database="ok",
            pending_migrations=[],
            projections=await projection_lag(store),
            relay=await relay_lag(store) if settings.nats_url else None,
        )
        return Response(body, status_code=HTTP_200_OK)
