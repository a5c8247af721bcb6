"""Bearer tokens against the real table: hashed, checked in constant time, revocable."""

import asyncio
import hashlib
import uuid

import pytest

from sprintml.accounts import TokenStore, UnknownToken
from sprintml.accounts import tokens as token_module
from sprintml.eventstore import PostgresEventStore


async def test_a_token_authenticates_as_its_actor_with_its_roles(store: PostgresEventStore) -> None:
    tokens = TokenStore(store.pool)
    actor = f"ana-{uuid.uuid4().hex[:6]}"
    _, token = await tokens.create(actor, ["planner", "member"])
    principal = await tokens.authenticate(token)
    assert principal.actor == actor
    assert principal.roles == {"planner", "member"}
    token_id, secret = token.split("_", 2)[1:]
    row = await store.pool.fetchrow("SELECT * FROM api_tokens WHERE token_id = $1", token_id)
    assert bytes(row["secret_hash"]) == hashlib.sha256(secret.encode()).digest()
    assert secret not in str(dict(row)), "only a hash of the secret is stored"


async def test_a_wrong_secret_is_refused_also_while_the_token_is_cached(store: PostgresEventStore) -> None:
    tokens = TokenStore(store.pool)
    _, token = await tokens.create("bo", ["member"])
    await tokens.authenticate(token)
    forged = token[: token.rindex("_") + 1] + "x" * 43
    with pytest.raises(UnknownToken):
        await tokens.authenticate(forged)


async def test_a_revoke_takes_effect_at_once_here_and_within_the_cache_window_elsewhere(
    store: PostgresEventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(token_module, "CACHE_SECONDS", 0.2)
    here, elsewhere = TokenStore(store.pool), TokenStore(store.pool)
    token_id, token = await here.create("cy", ["viewer"])
    await here.authenticate(token)
    await elsewhere.authenticate(token)
    assert await here.revoke(token_id)
    with pytest.raises(UnknownToken):
        await here.authenticate(token)
    await asyncio.sleep(0.3)
    with pytest.raises(UnknownToken):
        await elsewhere.authenticate(token)
