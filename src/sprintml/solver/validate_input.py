"""Checks before solving: structural problems with field paths, then pins and exclusions no plan can satisfy."""

from collections import Counter, defaultdict

from sprintml.solver.alone import shortfalls_alone
from sprintml.solver.errors import AllocationProblem, InvalidAllocationInput, UnsatisfiableAllocation
from sprintml.solver.instance import AllocationRequest
from sprintml.solver.prepared import qualifies


def check_input(request: AllocationRequest) -> None:
    """Raise InvalidAllocationInput or UnsatisfiableAllocation listing every problem; return None if solvable."""
    problems = structural_problems(request)
    if problems:
        raise InvalidAllocationInput(problems)
    conflicts = pin_conflicts(request)
    if conflicts:
        raise UnsatisfiableAllocation(conflicts)


def _duplicates(ids: list[str], path: str) -> list[AllocationProblem]:
    seen: set[str] = set()
    found = []
    for n, x in enumerate(ids):
        if x in seen:
            found.append(AllocationProblem(field=path.format(n), detail=f"duplicate id {x!r}"))
        seen.add(x)
    return found


def structural_problems(request: AllocationRequest) -> list[AllocationProblem]:
    engineer_ids = {e.id for e in request.engineers}
    project_ids = {p.id for p in request.projects}
    problems = _duplicates([e.id for e in request.engineers], "engineers[{}].id")
    problems += _duplicates([k.id for k in request.gpu_pools], "gpu_pools[{}].id")
    problems += _duplicates([p.id for p in request.projects], "projects[{}].id")
    for i, e in enumerate(request.engineers):
        for pid in e.current:
            if pid not in project_ids:
                problems.append(
                    AllocationProblem(
                        field=f"engineers[{i}].current.{pid}", engineer=e.id, detail=f"unknown project {pid!r}"
                    )
                )
    for j, p in enumerate(request.projects):
        at = f"projects[{j}]"
        problems += _duplicates([r.skill for r in p.roles], at + ".roles[{}].skill")
        for r, role in enumerate(p.roles):
            if role.min_hours is not None and role.min_hours > role.hours:
                problems.append(
                    AllocationProblem(
                        field=f"{at}.roles[{r}].min_hours",
                        project=p.id,
                        detail=f"min_hours {role.min_hours} > hours {role.hours}",
                    )
                )
        if p.gpus is not None and p.gpus.min_count is not None and p.gpus.min_count > p.gpus.count:
            problems.append(
                AllocationProblem(
                    field=f"{at}.gpus.min_count",
                    project=p.id,
                    detail=f"min_count {p.gpus.min_count} > count {p.gpus.count}",
                )
            )
        for n, pin in enumerate(p.pinned):
            if pin.engineer not in engineer_ids:
                problems.append(
                    AllocationProblem(
                        field=f"{at}.pinned[{n}].engineer", project=p.id, detail=f"unknown engineer {pin.engineer!r}"
                    )
                )
        problems += _duplicates([pin.engineer for pin in p.pinned], at + ".pinned[{}].engineer")
        for n, eid in enumerate(p.excluded_engineers):
            if eid not in engineer_ids:
                problems.append(
                    AllocationProblem(
                        field=f"{at}.excluded_engineers[{n}]", project=p.id, detail=f"unknown engineer {eid!r}"
                    )
                )
        problems += _duplicates(p.excluded_engineers, at + ".excluded_engineers[{}]")
    return problems


def _conflict(field: str, engineer: str, project: str, constraint: str, detail: str) -> AllocationProblem:
    return AllocationProblem(field=field, engineer=engineer, project=project, constraint=constraint, detail=detail)


def pin_conflicts(request: AllocationRequest) -> list[AllocationProblem]:
    """One problem per conflict; a project's minimum is tested alone only when its pins are each possible."""
    engineers = {e.id: e for e in request.engineers}
    chunk = max(1, request.options.min_chunk_hours)
    problems: list[AllocationProblem] = []
    pinned_load: dict[str, int] = defaultdict(int)
    pinned_projects: dict[str, list[str]] = defaultdict(list)
    for j, p in enumerate(request.projects):
        clean = True
        for n, pin in enumerate(p.pinned):
            if pin.hours == 0:
                continue
            e = engineers[pin.engineer]
            least = max(pin.hours, chunk)
            pinned_load[e.id] += least
            pinned_projects[e.id].append(p.id)

            at = f"projects[{j}].pinned[{n}]"
            roles = [r for r in p.roles if r.hours > 0 and qualifies(e.skills, r.skill, r.min_level)]
            asked = sum(r.hours for r in roles)
            if pin.engineer in p.excluded_engineers:
                problems.append(
                    _conflict(at, e.id, p.id, "excluded", f"{e.id} is both pinned to and excluded from {p.id}")
                )
                clean = False
            elif not roles:
                skills = ", ".join(f"{r.skill}>={r.min_level}" for r in p.roles if r.hours > 0) or "none"
                problems.append(
                    _conflict(at, e.id, p.id, "skill", f"{e.id} qualifies for no role of {p.id} (roles: {skills})")
                )
                clean = False
            elif least > asked:
                problems.append(
                    _conflict(
                        at,
                        e.id,
                        p.id,
                        "demand_cap",
                        f"{e.id} is pinned for {least} h but the roles of {p.id} they fit ask {asked} h",
                    )
                )
                clean = False
            elif e.max_projects == 0:
                problems.append(_conflict(at, e.id, p.id, "focus", f"{e.id} may work on no project (max_projects 0)"))
                clean = False
        pinned_total = sum(max(pin.hours, chunk) for pin in p.pinned if pin.hours > 0)
        if clean and pinned_total > sum(r.hours for r in p.roles):
            problems.append(
                AllocationProblem(
                    field=f"projects[{j}].pinned",
                    project=p.id,
                    constraint="demand_cap",
                    detail=f"pins on {p.id} total {pinned_total} h > its roles' {sum(r.hours for r in p.roles)} h",
                )
            )
            clean = False
        if clean and any(pin.hours > 0 for pin in p.pinned):
            for short in shortfalls_alone(request, j):
                problems.append(
                    AllocationProblem(
                        field=f"projects[{j}]",
                        project=p.id,
                        constraint="minimum",
                        detail=f"pinned {p.id} cannot meet its minimum even alone: {short.detail}",
                    )
                )
    for i, e in enumerate(request.engineers):
        if pinned_load[e.id] > e.capacity_hours:
            problems.append(
                AllocationProblem(
                    field=f"engineers[{i}].capacity_hours",
                    engineer=e.id,
                    project=", ".join(pinned_projects[e.id]),
                    constraint="capacity",
                    detail=(
                        f"{e.id} is pinned for {pinned_load[e.id]} h (chunks of {chunk} h)"
                        f" > capacity {e.capacity_hours} h"
                    ),
                )
            )
        count = len(Counter(pinned_projects[e.id]))
        if e.max_projects is not None and 0 < e.max_projects < count:
            problems.append(
                AllocationProblem(
                    field=f"engineers[{i}].max_projects",
                    engineer=e.id,
                    project=", ".join(pinned_projects[e.id]),
                    constraint="focus",
                    detail=f"{e.id} is pinned to {count} projects > max_projects {e.max_projects}",
                )
            )
    return problems
