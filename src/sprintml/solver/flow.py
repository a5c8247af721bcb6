"""Staffing a fixed set of funded projects by min-cost flow, then repairing the focus and chunk rules.

Without the focus (3) and chunk (4) rules, hours for a fixed funded set are a transportation problem: engineers
supply capacity, roles take between `min_hours` and `hours`, and Σ priority x hours (level 2) is the flow's value.
GPUs (levels 1 and 3 for a fixed set) are exactly a transportation problem. Min-cost flow solves both in
milliseconds and deterministically; its vertex solutions split few engineers, so the two rules are mostly met
already. Violations are repaired by banning arcs and solving again: an engineer over their focus keeps their
biggest projects, a pair under a chunk is banned. The result is a plan that meets every rule, or None if some
funded role or GPU need then misses its minimum.
"""

from collections import defaultdict

import numpy as np
from ortools.graph.python import min_cost_flow

from sprintml.solver.prepared import Hours, Plan, Prepared, pair_hours

# Meeting every minimum outweighs any priority: one hour short costs more than any hour elsewhere can earn.
_MINIMUM_WEIGHT = 10_000_000
MAX_REPAIR_ROUNDS = 60
# Bonus per hour an engineer keeps on a `current` pair (churn), above the 1 per hour for staying on last round's arcs.
KEEP_BONUS = 2
# After this many rounds, the few pairs still breaking a rule are topped up to a chunk or dropped: the flow tends
# to pass a leftover of a few hours from one engineer to the next instead of settling.
TRIM_AFTER_ROUNDS = 5


def staff(prep: Prepared, funded: set[int], *, keep_current: bool = False) -> Plan | None:
    """A plan funding exactly `funded` (pins included), or None if this heuristic cannot meet some minimum; with
    `keep_current`, of the plans with the flow's weighted hours it prefers those keeping `current` hours (_Network)."""
    gpus = best_gpus(prep, funded)
    if gpus is None:
        return None
    pinned = _pinned_hours(prep, funded)
    if pinned is None:
        return None
    network = _Network(prep, funded, pinned, keep_current)
    banned = np.zeros(len(network.engineer), dtype=bool)
    previous = np.zeros(len(network.engineer), dtype=bool)
    for n in range(MAX_REPAIR_ROUNDS):
        flows = network.solve(banned, previous)
        if flows is None:
            return None
        hours = network.hours(flows)
        broken = _violations(prep, hours)
        if not broken:
            return Plan(hours=hours, gpus=gpus, funded=set(funded))
        trimmed = _trimmed(prep, funded, hours, broken) if n >= TRIM_AFTER_ROUNDS else None
        if trimmed is not None:
            return Plan(hours=trimmed, gpus=gpus, funded=set(funded))
        banned |= network.pair_arcs(broken)
        previous = flows > 0
    return None


def _pinned_hours(prep: Prepared, funded: set[int]) -> Hours | None:
    """Each pin's least hours, put on the pinned engineer's eligible roles in order; pins stay out of the flow."""
    request = prep.request
    hours: Hours = {}
    used: dict[tuple[int, int], int] = defaultdict(int)
    load: dict[int, int] = defaultdict(int)
    for (i, j), least in sorted(prep.pins.items()):
        if j not in funded:
            return None
        left = least
        for r in prep.pair_roles.get((i, j), ()):
            take = min(left, request.projects[j].roles[r].hours - used[j, r])
            if take > 0:
                hours[i, j, r] = take
                used[j, r] += take
                left -= take
        load[i] += least
        if left > 0 or load[i] > request.engineers[i].capacity_hours:
            return None
    return hours


