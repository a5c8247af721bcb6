"""Solver parameters: how to search, never what the plan means (that is the request's business)."""

from typing import Annotated

import msgspec


class SolverParams(msgspec.Struct, frozen=True, kw_only=True):
    # One worker is reproducible; more run CP-SAT's parallel portfolio (stronger, but timing decides the plan).
    num_workers: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    # Deterministic-time units granted per second of the wall-clock budget (calibrated on a 2-core machine).
    deterministic_units_per_second: Annotated[float, msgspec.Meta(gt=0)] = 1.0
    break_symmetry: bool = True
    greedy_hint: bool = True
    random_seed: int = 1
    log_search_progress: bool = False
