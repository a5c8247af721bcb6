"""`GET /metrics`: Litestar's Prometheus middleware for HTTP, plus the followers' lag read at scrape time."""

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.plugins.prometheus import PrometheusConfig
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, generate_latest

from sprintml.config import Settings
from sprintml.eventstore import PostgresEventStore
from sprintml.integrations import relay_lag
from sprintml.projections import projection_lag

# Lag is read from the checkpoints table when scraped, not pushed by the followers: it is
# right whichever process runs them (`serve`, `sprintml projections run`, `sprintml relay`).
HEAD_POSITION = Gauge("sprintml_events_head_position", "Position of the last event in the global feed")
PROJECTION_LAG_EVENTS = Gauge(
    "sprintml_projection_lag_events", "Events of the feed a projection has not applied yet", ["projection"]
)
PROJECTION_LAG_SECONDS = Gauge(
    "sprintml_projection_lag_seconds", "Age of the oldest event a projection has not applied yet", ["projection"]
)
RELAY_LAG_EVENTS = Gauge("sprintml_relay_lag_events", "Events not yet acknowledged by JetStream")
RELAY_LAG_SECONDS = Gauge("sprintml_relay_lag_seconds", "Age of the oldest event not yet acknowledged by JetStream")


def prometheus_config() -> PrometheusConfig:
    """Request counts and latencies per route template (not per id: bounded label sets)."""
    return PrometheusConfig(app_name="sprintml", prefix="sprintml", group_path=True, exclude=["/metrics"])


async def refresh_lag_gauges(store: PostgresEventStore, relay_configured: bool) -> None:
    for lag in await projection_lag(store):
        PROJECTION_LAG_EVENTS.labels(lag.name).set(lag.events)
        PROJECTION_LAG_SECONDS.labels(lag.name).set(lag.seconds)
    relay = await relay_lag(store)
    HEAD_POSITION.set(relay.head_position)
    if relay_configured:  # without NATS nothing is owed to it: no lag to alert on
        RELAY_LAG_EVENTS.set(relay.events)
        RELAY_LAG_SECONDS.set(relay.seconds)


class MetricsController(Controller):
    tags = ["operations"]

    @get("/metrics", summary="Prometheus metrics", exclude_from_auth=True, media_type=CONTENT_TYPE_LATEST)
    async def metrics(
        self, request: Request[Any, Any, Any], store: NamedDependency[PostgresEventStore]
    ) -> Response[bytes]:
        settings: Settings = request.app.state.settings
        await refresh_lag_gauges(store, relay_configured=settings.nats_url is not None)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
