"""The CP-SAT model of allocation.md: variables and one function per constraint family."""

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from sprintml.solver.prepared import Prepared


@dataclass(slots=True)
class Variables:
    h: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)  # (e, p, r) hours
    hp: dict[tuple[int, int], cp_model.LinearExpr] = field(default_factory=dict)  # (e, p) -> h[e,p]
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (e, p) works on p at all
    g: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (k, p) GPUs
    funded: list[cp_model.IntVar] = field(default_factory=list)
    churn: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (e, p) |h - current|, current > 0
    ub: dict[tuple[int, int, int], int] = field(default_factory=dict)  # (e, p, r) -> upper bound of h
    g_ub: dict[tuple[int, int], int] = field(default_factory=dict)  # (k, p) -> upper bound of g


def build_model(prep: Prepared, *, break_symmetry: bool = True) -> tuple[cp_model.CpModel, Variables]:
    """Constraint 1 (skill) and the exclusions of 8 hold by construction: only eligible triples get a variable."""
    model = cp_model.CpModel()
    v = create_variables(model, prep)
    add_chunk_linking(model, prep, v)
    add_capacity(model, prep, v)
    add_focus(model, prep, v)
    add_role_demand(model, prep, v)
    add_gpu_demand(model, prep, v)
    add_pool_capacity(model, prep, v)
    add_pins(model, prep, v)
    add_churn_linking(model, prep, v)
    if break_symmetry:
        add_profile_symmetry_breaking(model, prep, v)
    return model, v


def create_variables(model: cp_model.CpModel, prep: Prepared) -> Variables:
    request = prep.request
    v = Variables()
    v.funded = [model.new_bool_var(f"funded[{j}]") for j in range(prep.n_projects)]
    for (i, j), roles in prep.pair_roles.items():
        cap = request.engineers[i].capacity_hours
        project = request.projects[j]
        v.x[i, j] = model.new_bool_var(f"x[{i},{j}]")
        for r in roles:
            v.ub[i, j, r] = min(cap, project.roles[r].hours)
            v.h[i, j, r] = model.new_int_var(0, v.ub[i, j, r], f"h[{i},{j},{r}]")
        v.hp[i, j] = cp_model.LinearExpr.sum([v.h[i, j, r] for r in roles])
    for j, pools in enumerate(prep.fitting_pools):
        need = request.projects[j].gpus
        if need is None or need.count == 0:
            continue
        for k in pools:
            v.g_ub[k, j] = min(request.gpu_pools[k].count, need.count)
            v.g[k, j] = model.new_int_var(0, v.g_ub[k, j], f"g[{k},{j}]")
    return v


