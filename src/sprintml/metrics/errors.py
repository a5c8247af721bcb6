"""Errors the read-side calculations raise when the team's data can't answer the question."""

from sprintml.domain.errors import InvalidCommand, RuleViolated


class NoVelocityHistory(RuleViolated):
    """The team has no closed sprint with completed points, so there is nothing to forecast from (HTTP 409)."""


class ForecastBeyondHorizon(InvalidCommand):
    """The chosen items need more sprints than the forecast is willing to simulate (HTTP 422)."""