class _Network:
    """Engineers -> roles of funded projects -> sink, built once; each repair round changes capacities and costs.

    Costs are priorities scaled by `scale`, so that bonuses only break ties between plans of equal weighted hours
    (a cycle has fewer arcs than nodes). With `keep_current`, an engineer's hours on a funded project they work on
    now pass through a node of that pair, whose first `current` hours (all of them, for one who works on one
    project only) earn KEEP_BONUS each: with the hours given, each lowers churn (level 4) by two, so the flow leaves
    people where they are. Arcs used in the previous round earn 1 per hour: the flow keeps what it had and moves
    only around the banned arcs, and the repair settles in a few rounds instead of reshuffling every engineer.
    """

    def __init__(self, prep: Prepared, funded: set[int], pinned: Hours, keep_current: bool) -> None:
        request = prep.request
        n_e = prep.n_engineers
        self.prep = prep
        self.pinned = pinned
        self.roles = [(j, r) for j in sorted(funded) for r in range(len(request.projects[j].roles))]
        role_node = {jr: n_e + n for n, jr in enumerate(self.roles)}
        self.sink = n_e + len(self.roles)
        pin_load: dict[int, int] = defaultdict(int)
        self.pin_role: dict[tuple[int, int], int] = defaultdict(int)
        for (i, j, r), h in pinned.items():
            pin_load[i] += h
            self.pin_role[j, r] += h
        self.supply = [max(0, e.capacity_hours - pin_load[i]) for i, e in enumerate(request.engineers)]
        pinned_pair = pair_hours(pinned)
        # Current pairs get a node of their own after the sink: engineer -> pair -> roles.
        pair_node: dict[tuple[int, int], int] = {}
        keep_tails, keep_heads, keep_caps, keep_costs = [], [], [], []
        for (i, j), hours in sorted(prep.current.items()) if keep_current else ():
            if j in funded and (i, j) in prep.pair_roles and self.supply[i] > 0:
                node = pair_node[i, j] = self.sink + 1 + len(pair_node)
                # Someone on one project at a time stays by giving it everything (churn cap - current, not + current).
                unpinned = max(0, hours - pinned_pair.get((i, j), 0))
                kept = self.supply[i] if prep.focus[i] == 1 else min(self.supply[i], unpinned)
                for cap, cost in ((kept, -KEEP_BONUS), (self.supply[i] - kept, 0)):
                    keep_tails.append(i)
                    keep_heads.append(node)
                    keep_caps.append(cap)
                    keep_costs.append(cost)
        self.n_nodes = self.sink + 1 + len(pair_node)
        self.keep = (
            np.array(keep_tails, dtype=np.int32),
            np.array(keep_heads, dtype=np.int32),
            np.array(keep_caps, dtype=np.int64),
            np.array(keep_costs, dtype=np.int64),
        )
        engineer, project, role, tails, heads, caps = [], [], [], [], [], []
        for i in range(n_e):
            for j in prep.engineer_projects[i]:
                if j not in funded:
                    continue
                for r in prep.pair_roles[i, j]:
                    cap = min(self.supply[i], request.projects[j].roles[r].hours)
                    if cap > 0:
                        engineer.append(i)
                        project.append(j)
                        role.append(r)
                        tails.append(pair_node.get((i, j), i))
                        heads.append(role_node[j, r])
                        caps.append(cap)
        self.engineer = np.array(engineer, dtype=np.int32)
        self.project = np.array(project, dtype=np.int32)
        self.role = np.array(role, dtype=np.int32)
        self.tails = np.array(tails, dtype=np.int32)
        self.heads = np.array(heads, dtype=np.int32)
        self.caps = np.array(caps, dtype=np.int64)
        # Every arc's bonus, times the most arcs on a cycle, stays below one unit of priority (the bonus an arc can
        # carry is what sets it: a plain flow's scale, and so its tie-breaking, is the one it always had).
        most_bonus = KEEP_BONUS + 1 if pair_node else 1
        self.scale = 2 * most_bonus * self.n_nodes + 1
        top = max((p.priority for p in request.projects), default=1)
        self.minimum_weight = self.scale * (top + 1)
        if self.minimum_weight * (sum(self.supply) + 1) > 2**62:
            raise OverflowError("flow costs would overflow")  # the caller falls back to other plans
        # Fixed arcs: idle hours, each role's minimum and its hours above the minimum.
        tails2, heads2, caps2, costs2 = [], [], [], []
        for i in range(n_e):
            tails2.append(i)
            heads2.append(self.sink)
            caps2.append(self.supply[i])
            costs2.append(0)
        for j, r in self.roles:
            spec = request.projects[j].roles[r]
            priority = request.projects[j].priority * self.scale
            got = self.pin_role[j, r]
            for cap, cost in (
                (max(0, spec.minimum - got), -(self.minimum_weight + priority)),
                (spec.hours - max(got, spec.minimum), -priority),
            ):
                tails2.append(role_node[j, r])
                heads2.append(self.sink)
                caps2.append(max(0, cap))
                costs2.append(cost)
        self.fixed = (
            np.array(tails2, dtype=np.int32),
            np.array(heads2, dtype=np.int32),
            np.array(caps2, dtype=np.int64),
            np.array(costs2, dtype=np.int64),
        )

    def solve(self, banned: np.ndarray, previous: np.ndarray) -> np.ndarray | None:
        """Flows on the engineer arcs, or None if some role misses its minimum."""
        flow = min_cost_flow.SimpleMinCostFlow()
        caps = np.where(banned, 0, self.caps)
        costs = np.where(previous, -1, 0).astype(np.int64)
        arcs = flow.add_arcs_with_capacity_and_unit_cost(self.tails, self.heads, caps, costs)
        tails2, heads2, caps2, costs2 = self.fixed
        minimum_arcs = flow.add_arcs_with_capacity_and_unit_cost(tails2, heads2, caps2, costs2)
        if len(self.keep[0]):
            flow.add_arcs_with_capacity_and_unit_cost(*self.keep)
        supplies = np.zeros(self.n_nodes, dtype=np.int64)
        supplies[: len(self.supply)] = self.supply
        supplies[self.sink] = -sum(self.supply)
        flow.set_nodes_supplies(np.arange(self.n_nodes, dtype=np.int32), supplies)
        if flow.solve() != flow.OPTIMAL:
            raise RuntimeError("min-cost flow of a feasible network did not solve")
        # The minimum arcs follow the idle arcs, two per role: every minimum arc must be full.
        n_e = len(self.supply)
        on_minimum = flow.flows(minimum_arcs)[n_e::2]
        if np.any(on_minimum < caps2[n_e::2]):
            return None
        result: np.ndarray = flow.flows(arcs)
        return result

    def hours(self, flows: np.ndarray) -> Hours:
        hours: Hours = dict(self.pinned)
        for n in np.nonzero(flows)[0].tolist():
            key = (int(self.engineer[n]), int(self.project[n]), int(self.role[n]))
            hours[key] = hours.get(key, 0) + int(flows[n])
        return hours

    def pair_arcs(self, pairs: set[tuple[int, int]]) -> np.ndarray:
        """A mask of the arcs of the given (engineer, project) pairs."""
        codes = self.engineer.astype(np.int64) * (self.prep.n_projects + 1) + self.project
        wanted = np.array([i * (self.prep.n_projects + 1) + j for i, j in pairs], dtype=np.int64)
        mask: np.ndarray = np.isin(codes, wanted)
        return mask


