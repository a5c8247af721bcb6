"""Bearer-token authentication (a middleware) and role guards named `requires_*`."""

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from sprintml.accounts import ROLES, Principal, TokenStore, UnknownToken

# Paths anyone may call: probes, the OpenAPI document, and Slack (which signs its requests).
PUBLIC_PATTERN = r"^/(health|ready|metrics|schema|integrations/slack)(/.*)?$"


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    """Turns `Authorization: Bearer <token>` into a Principal on `request.user`, or a 401."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("This endpoint needs an `Authorization: Bearer <token>` header.")
        tokens: TokenStore = connection.app.state.tokens
        try:
            principal = await tokens.authenticate(token.strip())
        except UnknownToken:
            raise NotAuthorizedException("The bearer token is unknown or revoked.") from None
        return AuthenticationResult(user=principal, auth=token)


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def requires_roles(*roles: str) -> Guard:
    """A guard that lets through a principal holding any of `roles` (api.md's "who" column)."""
    allowed = frozenset(roles)
    unknown = allowed - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"

    # Async although it awaits nothing: Litestar runs a sync guard in a worker thread, a hop
    # through the thread pool on every request (tens of microseconds, and a loop wake-up).
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal: Principal = connection.user
        if not principal.has_any(allowed):
            raise PermissionDeniedException(
                f"This needs one of the roles {', '.join(sorted(allowed))}; "
                f"your token has {', '.join(sorted(principal.roles))}."
            )

    guard.__name__ = f"requires_{'_or_'.join(sorted(allowed))}"
    return guard


requires_any_role = requires_roles(*ROLES)
requires_any_but_viewer = requires_roles(*(role for role in ROLES if role != "viewer"))
requires_team_admin = requires_roles("admin", "scrum_master")
requires_scrum_master = requires_roles("scrum_master")
requires_scrum_master_or_member = requires_roles("scrum_master", "member")
requires_standup_writer = requires_roles("scrum_master", "member", "bot")
requires_planner = requires_roles("planner")
requires_feed_reader = requires_roles("admin", "bot")
requires_auditor = requires_roles("admin", "scrum_master")
