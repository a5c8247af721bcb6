"""A bound on level 5 (assignments) from the components of a plan's engineer-project graph.

A plan's pairs are the edges of a bipartite graph on its working engineers and staffed projects, and a graph has
at least as many edges as nodes minus components. The linear relaxation's bound (about one pair per engineer)
misses that engineers come in whole capacities. When every engineer is fully used in every plan that holds the
levels above (the relaxation's most idle time is under an hour), the projects of one component take exactly its
engineers' capacities, so their hours add up to a multiple of g, the gcd of the capacities.

The nodes counted are parts of projects: two roles of a project share a part when some engineer may fill both
(and so on, role_parts). An engineer then works in one part of a project at most, so the graph on parts has the
same edges, one per pair, and most projects are one part. A part whose hours are the same in every such plan (the
relaxation's least and most agree) and not a multiple of g can never be a component alone; the components made
only of such parts are disjoint groups whose hours sum to a multiple of g, at most M of them. Every other
component holds a part of its own from the rest, so with B those parts

    assignments >= engineers + |B| - M.

Whole-week capacities against demand in arbitrary hours is where this bites: the benchmark's 20-hour multiples
against roles of 588 or 392 hours lift the 200-engineer bound by a dozen pairs. Parts count where no engineer may
fill two of a project's roles: an infra role held at 156 hours and an ML role at 144 make 300 hours, a multiple of
20, but neither role is, so the project cannot be a component alone. On the 200-engineer benchmark, counting
parts instead of projects lifts seed 8's bound from 215 to 216, seed 10's from 211 to 213, seed 13's from 215
to 219 and seed 15's from 214 to 215 (seeds 7-16; the others are unchanged).
"""

import math
from collections import Counter, defaultdict
from typing import Any

from ortools.sat.python import cp_model

from sprintml.solver.lp_bound import LinearRelaxation
from sprintml.solver.prepared import Plan, Prepared

# A project and one part of its roles (role_parts): the nodes the bound counts.
Part = tuple[int, tuple[int, ...]]
# Integer hours: an LP optimum this far inside an integer boundary cannot hide a plan beyond it.
HALF_HOUR = 0.5
# Enumerating zero-sum groups stops here; past it, every group is only known to hold at least two parts.
MAX_GROUP_SEARCH_NODES = 20_000


def component_bound(prep: Prepared, relaxation: LinearRelaxation, plan: Plan, deadline: float) -> int | None:
    """engineers + |B| - M (module docstring) for plans that keep the relaxation's held levels; None if it
    does not apply (an engineer may idle, or the capacities share no divisor) or the time ran out."""
    request = prep.request
    engineers = prep.eligible_engineers
    g = 0
    for i in engineers:
        g = math.gcd(g, request.engineers[i].capacity_hours)
    if g <= 1 or not _fully_used(prep, relaxation, engineers, deadline):
        return None
    staffed = sorted({j for _, j, _ in plan.hours})
    part_of = {(j, r): (j, part) for j in staffed for part in role_parts(prep, j) for r in part}
    totals: dict[Part, int] = defaultdict(int)
    for (_, j, r), h in plan.hours.items():
        totals[part_of[j, r]] += h
    odd = {part: t for part, t in sorted(totals.items()) if t % g}
    fixed = _fixed_totals(prep, relaxation, odd, deadline)
    residues = [odd[part] % g for part in fixed]
    return len(engineers) + len(residues) - most_zero_sum_groups(residues, g)


def role_parts(prep: Prepared, j: int) -> list[tuple[int, ...]]:
    """Project `j`'s roles in parts no engineer bridges: two roles share a part when some engineer may fill both
    (and so on)."""
    top = list(range(len(prep.request.projects[j].roles)))

    def root(r: int) -> int:
        while top[r] != r:
            r = top[r]
        return r

    for i in prep.project_engineers[j]:
        first, *rest = prep.pair_roles[i, j]
        for r in rest:
            top[root(r)] = root(first)
    parts: dict[int, list[int]] = defaultdict(list)
    for r in range(len(top)):
        parts[root(r)].append(r)
    return [tuple(roles) for roles in parts.values()]


