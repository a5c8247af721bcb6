"""Bearer tokens: `smt_<token id>_<secret>`, stored as a SHA-256 of the secret, compared in constant time."""

import hashlib
import hmac
import secrets

import asyncpg

from sprintml.accounts.roles import ROLES, Principal

_PREFIX = "smt"


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
        return status.endswith(" 1")

    async def authenticate(self, token: str) -> Principal:
        if self._admin_token and hmac.compare_digest(token.encode(), self._admin_token.encode()):
            return Principal(actor="admin", roles=frozenset({"admin"}))
        prefix, _, rest = token.partition("_")
        token_id, _, secret = rest.partition("_")
        if prefix != _PREFIX or not token_id or not secret:
            raise UnknownToken()
        row = await self._pool.fetchrow(
            "SELECT actor, roles, secret_hash FROM api_tokens WHERE token_id = $1 AND revoked_at IS NULL",
            token_id,
        )
        if row is None or not hmac.compare_digest(bytes(row["secret_hash"]), _hash(secret)):
            raise UnknownToken()
        return Principal(actor=row["actor"], roles=frozenset(row["roles"]))
