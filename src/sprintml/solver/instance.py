"""Inbound structs of `POST /allocations/solve`: the allocation instance exactly as allocation.md names it."""

from typing import Annotated

import msgspec

# Caps keep every objective term far inside CP-SAT's int64 range and keep one solve bounded.
MAX_HOURS = 100_000
MAX_COUNT = 100_000
MAX_PRIORITY = 1_000_000
MAX_TIME_LIMIT_S = 300.0

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Hours = Annotated[int, msgspec.Meta(ge=0, le=MAX_HOURS)]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]
Level = Annotated[int, msgspec.Meta(ge=0, le=1_000)]
Priority = Annotated[int, msgspec.Meta(ge=1, le=MAX_PRIORITY)]


class Engineer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: Id
    capacity_hours: Hours
    skills: dict[str, Level] = msgspec.field(default_factory=dict)
    max_projects: Count | None = None  # None: unlimited
    current: dict[str, Hours] = msgspec.field(default_factory=dict)


class GpuPool(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: Id
    gpu_type: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    memory_gb: Count
    count: Count


class Role(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    skill: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    min_level: Level = 0
    hours: Hours
    min_hours: Hours | None = None  # None: equal to hours

    @property
    def minimum(self) -> int:
        return self.hours if self.min_hours is None else self.min_hours


class GpuNeed(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    count: Count
    min_count: Count | None = None  # None: equal to count
    min_memory_gb: Count = 0
    types: list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]] | None = None  # None: any type

    @property
    def minimum(self) -> int:
        return self.count if self.min_count is None else self.min_count


class Pin(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    engineer: Id
    hours: Hours


class Project(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: Id
    priority: Priority
    roles: list[Role] = msgspec.field(default_factory=list)
    gpus: GpuNeed | None = None  # None: needs no GPUs
    pinned: list[Pin] = msgspec.field(default_factory=list)
    excluded_engineers: list[Id] = msgspec.field(default_factory=list)


class Options(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # Capped at MAX_TIME_LIMIT_S (300 s) so one request can never hold a worker thread for long.
    time_limit_s: Annotated[float, msgspec.Meta(gt=0, le=MAX_TIME_LIMIT_S)] = 10.0
    min_chunk_hours: Hours = 4


class AllocationRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    engineers: list[Engineer] = msgspec.field(default_factory=list)
    gpu_pools: list[GpuPool] = msgspec.field(default_factory=list)
    projects: list[Project] = msgspec.field(default_factory=list)
    options: Options = msgspec.field(default_factory=Options)
