"""Stored first responses for Idempotency-Key: looked up before a write, saved inside it."""

import msgspec

from sprintml.eventstore.migrations import Connection


class StoredResponse(msgspec.Struct, frozen=True, kw_only=True):
    """What a replay answers: the first response to the same key, byte for byte."""

    request_hash: bytes
    status_code: int
    headers: dict[str, str]
    body: bytes


class IdempotencyKey(msgspec.Struct, frozen=True, kw_only=True):
    actor: str
    key: str


class KeyTaken(Exception):
    """Another request with the same key committed first; replay its response instead."""


async def find_response(connection: Connection, key: IdempotencyKey) -> StoredResponse | None:
    row = await connection.fetchrow(
        "SELECT request_hash, status_code, headers, body FROM idempotency_keys WHERE actor = $1 AND key = $2",
        key.actor,
        key.key,
    )
    if row is None:
        return None
    return StoredResponse(
        request_hash=row["request_hash"],
        status_code=row["status_code"],
        headers=msgspec.json.decode(row["headers"]),
        body=row["body"],
    )


async def save_response(connection: Connection, key: IdempotencyKey, response: StoredResponse) -> None:
    """Save inside the write's transaction; KeyTaken if a concurrent twin got there first."""
    inserted = await connection.fetchval(
        "INSERT INTO idempotency_keys (actor, key, request_hash, status_code, headers, body) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
        key.actor,
        key.key,
        response.request_hash,
        response.status_code,
        msgspec.Raw(msgspec.json.encode(response.headers)),
        response.body,
    )
    if not inserted:
        raise KeyTaken(key.key)
