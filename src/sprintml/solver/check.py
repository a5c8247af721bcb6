"""Solver-agnostic plan checker: every hard constraint of allocation.md and the five objective values, recomputed."""

from collections import defaultdict
from collections.abc import Iterable

from sprintml.solver.instance import AllocationRequest
from sprintml.solver.prepared import pool_fits, qualifies
from sprintml.solver.solution import LEVELS, MAXIMISED, AllocationResult, Assignment, GpuAssignment, Objective


def objective_of(
    request: AllocationRequest,
    assignments: Iterable[Assignment],
    gpu_assignments: Iterable[GpuAssignment],
    funded: Iterable[str],
) -> Objective:
    """The five levels of allocation.md for a plan given by its public parts."""
    priority = {p.id: p.priority for p in request.projects}
    pair_hours: dict[tuple[str, str], int] = defaultdict(int)
    for a in assignments:
        pair_hours[a.engineer, a.project] += a.hours
    current = {e.id: e.current for e in request.engineers}
    churn = sum(abs(pair_hours.get((e.id, pid), 0) - c) for e in request.engineers for pid, c in e.current.items())
    churn += sum(h for (eid, pid), h in pair_hours.items() if pid not in current.get(eid, {}))
    return Objective(
        funded_priority=sum(priority.get(pid, 0) for pid in set(funded)),
        weighted_hours=sum(priority.get(pid, 0) * h for (_, pid), h in pair_hours.items()),
        weighted_gpus=sum(priority.get(g.project, 0) * g.count for g in gpu_assignments),
        churn_hours=churn,
        assignments=sum(1 for h in pair_hours.values() if h > 0),
    )


def validate(request: AllocationRequest, result: AllocationResult) -> list[str]:
    """Every violation found, as sentences; an empty list means the plan is valid and its objective is right."""
    if result.status == "UNKNOWN":
        return ["an UNKNOWN result carries assignments"] if result.assignments or result.gpu_assignments else []
    problems: list[str] = []
    problems += _check_outcomes(request, result)
    funded = {o.id for o in result.projects if o.funded}
    problems += _check_hours(request, result.assignments, funded)
    problems += _check_gpus(request, result.gpu_assignments, funded)
    problems += _check_objective(request, result, funded)
    return problems


def _check_hours(request: AllocationRequest, assignments: list[Assignment], funded: set[str]) -> list[str]:
    problems: list[str] = []
    engineers = {e.id: e for e in request.engineers}
    projects = {p.id: p for p in request.projects}
    chunk = request.options.min_chunk_hours
    seen: set[tuple[str, str, str]] = set()
    pair: dict[tuple[str, str], int] = defaultdict(int)
    role_total: dict[tuple[str, str], int] = defaultdict(int)
    for a in assignments:
        e, p = engineers.get(a.engineer), projects.get(a.project)
        if e is None or p is None:
            problems.append(f"assignment names an unknown engineer or project: {a}")
            continue
        if (a.engineer, a.project, a.skill) in seen:
            problems.append(f"duplicate assignment {a.engineer}/{a.project}/{a.skill}")
        seen.add((a.engineer, a.project, a.skill))
        role = next((r for r in p.roles if r.skill == a.skill), None)
        if role is None:
            problems.append(f"{a.project} has no role {a.skill}")
            continue
        if a.hours <= 0:
            problems.append(f"assignment {a.engineer}/{a.project}/{a.skill} has {a.hours} hours")
        if not qualifies(e.skills, role.skill, role.min_level):
            problems.append(f"skill: {a.engineer} lacks {role.skill} >= {role.min_level} for {a.project}")
        if a.engineer in p.excluded_engineers:
            problems.append(f"excluded: {a.engineer} works on {a.project}")
        if a.project not in funded:
            problems.append(f"unfunded {a.project} gets hours from {a.engineer}")
        pair[a.engineer, a.project] += a.hours
        role_total[a.project, a.skill] += a.hours
    load: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    for (eid, pid), h in pair.items():
        load[eid] += h
        count[eid] += h > 0
        if 0 < h < chunk:
            problems.append(f"chunk: {eid} gives {h} < {chunk} hours to {pid}")
    for eid, e in engineers.items():
        if load[eid] > e.capacity_hours:
            problems.append(f"capacity: {eid} has {load[eid]} > {e.capacity_hours} hours")
        if e.max_projects is not None and count[eid] > e.max_projects:
            problems.append(f"focus: {eid} works on {count[eid]} > {e.max_projects} projects")
    for pid, p in projects.items():
        for role in p.roles:
            got = role_total[pid, role.skill]
            if got > role.hours:
                problems.append(f"demand cap: {pid}/{role.skill} gets {got} > {role.hours} hours")
            if pid in funded and got < role.minimum:
                problems.append(f"minimum: funded {pid}/{role.skill} gets {got} < {role.minimum} hours")
        for pin in p.pinned:
            if pair[pin.engineer, pid] < pin.hours:
                problems.append(f"pin: {pin.engineer} gives {pair[pin.engineer, pid]} < {pin.hours} hours to {pid}")
            if pin.hours > 0 and pid not in funded:
                problems.append(f"pin: pinned {pid} is not funded")
    return problems


