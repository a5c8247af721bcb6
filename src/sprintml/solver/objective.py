"""The five lexicographic levels as CP-SAT expressions, and their exact values for a plan."""

from dataclasses import dataclass

from ortools.sat.python import cp_model

from sprintml.solver.model import Variables
from sprintml.solver.prepared import Plan, Prepared
from sprintml.solver.solution import Objective


@dataclass(frozen=True, slots=True)
class LevelExpr:
    expr: cp_model.LinearExpr
    offset: int  # level value = expr + offset


def level_expressions(prep: Prepared, v: Variables) -> dict[str, LevelExpr]:
    projects = prep.request.projects
    zero = cp_model.LinearExpr.constant(0)
    churn_terms = [v.churn[ij] if ij in v.churn else v.hp[ij] for ij in v.hp]
    churn_const = sum(c for ij, c in prep.current.items() if ij not in v.churn)
    return {
        "funded_priority": LevelExpr(
            cp_model.LinearExpr.weighted_sum(v.funded, [p.priority for p in projects]) if v.funded else zero, 0
        ),
        "weighted_hours": LevelExpr(sum((projects[j].priority * h for (_, j, _), h in v.h.items()), zero), 0),
        "weighted_gpus": LevelExpr(sum((projects[j].priority * g for (_, j), g in v.g.items()), zero), 0),
        "churn_hours": LevelExpr(sum(churn_terms, zero), churn_const),
        "assignments": LevelExpr(sum(v.x.values(), zero), 0),
    }


def plan_objective(prep: Prepared, plan: Plan) -> Objective:
    projects = prep.request.projects
    pair: dict[tuple[int, int], int] = {}
    for (i, j, _), h in plan.hours.items():
        pair[i, j] = pair.get((i, j), 0) + h
    churn = sum(abs(pair.get(ij, 0) - c) for ij, c in prep.current.items())
    churn += sum(h for ij, h in pair.items() if ij not in prep.current)
    return Objective(
        funded_priority=sum(projects[j].priority for j in plan.funded),
        weighted_hours=sum(projects[j].priority * h for (_, j), h in pair.items()),
        weighted_gpus=sum(projects[j].priority * g for (_, j), g in plan.gpus.items()),
        churn_hours=churn,
        assignments=sum(1 for h in pair.values() if h > 0),
    )


def level_value(prep: Prepared, name: str, plan: Plan) -> int:
    return plan_objective(prep, plan).value(name)
