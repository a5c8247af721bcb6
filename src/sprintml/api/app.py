"""The composition root: builds the Litestar app from settings; lifespans own the connections."""

import contextlib
from collections.abc import AsyncIterator

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

import sprintml
from sprintml.accounts import TokenStore
from sprintml.api.allocations import AllocationController
from sprintml.api.auth import PUBLIC_PATTERN, BearerTokenMiddleware
from sprintml.api.backlog import BacklogController
from sprintml.api.deps import provide_handler, provide_writer, reject_repeated_query_parameters
from sprintml.api.examples import ExamplesSchemaPlugin
from sprintml.api.feed import FeedController
from sprintml.api.health import HealthController
from sprintml.api.impediments import ImpedimentController, TeamImpedimentController
from sprintml.api.problems import problem_details_plugin
from sprintml.api.prometheus import MetricsController, prometheus_config
from sprintml.api.reads import SprintReadController, TeamReadController
from sprintml.api.slack import SlackController
from sprintml.api.sprints import SprintController, TeamSprintController
from sprintml.api.teams import TeamController
from sprintml.application import CommandHandler
from sprintml.config import Settings
from sprintml.eventstore import PostgresEventStore
from sprintml.integrations import relay_in_background
from sprintml.integrations.slack_poster import slack_poster_in_background
from sprintml.projections import projections_in_background
from sprintml.runtime import database_url

# No bearer token: the probes and metrics, and Slack (which signs its requests instead).
PUBLIC_CONTROLLERS = [HealthController, MetricsController, SlackController]
BEARER_CONTROLLERS = [
    TeamController,
    TeamReadController,
    BacklogController,
    TeamSprintController,
    SprintController,
    SprintReadController,
    TeamImpedimentController,
    ImpedimentController,
    FeedController,
    AllocationController,
]
BEARER_TOKEN = "BearerToken"


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="sprintml",
        version=sprintml.__version__,
        description="Event-sourced backend for agile AI/ML teams: ceremonies, capacity and allocation.",
        path="/schema",
        components=Components(
            security_schemes={
                BEARER_TOKEN: SecurityScheme(
                    type="http", scheme="bearer", description="A token from `sprintml token create`."
                )
            }
        ),
    )


def create_app(settings: Settings) -> Litestar:
    """Build the app; nothing connects until the lifespan starts."""

    @contextlib.asynccontextmanager
    async def event_store(app: Litestar) -> AsyncIterator[None]:
        async with database_url(settings) as url:
            store = await PostgresEventStore.connect(url)
            app.state.store = store
            app.state.handler = CommandHandler(store)
            app.state.tokens = TokenStore(store.pool, settings.admin_token)
            app.state.database_url = url
            try:
                async with followers(store, url):
                    yield
            finally:
                await store.close()

    @contextlib.asynccontextmanager
    async def followers(store: PostgresEventStore, url: str) -> AsyncIterator[None]:
        """The feed's followers that run inside `serve` unless turned off (each may run alone too)."""
        async with contextlib.AsyncExitStack() as stack:
            if settings.run_projections:
                await stack.enter_async_context(projections_in_background(store, url))
            if settings.run_relay and settings.nats_url:
                await stack.enter_async_context(relay_in_background(store, url, settings.nats_url))
            if settings.run_slack_poster:
                await stack.enter_async_context(slack_poster_in_background(store, url))
            yield

    def provide_store(state: State) -> PostgresEventStore:
        store: PostgresEventStore = state.store
        return store

    return Litestar(
        route_handlers=[
            *PUBLIC_CONTROLLERS,
            # The security requirement on this router only: the public routes document none.
            Router("/", route_handlers=BEARER_CONTROLLERS, security=[{BEARER_TOKEN: []}]),
        ],
        lifespan=[event_store],
        dependencies={
            "store": Provide(provide_store, sync_to_thread=False),
            "handler": Provide(provide_handler, sync_to_thread=False),
            "writer": Provide(provide_writer),
        },
        before_request=reject_repeated_query_parameters,
        middleware=[
            prometheus_config().middleware,
            DefineMiddleware(BearerTokenMiddleware, exclude=PUBLIC_PATTERN),
        ],
        plugins=[problem_details_plugin(), ExamplesSchemaPlugin()],
        openapi_config=openapi_config(),
        state=State({"settings": settings}),
        request_max_body_size=1024 * 1024,
    )
