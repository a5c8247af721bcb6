"""Outbound structs of an allocation solve: the plan, its five objective values and bounds, and the reasons."""

from typing import Literal

import msgspec

Status = Literal["OPTIMAL", "FEASIBLE", "UNKNOWN"]
Reason = Literal["infeasible_alone", "displaced"]
LevelStatus = Literal["OPTIMAL", "FEASIBLE", "UNKNOWN", "SKIPPED"]

LEVELS: tuple[str, ...] = ("funded_priority", "weighted_hours", "weighted_gpus", "churn_hours", "assignments")
MAXIMISED: frozenset[str] = frozenset({"funded_priority", "weighted_hours", "weighted_gpus"})


class Objective(msgspec.Struct, frozen=True, kw_only=True):
    funded_priority: int
    weighted_hours: int
    weighted_gpus: int
    churn_hours: int
    assignments: int

    def value(self, level: str) -> int:
        result: int = getattr(self, level)
        return result


class Assignment(msgspec.Struct, frozen=True, kw_only=True):
    engineer: str
    project: str
    skill: str
    hours: int


class GpuAssignment(msgspec.Struct, frozen=True, kw_only=True):
    pool: str
    project: str
    count: int


class Unmet(msgspec.Struct, frozen=True, kw_only=True):
    """A demand a project asked for and did not fully get (`short` = requested - assigned)."""

    need: Literal["role", "gpus"]
    skill: str | None = None
    requested: int
    minimum: int
    assigned: int
    short: int


class Shortfall(msgspec.Struct, frozen=True, kw_only=True):
    """Why a project cannot run even alone: the most it could get (`available`) is below its minimum."""

    need: Literal["role", "roles", "gpus"]
    skill: str | None = None
    minimum: int
    available: int
    short: int
    detail: str


class Competitor(msgspec.Struct, frozen=True, kw_only=True):
    """A funded project holding engineers or GPUs that an unfunded project could have used."""

    project: str
    priority: int
    engineers: list[str]
    hours: int
    pools: list[str]
    gpus: int


class ProjectOutcome(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    funded: bool
    hours: int
    gpus: int
    unmet: list[Unmet]
    reason: Reason | None
    shortfalls: list[Shortfall] = msgspec.field(default_factory=list)
    competitors: list[Competitor] = msgspec.field(default_factory=list)
    explanation: str | None = None


class EngineerLoad(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    assigned_hours: int
    idle_hours: int


class LevelReport(msgspec.Struct, frozen=True, kw_only=True):
    """One level of the lexicographic solve: bounds of level k hold with levels < k kept at their values."""

    name: str
    value: int
    bound: int
    status: LevelStatus
    seconds: float


class AllocationResult(msgspec.Struct, frozen=True, kw_only=True):
    status: Status
    objective: Objective | None
    bounds: Objective | None
    assignments: list[Assignment]
    gpu_assignments: list[GpuAssignment]
    projects: list[ProjectOutcome]
    engineers: list[EngineerLoad]
    solve_seconds: float
    levels: list[LevelReport] = msgspec.field(default_factory=list)
    solver_version: str = ""
