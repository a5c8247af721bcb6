"""The read side: projections of the event feed into read-model tables, and the queries over them."""

from sprintml.projections.catalog import PROJECTION_NAMES, PROJECTIONS, UnknownProjection, follower_name
from sprintml.projections.projection import Projection
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
    "Projection",
    "ProjectionLag",
    "ProjectionRunner",
    "UnknownEventType",
    "UnknownProjection",
    "decode_event",
    "encode_event",
    "follower_name",
    "projection_lag",
    "projections_in_background",
    "run_projections",
]
