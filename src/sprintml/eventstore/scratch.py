"""Throw-away databases for tests and benchmarks, on DATABASE_URL's server or an embedded one."""

import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg


def with_database(url: str, database: str) -> str:
    """The same server URL, naming another database."""
    base, _, query = url.partition("?")
    root = base.rsplit("/", 1)[0]
    return f"{root}/{database}" + (f"?{query}" if query else "")


@contextlib.asynccontextmanager
async def postgres_server(url: str | None = None) -> AsyncIterator[str]:
    """Yield the URL of a server to create databases on: `url`, DATABASE_URL, or an embedded one."""
    url = url or os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    from sprintml.eventstore.embedded import start_embedded_postgres

    with tempfile.TemporaryDirectory(prefix="sprintml-pg-") as folder:
        embedded_url, server = start_embedded_postgres(Path(folder))
        try:
            yield embedded_url
        finally:
            server.cleanup()


@contextlib.asynccontextmanager
async def scratch_database(server_url: str, prefix: str = "sprintml_scratch") -> AsyncIterator[str]:
    """Yield the URL of a new empty database on the server; drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(server_url, name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
