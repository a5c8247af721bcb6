"""The five lexicographic levels as CP-SAT expressions, and their exact values for a plan."""

from dataclasses import dataclass

from ortools.sat.python import cp_model

from sprintml.solver.model import Variables
from sprintml.solver.prepared import Plan, Prepared, pair_hours
from sprintml.solver.solution import Objective


@dataclass(frozen=True, slots=True)
class LevelExpr:
    expr: cp_model.LinearExpr
    offset: int  # level value = expr + offset


def level_expressions(prep: Prepared, v: Variables) -> dict[str, LevelExpr]:
    projects = prep.request.projects
    zero = cp_model.LinearExpr.constant(0)
    h_keys = list(v.h)
    g_keys = list(v.g)
    # Churn is |h - current| (a variable) where current > 0, and h itself elsewhere.
    churn_terms = [v.h[i, j, r] for (i, j, r) in h_keys if (i, j) not in v.churn] + list(v.churn.values())
    churn_const = sum(c for ij, c in prep.current.items() if ij not in v.churn)
    return {
        "funded_priority": LevelExpr(
            cp_model.LinearExpr.weighted_sum(v.funded, [p.priority for p in projects]) if v.funded else zero, 0
        ),
        "weighted_hours": LevelExpr(
            cp_model.LinearExpr.weighted_sum([v.h[k] for k in h_keys], [projects[k[1]].priority for k in h_keys]), 0
        ),
        "weighted_gpus": LevelExpr(
            cp_model.LinearExpr.weighted_sum([v.g[k] for k in g_keys], [projects[k[1]].priority for k in g_keys]), 0
        ),
        "churn_hours": LevelExpr(cp_model.LinearExpr.sum(churn_terms), churn_const),
        "assignments": LevelExpr(cp_model.LinearExpr.sum(list(v.x.values())), 0),
    }


def plan_objective(prep: Prepared, plan: Plan) -> Objective:
    projects = prep.request.projects
    pair = pair_hours(plan.hours)
    churn = churn_hours(prep, pair)
    return Objective(
        funded_priority=sum(projects[j].priority for j in plan.funded),
        weighted_hours=sum(projects[j].priority * h for (_, j), h in pair.items()),
        weighted_gpus=sum(projects[j].priority * g for (_, j), g in plan.gpus.items()),
        churn_hours=churn,
        assignments=sum(1 for h in pair.values() if h > 0),
    )


def churn_hours(prep: Prepared, pair: dict[tuple[int, int], int]) -> int:
    """Level 4 of a plan given its hours per (engineer, project): |h - current| over every pair either has."""
    churn = sum(abs(pair.get(ij, 0) - c) for ij, c in prep.current.items())
    return churn + sum(h for ij, h in pair.items() if ij not in prep.current)


def level_value(prep: Prepared, name: str, plan: Plan) -> int:
    return plan_objective(prep, plan).value(name)
