"""Between plans and the model's variables: a plan as a hint, a solver's values as a plan, hints made symmetric."""

from ortools.sat.python import cp_model

from sprintml.solver.model import Variables, profile_classes
from sprintml.solver.params import SolverParams
from sprintml.solver.prepared import Plan, Prepared, pair_hours


def add_hints(model: cp_model.CpModel, v: Variables, prep: Prepared, plan: Plan) -> None:
    pair = pair_hours(plan.hours)
    for hkey, var in v.h.items():
        model.add_hint(var, plan.hours.get(hkey, 0))
    for xkey, var in v.x.items():
        model.add_hint(var, pair.get(xkey, 0) > 0)
    for gkey, var in v.g.items():
        model.add_hint(var, plan.gpus.get(gkey, 0))
    for j, var in enumerate(v.funded):
        model.add_hint(var, j in plan.funded)
    for (i, j), var in v.churn.items():
        model.add_hint(var, abs(pair.get((i, j), 0) - prep.current[i, j]))


def extract(prep: Prepared, v: Variables, solver: cp_model.CpSolver) -> Plan:
    plan = Plan()
    for hkey, var in v.h.items():
        h = solver.value(var)
        if h:
            plan.hours[hkey] = h
    for gkey, var in v.g.items():
        g = solver.value(var)
        if g:
            plan.gpus[gkey] = g
    plan.funded = {j for j, var in enumerate(v.funded) if solver.boolean_value(var)}
    return plan


def canonical(prep: Prepared, plan: Plan, params: SolverParams) -> Plan:
    """Reorder a hint inside each class of identical engineers so it obeys the symmetry-breaking order."""
    if not params.break_symmetry:
        return plan
    load: dict[int, int] = {}
    for (i, _, _), h in plan.hours.items():
        load[i] = load.get(i, 0) + h
    moved: dict[int, int] = {}
    for members in profile_classes(prep):
        ranked = sorted(members, key=lambda i: (-load.get(i, 0), i))
        moved.update({src: dst for dst, src in zip(members, ranked, strict=True) if src != dst})
    if not moved:
        return plan
    hours = {(moved.get(i, i), j, r): h for (i, j, r), h in plan.hours.items()}
    return Plan(hours=hours, gpus=dict(plan.gpus), funded=set(plan.funded))
