"""Turn an index-based plan and the per-level reports into the public AllocationResult."""

import time
from collections import defaultdict

import msgspec

from sprintml.solver.explain import explain_unfunded, unmet_of
from sprintml.solver.objective import plan_objective
from sprintml.solver.prepared import Plan, Prepared
from sprintml.solver.solution import (
    LEVELS,
    MAXIMISED,
    AllocationResult,
    Assignment,
    EngineerLoad,
    GpuAssignment,
    LevelReport,
    Objective,
    ProjectOutcome,
    Status,
)


def plan_to_result(
    prep: Prepared, plan: Plan | None, levels: list[LevelReport], started: float, version: str
) -> AllocationResult:
    request = prep.request
    if plan is None:
        return AllocationResult(
            status="UNKNOWN",
            objective=None,
            bounds=None,
            assignments=[],
            gpu_assignments=[],
            projects=[],
            engineers=[],
            solve_seconds=round(time.perf_counter() - started, 3),
            levels=levels,
            solver_version=version,
        )
    objective = plan_objective(prep, plan)
    bounds: dict[str, int] = {}
    reports = []
    for lv in levels:
        value = objective.value(lv.name)
        bound = max(lv.bound, value) if lv.name in MAXIMISED else min(lv.bound, value)
        bounds[lv.name] = bound
        reports.append(msgspec.structs.replace(lv, value=value, bound=bound))
    status: Status = "OPTIMAL" if all(lv.status == "OPTIMAL" for lv in levels) else "FEASIBLE"
    assignments = [
        Assignment(
            engineer=request.engineers[i].id,
            project=request.projects[j].id,
            skill=request.projects[j].roles[r].skill,
            hours=h,
        )
        for (i, j, r), h in sorted(plan.hours.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2]))
        if h > 0
    ]
    gpu_assignments = [
        GpuAssignment(pool=request.gpu_pools[k].id, project=request.projects[j].id, count=g)
        for (k, j), g in sorted(plan.gpus.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        if g > 0
    ]
    project_hours: dict[int, int] = defaultdict(int)
    load: dict[int, int] = defaultdict(int)
    for (i, j, _), h in plan.hours.items():
        project_hours[j] += h
        load[i] += h
    project_gpus: dict[int, int] = defaultdict(int)
    for (_, j), g in plan.gpus.items():
        project_gpus[j] += g
    projects = []
    for j, p in enumerate(request.projects):
        if j in plan.funded:
            projects.append(
                ProjectOutcome(
                    id=p.id,
                    funded=True,
                    hours=project_hours[j],
                    gpus=project_gpus[j],
                    unmet=unmet_of(prep, plan, j),
                    reason=None,
                )
            )
        else:
            projects.append(explain_unfunded(prep, plan, j, project_hours[j], project_gpus[j]))
    engineers = [
        EngineerLoad(id=e.id, assigned_hours=load[i], idle_hours=e.capacity_hours - load[i])
        for i, e in enumerate(request.engineers)
    ]
    return AllocationResult(
        status=status,
        objective=objective,
        bounds=Objective(**{name: bounds[name] for name in LEVELS}),
        assignments=assignments,
        gpu_assignments=gpu_assignments,
        projects=projects,
        engineers=engineers,
        solve_seconds=round(time.perf_counter() - started, 3),
        levels=reports,
        solver_version=version,
    )