def _violations(prep: Prepared, hours: Hours) -> set[tuple[int, int]]:
    """Pairs to ban: those under a chunk, and all but an over-focused engineer's biggest projects (never a pin)."""
    pair: dict[tuple[int, int], int] = defaultdict(int)
    for (i, j, _), h in hours.items():
        pair[i, j] += h
    by_engineer: dict[int, list[tuple[int, int]]] = defaultdict(list)
    broken: set[tuple[int, int]] = set()
    for (i, j), h in pair.items():
        if h <= 0:
            continue
        if h < prep.chunk and (i, j) not in prep.pins:
            broken.add((i, j))
        else:
            by_engineer[i].append((h, j))
    for i, worked in by_engineer.items():
        if len(worked) > prep.focus[i]:
            # Keep the biggest projects and close every other one to this engineer: banning only the pairs in
            # use lets the next flow spread the engineer over the remaining projects instead.
            ranked = sorted(worked, key=lambda hj: ((i, hj[1]) not in prep.pins, -hj[0], hj[1]))
            keep = {j for _, j in ranked[: prep.focus[i]]}
            broken |= {(i, j) for j in prep.engineer_projects[i] if j not in keep}
    return broken


def _trimmed(prep: Prepared, funded: set[int], hours: Hours, broken: set[tuple[int, int]]) -> Hours | None:
    """`hours` with each broken pair in use fixed, or None: a pair under a chunk is topped up to a chunk where
    the engineer has idle hours and the role room; any other broken pair is dropped, if every funded role still
    meets its minimum (dropping hours breaks no other rule)."""
    request = prep.request
    fixed = dict(hours)
    load: dict[int, int] = defaultdict(int)
    got: dict[tuple[int, int], int] = defaultdict(int)
    pair: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for (i, j, r), h in hours.items():
        load[i] += h
        got[j, r] += h
        pair[i, j].append((i, j, r))
    for i, j in sorted(broken & set(pair)):
        short = prep.chunk - sum(fixed[key] for key in pair[i, j])
        over_focus = sum(1 for jj in prep.engineer_projects[i] if (i, jj) in pair) > prep.focus[i]
        if short > 0 and not over_focus and _free_hours(prep, fixed, got, load, pair, i, j, short):
            for key in pair[i, j]:
                room = min(short, request.projects[j].roles[key[2]].hours - got[j, key[2]])
                if room > 0:
                    fixed[key] += room
                    got[j, key[2]] += room
                    load[i] += room
                    short -= room
            if short <= 0:
                continue
        for key in pair.pop((i, j)):
            got[j, key[2]] -= fixed[key]
            load[i] -= fixed.pop(key)
    for j in funded:
        for r, role in enumerate(request.projects[j].roles):
            if got[j, r] < role.minimum:
                return None
    return fixed


