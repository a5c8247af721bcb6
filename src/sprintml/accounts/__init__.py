"""Who is calling: bearer tokens with an actor and roles."""

from sprintml.accounts.roles import ROLES, Principal, Role
from sprintml.accounts.tokens import TokenStore, UnknownToken

__all__ = ["ROLES", "Principal", "Role", "TokenStore", "UnknownToken"]
