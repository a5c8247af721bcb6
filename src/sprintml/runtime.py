"""Where the database comes from: the configured server, or an embedded one in the data folder."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sprintml.config import Settings


@contextlib.asynccontextmanager
async def database_url(settings: Settings) -> AsyncIterator[str]:
    """Yield DATABASE_URL, or start the embedded PostgreSQL and yield its URL until exit."""
    if settings.database_url:
        yield settings.database_url
        return
    from sprintml.eventstore.embedded import start_embedded_postgres

    url, server = await asyncio.to_thread(start_embedded_postgres, settings.data_dir)
    try:
        yield url
    finally:
        await asyncio.to_thread(server.cleanup)