def _check_gpus(request: AllocationRequest, gpu_assignments: list[GpuAssignment], funded: set[str]) -> list[str]:
    problems: list[str] = []
    pools = {k.id: k for k in request.gpu_pools}
    projects = {p.id: p for p in request.projects}
    per_pool: dict[str, int] = defaultdict(int)
    per_project: dict[str, int] = defaultdict(int)
    seen: set[tuple[str, str]] = set()
    for g in gpu_assignments:
        pool, p = pools.get(g.pool), projects.get(g.project)
        if pool is None or p is None:
            problems.append(f"GPU assignment names an unknown pool or project: {g}")
            continue
        if (g.pool, g.project) in seen:
            problems.append(f"duplicate GPU assignment {g.pool}/{g.project}")
        seen.add((g.pool, g.project))
        if g.count <= 0:
            problems.append(f"GPU assignment {g.pool}/{g.project} has count {g.count}")
        if not pool_fits(pool, p):
            problems.append(f"gpu fit: pool {g.pool} does not fit {g.project}")
        if g.project not in funded:
            problems.append(f"unfunded {g.project} gets GPUs from {g.pool}")
        per_pool[g.pool] += g.count
        per_project[g.project] += g.count
    for kid, pool in pools.items():
        if per_pool[kid] > pool.count:
            problems.append(f"pool capacity: {kid} gives {per_pool[kid]} > {pool.count}")
    for pid, p in projects.items():
        need = p.gpus
        got = per_project[pid]
        if need is None:
            continue
        if got > need.count:
            problems.append(f"demand cap: {pid} gets {got} > {need.count} GPUs")
        if pid in funded and got < need.minimum:
            problems.append(f"minimum: funded {pid} gets {got} < {need.minimum} GPUs")
    return problems


def _check_outcomes(request: AllocationRequest, result: AllocationResult) -> list[str]:
    problems: list[str] = []
    hours: dict[str, int] = defaultdict(int)
    load: dict[str, int] = defaultdict(int)
    gpus: dict[str, int] = defaultdict(int)
    for a in result.assignments:
        hours[a.project] += a.hours
        load[a.engineer] += a.hours
    for g in result.gpu_assignments:
        gpus[g.project] += g.count
    if sorted(o.id for o in result.projects) != sorted(p.id for p in request.projects):
        problems.append("projects must list every project exactly once")
    for o in result.projects:
        if o.hours != hours[o.id] or o.gpus != gpus[o.id]:
            problems.append(f"project {o.id} reports {o.hours} h/{o.gpus} GPUs, plan gives {hours[o.id]}/{gpus[o.id]}")
        if o.funded and o.reason is not None:
            problems.append(f"funded {o.id} carries reason {o.reason}")
        if not o.funded and o.reason not in ("infeasible_alone", "displaced"):
            problems.append(f"unfunded {o.id} carries no reason")
    if sorted(e.id for e in result.engineers) != sorted(e.id for e in request.engineers):
        problems.append("engineers must list every engineer exactly once")
    capacity = {e.id: e.capacity_hours for e in request.engineers}
    for e in result.engineers:
        if e.assigned_hours != load[e.id] or e.idle_hours != capacity.get(e.id, 0) - load[e.id]:
            problems.append(f"engineer {e.id} reports {e.assigned_hours}/{e.idle_hours} h, plan gives {load[e.id]}")
    return problems


def _check_objective(request: AllocationRequest, result: AllocationResult, funded: set[str]) -> list[str]:
    problems: list[str] = []
    actual = objective_of(request, result.assignments, result.gpu_assignments, funded)
    if result.objective != actual:
        problems.append(f"objective {result.objective} differs from recomputed {actual}")
    if result.bounds is None or result.objective is None:
        return [*problems, "a plan needs an objective and bounds"]
    for level in LEVELS:
        value, bound = actual.value(level), result.bounds.value(level)
        if (level in MAXIMISED and bound < value) or (level not in MAXIMISED and bound > value):
            problems.append(f"bound {bound} of {level} is on the wrong side of {value}")
        if result.status == "OPTIMAL" and bound != value:
            problems.append(f"OPTIMAL but {level} bound {bound} != {value}")
    return problems
