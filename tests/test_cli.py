"""The operator's command line, run as a user runs it: a process against a real database."""

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from sprintml.domain.catalog import encode_event, event_type
from sprintml.domain.impediment import ImpedimentRaised
from sprintml.eventstore import Metadata, NewEvent, PostgresEventStore
from sprintml.projections import PROJECTION_NAMES, follower_name


async def sprintml(database_url: str, *args: str, **env: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sprintml.cli",
        *args,
        env={**os.environ, "DATABASE_URL": database_url, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
async def fresh_store(fresh_database_url: str) -> AsyncIterator[PostgresEventStore]:
    async with await PostgresEventStore.connect(fresh_database_url) as store:
        yield store


async def raise_impediments(store: PostgresEventStore, count: int) -> int:
    position = 0
    for n in range(count):
        impediment_id = f"imp{n}"
        event = ImpedimentRaised(
            impediment_id=impediment_id,
            team_id="platform",
            title=f"blocker {n}",
            severity="high",
            source="api",
            raised_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        )
        new = NewEvent(
            event_id=uuid.uuid4(),
            type=event_type(event),
            data=encode_event(event),
            metadata=Metadata(actor="cli-test", correlation_id="cli-test"),
        )
        position = (await store.append(f"impediment-{impediment_id}", None, [new])).positions[-1]
    return position


async def test_a_token_is_printed_once_and_can_be_revoked(fresh_database_url: str) -> None:
    code, out, err = await sprintml(fresh_database_url, "token", "create", "--actor", "ana", "--role", "planner")
    assert code == 0, err
    token = out.strip()
    assert token.startswith("smt_")
    token_id = token.split("_")[1]
    assert token_id in err
    assert (await sprintml(fresh_database_url, "token", "revoke", token_id))[0] == 0
    assert (await sprintml(fresh_database_url, "token", "revoke", token_id))[0] == 1, "revoked already"


async def test_rebuild_replays_every_event_and_names_what_it_rebuilt(
    fresh_database_url: str, fresh_store: PostgresEventStore
) -> None:
    head = await raise_impediments(fresh_store, 30)
    code, out, err = await sprintml(fresh_database_url, "projections", "rebuild", "impediment_board")
    assert code == 0, err
    assert f"up to position {head}" in out
    board = await fresh_store.pool.fetchval("SELECT count(*) FROM rm_impediments")
    assert board == 30


async def test_rebuild_of_an_unknown_projection_is_refused(fresh_database_url: str) -> None:
    code, _, err = await sprintml(fresh_database_url, "projections", "rebuild", "no_such_view")
    assert code == 2
    assert "no_such_view" in err


async def test_projections_run_follows_the_feed_until_sigterm(
    fresh_database_url: str, fresh_store: PostgresEventStore
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sprintml.cli",
        "projections",
        "run",
        env={**os.environ, "DATABASE_URL": fresh_database_url},
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        head = await raise_impediments(fresh_store, 5)
        followers = [follower_name(name) for name in PROJECTION_NAMES]
        for _ in range(300):
            behind = await fresh_store.pool.fetchval(
                "SELECT $2::int - count(*) FROM checkpoints WHERE name = ANY($1::text[]) AND position >= $3",
                followers,
                len(followers),
                head,
            )
            if behind == 0:
                break
            await asyncio.sleep(0.05)
        assert behind == 0, "every projection reached the head of the feed"
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()


async def test_relay_without_nats_url_says_what_to_set(fresh_database_url: str) -> None:
    code, _, err = await sprintml(fresh_database_url, "relay", NATS_URL="")
    assert code == 2
    assert "NATS_URL" in err
