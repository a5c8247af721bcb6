"""The roles of api.md's "who" column, and the principal a request acts as."""

from typing import Final, Literal, get_args

import msgspec

Role = Literal["admin", "scrum_master", "planner", "member", "bot", "viewer"]
ROLES: Final[tuple[str, ...]] = get_args(Role)


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The actor behind a request and the roles its token grants."""

    actor: str
    roles: frozenset[str]

    def has_any(self, roles: frozenset[str]) -> bool:
        return not self.roles.isdisjoint(roles)
