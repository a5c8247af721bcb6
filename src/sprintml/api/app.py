"""The composition root: builds the Litestar app from settings; lifespans own the connections."""

import contextlib
from collections.abc import AsyncIterator

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from sprintml.api.health import HealthController
from sprintml.config import Settings
from sprintml.eventstore import PostgresEventStore
from sprintml.runtime import database_url


def create_app(settings: Settings) -> Litestar:
    """Build the app; nothing connects until the lifespan starts."""

    @contextlib.asynccontextmanager
    async def event_store(app: Litestar) -> AsyncIterator[None]:
        async with database_url(settings) as url:
            store = await PostgresEventStore.connect(url)
            app.state.store = store
            try:
                yield
            finally:
                await store.close()

    def provide_store(state: State) -> PostgresEventStore:
        store: PostgresEventStore = state.store
        return store

    return Litestar(
        route_handlers=[HealthController],
        lifespan=[event_store],
        dependencies={"store": Provide(provide_store, sync_to_thread=False)},
        state=State({"settings": settings}),
    )