def _free_hours(
    prep: Prepared,
    fixed: Hours,
    got: dict[tuple[int, int], int],
    load: dict[int, int],
    pair: dict[tuple[int, int], list[tuple[int, int, int]]],
    i: int,
    j: int,
    short: int,
) -> bool:
    """Make `short` hours of engineer i free for pair (i, j): idle hours first, then hours taken from i's other
    pairs where the pair keeps a chunk and the role its minimum. True when enough are free."""
    request = prep.request
    idle = request.engineers[i].capacity_hours - load[i]
    need = max(0, short - idle)
    others = [k for (ii, jj), keys in pair.items() if ii == i and jj != j for k in keys]
    for key in sorted(others, key=lambda k: (-fixed[k], k)):  # the biggest can spare hours and keep a chunk
        if need == 0:
            break
        _, jj, r = key
        pair_total = sum(fixed[k] for k in pair[i, jj])
        spare = min(need, fixed[key], pair_total - prep.chunk, got[jj, r] - request.projects[jj].roles[r].minimum)
        if spare > 0:
            fixed[key] -= spare
            got[jj, r] -= spare
            load[i] -= spare
            need -= spare
    return need == 0


def best_gpus(prep: Prepared, funded: set[int]) -> dict[tuple[int, int], int] | None:
    """GPUs for a fixed funded set, exactly: every minimum, then the most priority-weighted GPUs (level 3)."""
    request = prep.request
    n_k = len(request.gpu_pools)
    needs = [j for j in sorted(funded) if (need := request.projects[j].gpus) is not None and need.count > 0]
    if not needs:
        return {}
    sink = n_k + len(needs)
    flow = min_cost_flow.SimpleMinCostFlow()
    keys: list[tuple[int, int, int]] = []
    for k, pool in enumerate(request.gpu_pools):
        flow.add_arc_with_capacity_and_unit_cost(k, sink, pool.count, 0)
    for n, j in enumerate(needs):
        need = request.projects[j].gpus
        assert need is not None
        for k in prep.fitting_pools[j]:
            keys.append((flow.add_arc_with_capacity_and_unit_cost(k, n_k + n, need.count, 0), k, j))
        priority = request.projects[j].priority
        flow.add_arc_with_capacity_and_unit_cost(n_k + n, sink, need.minimum, -(_MINIMUM_WEIGHT + priority))
        flow.add_arc_with_capacity_and_unit_cost(n_k + n, sink, need.count - need.minimum, -priority)
    total = sum(pool.count for pool in request.gpu_pools)
    for k, pool in enumerate(request.gpu_pools):
        flow.set_node_supply(k, pool.count)
    flow.set_node_supply(sink, -total)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("min-cost flow of a feasible network did not solve")
    gpus = {(k, j): flow.flow(a) for a, k, j in keys if flow.flow(a) > 0}
    for j in needs:
        need = request.projects[j].gpus
        assert need is not None
        if sum(g for (_, jj), g in gpus.items() if jj == j) < need.minimum:
            return None
    return gpus
