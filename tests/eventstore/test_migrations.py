"""Migrations apply once, also when two processes start at the same moment."""

import asyncio
import os
import sys

import asyncpg

from sprintml.eventstore.migrations import migration_files


async def test_two_processes_migrating_at_once_migrate_once(fresh_database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": fresh_database_url}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sprintml.cli",
            "migrate",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = await asyncio.gather(*(p.communicate() for p in processes))
    assert [p.returncode for p in processes] == [0, 0], outputs

    connection = await asyncpg.connect(fresh_database_url)
    try:
        applied = [row["name"] for row in await connection.fetch("SELECT name FROM schema_migrations ORDER BY name")]
        functions = await connection.fetchval("SELECT count(*) FROM pg_proc WHERE proname = 'append_events'")
    finally:
        await connection.close()
    assert applied == [name for name, _ in migration_files()]
    assert functions == 1
