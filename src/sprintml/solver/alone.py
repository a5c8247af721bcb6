"""Whether one project could be funded if it were the only project, and what is short if not."""

import msgspec
from ortools.sat.python import cp_model

from sprintml.solver.greedy import try_project
from sprintml.solver.instance import AllocationRequest
from sprintml.solver.prepared import prepare
from sprintml.solver.solution import Shortfall

ALONE_TIME_LIMIT_S = 1.0


def shortfalls_alone(request: AllocationRequest, project_index: int) -> list[Shortfall]:
    """Empty when the project (with its own pins) fits alone; otherwise one entry per short need.

    Other projects, their pins and everyone's `current` play no part: "as if it were the only project".
    """
    project = request.projects[project_index]
    single = msgspec.structs.replace(request, projects=[project])
    prep = prepare(single)
    found: list[Shortfall] = []
    need = project.gpus
    if need is not None and need.minimum > 0:
        available = min(need.count, sum(request.gpu_pools[k].count for k in prep.fitting_pools[0]))
        if available < need.minimum:
            detail = (
                f"needs {need.minimum} GPUs with >= {need.min_memory_gb} GB"
                + (f" of type {'/'.join(need.types)}" if need.types is not None else "")
                + f"; fitting pools hold {available}"
            )
            found.append(
                Shortfall(
                    need="gpus",
                    minimum=need.minimum,
                    available=available,
                    short=need.minimum - available,
                    detail=detail,
                )
            )
    for r, role in enumerate(project.roles):
        engineers = prep.role_engineers[0][r]
        available = min(role.hours, sum(min(request.engineers[i].capacity_hours, role.hours) for i in engineers))
        if available < role.minimum:
            detail = (
                f"needs {role.minimum} h of {role.skill} >= level {role.min_level}; "
                f"{len(engineers)} qualified engineers can give {available} h"
            )
            found.append(
                Shortfall(
                    need="role",
                    skill=role.skill,
                    minimum=role.minimum,
                    available=available,
                    short=role.minimum - available,
                    detail=detail,
                )
            )
    if found:
        return found
    # A greedy staffing of the project alone settles most cases without a model.
    capacity = [e.capacity_hours for e in request.engineers]
    if try_project(prep, 0, capacity, list(prep.focus), [k.count for k in request.gpu_pools]) is not None:
        return []
    short = _joint_role_shortfall(single)
    if short is None or short == 0:
        return []
    total = sum(role.minimum for role in project.roles)
    return [
        Shortfall(
            need="roles",
            minimum=total,
            available=total - short,
            short=short,
            detail=(
                f"each role alone could be staffed, but together (shared engineers, {prep.chunk} h chunks, pins) "
                f"they miss their minimums by {short} h"
            ),
        )
    ]


def _joint_role_shortfall(single: AllocationRequest) -> int | None:
    """Least total hours missing from the role minimums, by a small exact CP-SAT model; None if not proven."""
    prep = prepare(single)
    project = single.projects[0]
    model = cp_model.CpModel()
    h: dict[tuple[int, int], cp_model.IntVar] = {}
    for (i, _), roles in sorted(prep.pair_roles.items()):
        x = model.new_bool_var(f"x[{i}]")
        for r in roles:
            h[i, r] = model.new_int_var(
                0, min(single.engineers[i].capacity_hours, project.roles[r].hours), f"h[{i},{r}]"
            )
        total = sum(h[i, r] for r in roles)
        model.add(total >= prep.chunk * x)
        model.add(total <= prep.pair_ub[i, 0] * x)
        least = prep.pins.get((i, 0), 0)
        if least:
            model.add(total >= least)
    for i, _ in prep.pins:
        if (i, 0) not in prep.pair_roles:
            return None  # an impossible pin is reported on its own by check_input
    slacks = []
    for r, role in enumerate(project.roles):
        got = sum((h[i, r] for i in prep.role_engineers[0][r]), cp_model.LinearExpr.constant(0))
        model.add(got <= role.hours)
        slack = model.new_int_var(0, role.minimum, f"short[{r}]")
        model.add(got + slack >= role.minimum)
        slacks.append(slack)
    model.minimize(sum(slacks))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = ALONE_TIME_LIMIT_S
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return int(solver.objective_value)
    if status in (cp_model.FEASIBLE, cp_model.UNKNOWN):
        return None
    if status == cp_model.INFEASIBLE:
        return None  # pins beyond the roles' caps; check_input names those
    raise RuntimeError(f"alone model invalid: {model.validate()}")
