"""Reasons for unfunded projects: what is short when a project cannot run alone, or who holds what it needs."""

from collections import defaultdict

from sprintml.solver.alone import shortfalls_alone
from sprintml.solver.prepared import Plan, Prepared
from sprintml.solver.solution import Competitor, ProjectOutcome, Unmet

MAX_COMPETITORS = 10


def unmet_of(prep: Prepared, plan: Plan, j: int) -> list[Unmet]:
    """Every demand of project j not fully met, relative to what it asked (`hours`, `count`)."""
    project = prep.request.projects[j]
    role_got: dict[int, int] = defaultdict(int)
    for (_, jj, r), h in plan.hours.items():
        if jj == j:
            role_got[r] += h
    unmet = [
        Unmet(
            need="role",
            skill=role.skill,
            requested=role.hours,
            minimum=role.minimum,
            assigned=role_got[r],
            short=role.hours - role_got[r],
        )
        for r, role in enumerate(project.roles)
        if role_got[r] < role.hours
    ]
    need = project.gpus
    if need is not None:
        got = sum(g for (_, jj), g in plan.gpus.items() if jj == j)
        if got < need.count:
            unmet.append(
                Unmet(need="gpus", requested=need.count, minimum=need.minimum, assigned=got, short=need.count - got)
            )
    return unmet


def explain_unfunded(prep: Prepared, plan: Plan, j: int, hours: int, gpus: int) -> ProjectOutcome:
    request = prep.request
    project = request.projects[j]
    unmet = unmet_of(prep, plan, j)
    shortfalls = shortfalls_alone(request, j)
    if shortfalls:
        return ProjectOutcome(
            id=project.id,
            funded=False,
            hours=hours,
            gpus=gpus,
            unmet=unmet,
            reason="infeasible_alone",
            shortfalls=shortfalls,
            explanation=f"{project.id} cannot run even alone: " + "; ".join(s.detail for s in shortfalls),
        )
    competitors = competitors_of(prep, plan, j)
    if competitors:
        named = ", ".join(
            f"{c.project} (priority {c.priority}: {len(c.engineers)} qualified engineers, {c.hours} h"
            + (f"; {c.gpus} fitting GPUs from {'/'.join(c.pools)}" if c.gpus else "")
            + ")"
            for c in competitors
        )
        text = f"{project.id} fits alone but funding it would unfund work worth more; its engineers/GPUs go to {named}"
    else:
        text = f"{project.id} fits alone; no better plan including it was found within the time limit"
    return ProjectOutcome(
        id=project.id,
        funded=False,
        hours=hours,
        gpus=gpus,
        unmet=unmet,
        reason="displaced",
        competitors=competitors,
        explanation=text,
    )


def competitors_of(prep: Prepared, plan: Plan, j: int) -> list[Competitor]:
    """Funded projects using engineers qualified for j or GPUs that fit j, the biggest users first."""
    request = prep.request
    qualified = set(prep.project_engineers[j])
    fitting = set(prep.fitting_pools[j])
    engineers: dict[int, set[int]] = defaultdict(set)
    hours: dict[int, int] = defaultdict(int)
    pools: dict[int, set[int]] = defaultdict(set)
    gpus: dict[int, int] = defaultdict(int)
    for (i, f, _), h in plan.hours.items():
        if i in qualified and f != j:
            engineers[f].add(i)
            hours[f] += h
    need = request.projects[j].gpus
    needs_gpus = need is not None and need.minimum > 0
    for (k, f), g in plan.gpus.items():
        if needs_gpus and k in fitting and f != j:
            pools[f].add(k)
            gpus[f] += g
    ranked = sorted(set(engineers) | set(pools), key=lambda f: (-request.projects[f].priority, -hours[f] - gpus[f], f))
    return [
        Competitor(
            project=request.projects[f].id,
            priority=request.projects[f].priority,
            engineers=sorted(request.engineers[i].id for i in engineers[f]),
            hours=hours[f],
            pools=sorted(request.gpu_pools[k].id for k in pools[f]),
            gpus=gpus[f],
        )
        for f in ranked[:MAX_COMPETITORS]
    ]
