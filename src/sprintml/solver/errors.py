"""Errors of `check_input`: each carries one problem per offending field or unsatisfiable conflict (HTTP 422)."""

import msgspec


class AllocationProblem(msgspec.Struct, frozen=True, kw_only=True):
    field: str | None = None  # JSON path, e.g. projects[0].pinned[1].engineer
    engineer: str | None = None
    project: str | None = None
    constraint: str | None = None
    detail: str


class AllocationInputError(Exception):
    """Base of both 422 kinds; `problems` lists every problem found, not only the first."""

    def __init__(self, problems: list[AllocationProblem]) -> None:
        super().__init__("; ".join(p.detail for p in problems))
        self.problems = problems


class InvalidAllocationInput(AllocationInputError):
    """Unknown ids, duplicate ids, inconsistent numbers: each problem names a field path."""


class UnsatisfiableAllocation(AllocationInputError):
    """Pins or exclusions no plan can satisfy: each problem names engineer, project and constraint."""
