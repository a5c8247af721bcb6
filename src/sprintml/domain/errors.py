"""Typed domain errors: the API maps each kind to one HTTP status."""


class DomainError(Exception):
    """Base of every error a decider raises; nothing is written when one is raised."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class RuleViolated(DomainError):
    """A domain rule forbids the command in the current state (HTTP 409)."""


class NotFound(DomainError):
    """The command names an entity that does not exist (HTTP 404)."""


class InvalidCommand(DomainError):
    """The command's values are inconsistent in themselves, e.g. end before start (HTTP 422)."""
