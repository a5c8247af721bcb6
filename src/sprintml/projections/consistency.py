"""Read-your-writes: wait until the projections have applied the position a write returned."""

import asyncio
import time
from collections.abc import Sequence

import asyncpg

from sprintml.eventstore import PostgresEventStore
from sprintml.projections.catalog import PROJECTION_NAMES, follower_name

_FIRST_PAUSE = 0.002
_LONGEST_PAUSE = 0.05


async def wait_until_projected(
    store_or_pool: PostgresEventStore | asyncpg.Pool,
    position: int,
    timeout: float = 5.0,  # noqa: ASYNC109 - the wait's budget is part of the contract, not a cancellation scope
    names: Sequence[str] = PROJECTION_NAMES,
) -> bool:
    """True once every named projection's checkpoint is at or past `position`; False after `timeout` s.

    Decision: poll the checkpoints table, 2 ms at first, doubling to at most 50 ms. A runner usually
    applies a fresh write within a few milliseconds (the store's NOTIFY wakes it), so the first
    polls answer, and one indexed read of a handful of rows costs less than keeping a LISTEN
    connection per waiting request, or one shared listener that must also recover from a lost
    connection. On timeout the caller decides: answer with what is there (stale, but a 200 the
    client can retry) or a 503; the API answers 503 with Retry-After (see sprintml.api.reads).
    Positions a write returned are final in the feed, so a runner always gets past them.
    """
    pool = store_or_pool.pool if isinstance(store_or_pool, PostgresEventStore) else store_or_pool
    followers = [follower_name(name) for name in names]
    deadline = time.monotonic() + timeout
    pause = _FIRST_PAUSE
    while True:
        behind = await pool.fetchval(
            "SELECT $2::int - count(*) FROM checkpoints WHERE name = ANY($1::text[]) AND position >= $3",
            followers,
            len(followers),
            position,
        )
        if behind == 0:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        await asyncio.sleep(min(pause, left))
        pause = min(pause * 2, _LONGEST_PAUSE)
