"""Allocation solver (the only package that imports ortools): engineers and GPUs across projects, by CP-SAT."""

from sprintml.solver.check import objective_of, validate
from sprintml.solver.errors import (
    AllocationInputError,
    AllocationProblem,
    InvalidAllocationInput,
    UnsatisfiableAllocation,
)
from sprintml.solver.greedy import greedy_plan
from sprintml.solver.instance import (
    MAX_TIME_LIMIT_S,
    AllocationRequest,
    Engineer,
    GpuNeed,
    GpuPool,
    Options,
    Pin,
    Project,
    Role,
)
from sprintml.solver.params import SolverParams
from sprintml.solver.solution import (
    AllocationResult,
    Assignment,
    Competitor,
    EngineerLoad,
    GpuAssignment,
    LevelReport,
    Objective,
    ProjectOutcome,
    Shortfall,
    Unmet,
)
from sprintml.solver.solve import solve
from sprintml.solver.validate_input import check_input
from sprintml.solver.version import SOLVER_VERSION

__all__ = [
    "MAX_TIME_LIMIT_S",
    "SOLVER_VERSION",
    "AllocationInputError",
    "AllocationProblem",
    "AllocationRequest",
    "AllocationResult",
    "Assignment",
    "Competitor",
    "Engineer",
    "EngineerLoad",
    "GpuAssignment",
    "GpuNeed",
    "GpuPool",
    "InvalidAllocationInput",
    "LevelReport",
    "Objective",
    "Options",
    "Pin",
    "Project",
    "ProjectOutcome",
    "Role",
    "Shortfall",
    "SolverParams",
    "Unmet",
    "UnsatisfiableAllocation",
    "check_input",
    "greedy_plan",
    "objective_of",
    "solve",
    "validate",
]
