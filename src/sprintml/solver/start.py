"""The plan the search starts from: the better of greedy and the relaxation's projects staffed by flow.

The relaxation (relaxation.py) proposes which projects to fund and bounds level 1; min-cost flow (flow.py) staffs
that proposal. On the benchmark's instances the staffed proposal reaches the bound, so level 1 is proven without
the full model, which on 1,000 engineers cannot even find a plan of its own within a minute. When the proposal
cannot be staffed, the relaxation is asked again with a share of every engineer pool's hours held back, which
leaves room for the focus and chunk rules it ignores. Each staffing is tried with and without the flow's bonus
for keeping `current` hours (level 4), the better kept: above the model's size nothing else lowers churn, and
below it the search on level 4 starts closer (200 engineers, seed 7: level 4 proven in 4.3 s instead of 8.2 s).
"""

import time
from dataclasses import dataclass

from sprintml.solver.flow import staff
from sprintml.solver.greedy import greedy_plan
from sprintml.solver.objective import plan_objective
from sprintml.solver.prepared import Plan, Prepared, pair_hours
from sprintml.solver.relaxation import solve_relaxation

# Shares of engineer hours held back, in turn, when the relaxation's projects cannot be staffed.
SLACKS = (0.0, 0.01, 0.03, 0.06)


@dataclass(frozen=True, slots=True)
class Start:
    plan: Plan | None  # the best plan found that keeps every pin; None if none did
    funded_bound: int | None  # a proven bound on level 1, None if the relaxation found nothing in time


def keeps_pins(prep: Prepared, plan: Plan) -> bool:
    pair = pair_hours(plan.hours)
    return all(pair.get(ij, 0) >= least for ij, least in prep.pins.items())


def rank(prep: Prepared, plan: Plan) -> tuple[int, int, int, int, int]:
    """Lexicographic order of allocation.md, as a key to maximise."""
    o = plan_objective(prep, plan)
    return (o.funded_priority, o.weighted_hours, o.weighted_gpus, -o.churn_hours, -o.assignments)


def starting_plan(prep: Prepared, deadline: float, seed: int) -> Start:
    """Greedy, then the relaxation's proposals staffed while time is left before `deadline`."""
    greedy = greedy_plan(prep)
    found = [greedy] if keeps_pins(prep, greedy) else []
    relaxed = solve_relaxation(prep, "funded_priority", {}, max(0.1, deadline - time.perf_counter()), seed)
    if relaxed is None:
        return Start(plan=_best(prep, found), funded_bound=None)
    for slack in SLACKS:
        if time.perf_counter() >= deadline:
            break
        proposal = relaxed if slack == 0 else solve_relaxation(prep, "funded_priority", {}, 1.0, seed, slack)
        if proposal is None:
            continue
        plan = _staffed(prep, proposal.funded)
        if plan is not None:
            found.append(plan)
            break
    if found and time.perf_counter() < deadline:
        # The greedy projects staffed by flow: the same level 1 as greedy, usually more hours.
        plan = _staffed(prep, set(greedy.funded))
        if plan is not None:
            found.append(plan)
    return Start(plan=_best(prep, found), funded_bound=relaxed.bound)


def _staffed(prep: Prepared, funded: set[int]) -> Plan | None:
    """`funded` staffed by flow, the better of the flows with and without the bonus for keeping `current` hours
    (the same flow when nobody has any): the focus and chunk repairs can end on fewer weighted hours from either,
    and level 2 outranks churn."""
    try:
        plans = [staff(prep, funded, keep_current=keep) for keep in ((False, True) if prep.current else (False,))]
    except OverflowError:
        return None  # priorities x hours too big for the flow's costs: greedy stands alone
    return _best(prep, [plan for plan in plans if plan is not None])


def _best(prep: Prepared, plans: list[Plan]) -> Plan | None:
    return max(plans, key=lambda p: rank(prep, p), default=None)
