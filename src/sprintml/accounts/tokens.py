"""Bearer tokens: `smt_<token id>_<secret>`, stored as a SHA-256 of the secret, compared in constant time."""

import hashlib
import hmac
import secrets
import time
from typing import Final

import asyncpg

from sprintml.accounts.roles import ROLES, Principal

_PREFIX = "smt"
CACHE_SECONDS: Final = 5.0
"""How long a token checked against the table is trusted without asking again. Every request
asked before: a round trip (and a connection reset) per request. The price: a revoke made by
another process takes effect there within this many seconds (at once in the revoking one)."""
_CACHE_LIMIT: Final = 10_000


class UnknownToken(Exception):
    """The bearer token is malformed, unknown or revoked."""


def _hash(secret: str) -> bytes:
    # The secret is 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).digest()


class TokenStore:
    """Creates, revokes and checks tokens in the `api_tokens` table."""

    def __init__(self, pool: asyncpg.Pool, admin_token: str | None = None) -> None:
        self._pool = pool
        self._admin_token = admin_token
        self._checked: dict[str, tuple[float, bytes, Principal]] = {}
        """token id → (trusted until, secret hash, principal)."""

    async def create(self, actor: str, roles: list[str]) -> tuple[str, str]:
        """Answer (token id, token); the token is shown once and never stored."""
        unknown = sorted(set(roles) - set(ROLES))
        if unknown or not roles:
            raise ValueError(f"roles must be among {', '.join(ROLES)}; got {', '.join(unknown) or 'none'}")
        if not actor.strip():
            raise ValueError("the actor must not be empty")
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        await self._pool.execute(
            "INSERT INTO api_tokens (token_id, actor, roles, secret_hash) VALUES ($1, $2, $3, $4)",
            token_id,
            actor,
            sorted(set(roles)),
            _hash(secret),
        )
        return token_id, f"{_PREFIX}_{token_id}_{secret}"

    async def revoke(self, token_id: str) -> bool:
        status = await self._pool.execute(
            "UPDATE api_tokens SET revoked_at = now() WHERE token_id = $1 AND revoked_at IS NULL", token_id
        )
        self._checked.pop(token_id, None)
        return status.endswith(" 1")

    async def authenticate(self, token: str) -> Principal:
        if self._admin_token and hmac.compare_digest(token.encode(), self._admin_token.encode()):
            return Principal(actor="admin", roles=frozenset({"admin"}))
        prefix, _, rest = token.partition("_")
        token_id, _, secret = rest.partition("_")
        if prefix != _PREFIX or not token_id or not secret:
            raise UnknownToken()
        now = time.monotonic()
        cached = self._checked.get(token_id)
        if cached is None or cached[0] < now:
            cached = await self._look_up(token_id, now)
        _, secret_hash, principal = cached
        if not hmac.compare_digest(secret_hash, _hash(secret)):
            raise UnknownToken()
        return principal

    async def _look_up(self, token_id: str, now: float) -> tuple[float, bytes, Principal]:
        row = await self._pool.fetchrow(
            "SELECT actor, roles, secret_hash FROM api_tokens WHERE token_id = $1 AND revoked_at IS NULL",
            token_id,
        )
        if row is None:
            self._checked.pop(token_id, None)
            raise UnknownToken()
        if len(self._checked) >= _CACHE_LIMIT:
            self._checked.clear()  # only ever a burst of distinct tokens; they are looked up again
        checked = (
            now + CACHE_SECONDS,
            bytes(row["secret_hash"]),
            Principal(actor=row["actor"], roles=frozenset(row["roles"])),
        )
        self._checked[token_id] = checked
        return checked