def most_zero_sum_groups(residues: list[int], g: int) -> int:
    """An upper bound (exact unless the search is too large) on how many disjoint groups of `residues`
    (each nonzero mod g) have sums divisible by g."""
    counts = Counter(r % g for r in residues)
    groups = _minimal_zero_sum_groups(sorted(counts.items()), g)
    if groups is None:
        return len(residues) // 2  # no residue is zero, so a group holds at least two
    if not groups:
        return 0
    model = cp_model.CpModel()
    uses = [model.new_int_var(0, len(residues), f"n{t}") for t in range(len(groups))]
    for residue, count in counts.items():
        model.add(sum(n * group.get(residue, 0) for n, group in zip(uses, groups, strict=True)) <= count)
    model.maximize(sum(uses))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 1.0
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return len(residues) // 2
    return min(len(residues) // 2, math.floor(solver.best_objective_bound + 1e-6))


def _fully_used(prep: Prepared, relaxation: LinearRelaxation, engineers: list[int], deadline: float) -> bool:
    capacity = sum(prep.request.engineers[i].capacity_hours for i in engineers)
    worked = sum(relaxation.hours.values(), start=0.0)
    most_idle = relaxation.optimum(capacity - worked, True, deadline)
    return most_idle is not None and most_idle < HALF_HOUR


def _fixed_totals(prep: Prepared, relaxation: LinearRelaxation, totals: dict[Part, int], deadline: float) -> list[Part]:
    """The parts in `totals` whose hours equal their total there in every plan the relaxation holds."""
    part_of = {(j, r): (j, roles) for j, roles in totals for r in roles}
    hours_of: dict[Part, list[Any]] = defaultdict(list)
    for (_, j, r), h in relaxation.hours.items():
        if (j, r) in part_of:
            hours_of[part_of[j, r]].append(h)
    demand = {(j, roles): sum(prep.request.projects[j].roles[r].hours for r in roles) for j, roles in totals}
    # Parts at their full demand can only lose hours: one LP for all, dropping those that fell short.
    full = [part for part, t in totals.items() if t == demand[part]]
    while full:
        least = relaxation.optimum(sum((h for part in full for h in hours_of[part]), start=0.0), False, deadline)
        if least is None:
            full = []
        elif least >= sum(demand[part] for part in full) - HALF_HOUR:
            break
        else:
            short = [
                part for part in full if sum(h.solution_value() for h in hours_of[part]) < demand[part] - HALF_HOUR
            ]
            full = [part for part in full if part not in short] if short else []
    fixed = list(full)
    for part, t in totals.items():
        if t == demand[part]:
            continue
        expr = sum(hours_of[part], start=0.0)
        least = relaxation.optimum(expr, False, deadline)
        most = None if least is None or least < t - HALF_HOUR else relaxation.optimum(expr, True, deadline)
        if most is not None and most <= t + HALF_HOUR:
            fixed.append(part)
    return fixed


def _minimal_zero_sum_groups(counts: list[tuple[int, int]], g: int) -> list[dict[int, int]] | None:
    """Every multiset of the residues (within their counts) that sums to 0 mod g with no proper part that does;
    any zero-sum group splits into these, so packing them counts the most groups. None if the search is too large."""
    found: list[dict[int, int]] = []
    chosen: list[int] = []
    nodes = 0

    def extend(start: int, total: int) -> bool:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_GROUP_SEARCH_NODES:
            return False
        if chosen and total % g == 0:
            if _is_minimal(chosen, g):
                found.append(dict(Counter(chosen)))
            return True
        for k in range(start, len(counts)):
            residue, count = counts[k]
            if chosen.count(residue) < count and len(chosen) < g:
                chosen.append(residue)
                ok = extend(k, total + residue)
                chosen.pop()
                if not ok:
                    return False
        return True

    return found if extend(0, 0) else None


def _is_minimal(group: list[int], g: int) -> bool:
    """No nonempty proper part of `group` sums to 0 mod g (the whole group does)."""
    reachable: set[tuple[int, int]] = set()  # (sum mod g, items used) of nonempty parts
    for residue in group:
        reachable |= {((s + residue) % g, n + 1) for s, n in reachable} | {(residue % g, 1)}
    return not any(s == 0 and n < len(group) for s, n in reachable)
