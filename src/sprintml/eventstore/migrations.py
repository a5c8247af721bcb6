"""Schema migrations: ordered SQL files in the package, applied once under an advisory lock."""

from importlib import resources

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Connection = asyncpg.Connection | PoolConnectionProxy
"""A plain connection or one borrowed from a pool: both speak the same protocol."""

# Held for the whole migration run, so two processes starting at once migrate once.
_MIGRATION_LOCK = 7361000000


def migration_files() -> list[tuple[str, str]]:
    """(name, sql) of every migration, in the order they apply."""
    folder = resources.files("sprintml.eventstore").joinpath("migrations")
    return sorted((f.name, f.read_text("utf-8")) for f in folder.iterdir() if f.name.endswith(".sql"))


async def migrate(connection: Connection) -> list[str]:
    """Apply the migrations not yet recorded; answer with the names applied now."""
    applied_now: list[str] = []
    await connection.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
    try:
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row["name"] for row in await connection.fetch("SELECT name FROM schema_migrations")}
        for name, sql in migration_files():
            if name in done:
                continue
            async with connection.transaction():
                await connection.execute(sql)
                await connection.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
            applied_now.append(name)
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied_now


async def pending_migrations(connection: Connection) -> list[str]:
    """Names of the migrations this code has that the database has not applied."""
    exists = await connection.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    done = {row["name"] for row in await connection.fetch("SELECT name FROM schema_migrations")} if exists else set()
    return [name for name, _ in migration_files() if name not in done]
