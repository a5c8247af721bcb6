"""The read side: projections of the event feed into read-model tables, and the queries over them."""

from sprintml.projections.catalog import PROJECTION_NAMES, PROJECTIONS, UnknownProjection, follower_name
from sprintml.projections.consistency import wait_until_projected
from sprintml.projections.projection import Projection
from sprintml.projections.queries import (
    BoardItem,
    CapacityView,
    ForecastInput,
    ImpedimentBoardView,
    ImpedimentView,
    MemberView,
    ScopeChange,
    SprintBoardView,
    TeamView,
    burndown,
    capacity,
    forecast,
    forecast_input,
    impediment_board,
    sprint_board,
    team_exists,
    team_view,
    velocity,
)
from sprintml.projections.rebuild import RebuildInProgress, RebuildReport, rebuild
from sprintml.projections.registry import EVENT_CLASSES, UnknownEventType, decode_event, encode_event
from sprintml.projections.runner import (
    ProjectionLag,
    ProjectionRunner,
    projection_lag,
    projections_in_background,
    run_projections,
)

__all__ = [
    "EVENT_CLASSES",
    "PROJECTIONS",
    "PROJECTION_NAMES",
    "BoardItem",
    "CapacityView",
    "ForecastInput",
    "ImpedimentBoardView",
    "ImpedimentView",
    "MemberView",
    "Projection",
    "ProjectionLag",
    "ProjectionRunner",
    "RebuildInProgress",
    "RebuildReport",
    "ScopeChange",
    "SprintBoardView",
    "TeamView",
    "UnknownEventType",
    "UnknownProjection",
    "burndown",
    "capacity",
    "decode_event",
    "encode_event",
    "follower_name",
    "forecast",
    "forecast_input",
    "impediment_board",
    "projection_lag",
    "projections_in_background",
    "rebuild",
    "run_projections",
    "sprint_board",
    "team_exists",
    "team_view",
    "velocity",
    "wait_until_projected",
]