def add_chunk_linking(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """Constraint 4 with the tightest linking: x=0 forces every h to 0, x=1 forces h[e,p] >= chunk."""
    for (i, j), x in v.x.items():
        model.add(v.hp[i, j] >= prep.chunk * x)
        model.add(v.hp[i, j] <= prep.pair_ub[i, j] * x)
        for r in prep.pair_roles[i, j]:
            ub = v.ub[i, j, r]
            if ub < prep.pair_ub[i, j]:
                model.add(v.h[i, j, r] <= ub * x)
        # Nobody works on an unfunded project (constraint 6).
        model.add_implication(x, v.funded[j])


def add_capacity(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """Constraint 2, skipped where the engineer's eligible pairs cannot exceed capacity anyway."""
    for i, projects in enumerate(prep.engineer_projects):
        cap = prep.request.engineers[i].capacity_hours
        if sum(prep.pair_ub[i, j] for j in projects) > cap:
            model.add(cp_model.LinearExpr.sum([v.h[i, j, r] for j in projects for r in prep.pair_roles[i, j]]) <= cap)


def add_focus(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """Constraint 3; focus is also tightened to capacity // chunk, which chunks imply anyway."""
    for i, projects in enumerate(prep.engineer_projects):
        if len(projects) > prep.focus[i]:
            model.add(cp_model.LinearExpr.sum([v.x[i, j] for j in projects]) <= prep.focus[i])


def add_role_demand(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """Constraints 5 and 6 for roles: at most `hours`; at least `min_hours` when funded, nothing when not."""
    for j, project in enumerate(prep.request.projects):
        for r, role in enumerate(project.roles):
            engineers = prep.role_engineers[j][r]
            total = cp_model.LinearExpr.sum([v.h[i, j, r] for i in engineers])
            possible = sum(v.ub[i, j, r] for i in engineers)
            if role.minimum > possible:
                model.add(v.funded[j] == 0)
                continue
            if role.minimum > 0:
                model.add(total >= role.minimum * v.funded[j])
            if possible > role.hours:
                model.add(total <= role.hours)


def add_gpu_demand(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """Constraints 5, 6 and 7 for GPUs of one project: between min_count and count when funded, else none."""
    for j, project in enumerate(prep.request.projects):
        need = project.gpus
        if need is None:
            continue
        keys = [(k, j) for k in prep.fitting_pools[j] if (k, j) in v.g]
        gs = [v.g[key] for key in keys]
        possible = sum(v.g_ub[key] for key in keys)
        if need.minimum > possible:
            model.add(v.funded[j] == 0)
        if not gs:
            continue
        total = cp_model.LinearExpr.sum(gs)
        if need.minimum > 0:
            model.add(total >= need.minimum * v.funded[j])
        # An unfunded project gets no GPUs (constraint 6).
        model.add(total <= min(need.count, possible) * v.funded[j])


def add_pool_capacity(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """Constraint 7: a pool gives no more GPUs than it has."""
    by_pool: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for k, j in v.g:
        by_pool[k].append((k, j))
    for k, keys in sorted(by_pool.items()):
        count = prep.request.gpu_pools[k].count
        if sum(v.g_ub[key] for key in keys) > count:
            model.add(cp_model.LinearExpr.sum([v.g[key] for key in keys]) <= count)


def add_pins(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """Constraint 8: a positive pin funds its project and gives the engineer at least max(pin, chunk) hours."""
    for (i, j), least in sorted(prep.pins.items()):
        model.add(v.funded[j] == 1)
        if (i, j) not in v.x:
            # check_input reports this as unsatisfiable; keep the model honest if called directly.
            model.add_bool_or([])
            continue
        model.add(v.x[i, j] == 1)
        model.add(v.hp[i, j] >= least)


def add_churn_linking(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """Level 4 needs |h[e,p] - current| only where current > 0; elsewhere the churn is h[e,p] itself."""
    for (i, j), hours in sorted(prep.current.items()):
        if (i, j) not in v.x:
            continue
        d = model.new_int_var(0, max(hours, prep.pair_ub[i, j]), f"churn[{i},{j}]")
        model.add(d >= v.hp[i, j] - hours)
        model.add(d >= hours - v.hp[i, j])
        v.churn[i, j] = d


def profile_classes(prep: Prepared) -> list[list[int]]:
    """Engineers no constraint or objective term can tell apart; any permutation inside a class keeps a plan valid."""
    pinned = {i for i, _ in prep.pins}
    classes: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i, e in enumerate(prep.request.engineers):
        if i in pinned:
            continue
        key = (
            e.capacity_hours,
            tuple(sorted(e.skills.items())),
            prep.focus[i],
            tuple(sorted((pid, c) for pid, c in e.current.items() if c > 0)),
            tuple((j, prep.pair_roles[i, j]) for j in prep.engineer_projects[i]),
        )
        classes[key].append(i)
    return [members for members in classes.values() if len(members) > 1]


def add_profile_symmetry_breaking(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """Within a class of identical engineers, total hours are non-increasing in input order."""
    for members in profile_classes(prep):
        totals = [
            cp_model.LinearExpr.sum([v.h[i, j, r] for j in prep.engineer_projects[i] for r in prep.pair_roles[i, j]])
            for i in members
        ]
        if not prep.engineer_projects[members[0]]:
            continue
        for a, b in itertools.pairwise(totals):
            model.add(a >= b)
