"""Cycles of a plan's engineer-project graph, where levels 4 and 5 can improve without touching levels 1-3.

Shifting hours around a cycle e1 -> p1 -> e2 -> p2 -> e1 (e1 gives p1 more and p2 less, e2 the reverse) keeps every
engineer's total and every project's total, so funding, weighted hours and GPUs stay as they are. Shifted far
enough, one pair of the cycle drops to zero hours (level 5: a plan whose graph is a forest has at most
engineers + projects - components pairs); shifted towards engineers' `current` hours, churn (level 4) falls. A
shift is taken only if the roles can be re-split (min-cost flow) and chunks and pins still hold.
"""

import random
from collections import deque
from dataclasses import dataclass
from functools import lru_cache

from ortools.graph.python import min_cost_flow

from sprintml.solver.prepared import Hours, Plan, Prepared, pair_hours

# Meeting every role's minimum outweighs any preference between roles.
_MINIMUM_REWARD = 1_000_000
# Forests tried in a row without a cancellation before the search stops, and forests tried at most.
FORESTS_WITHOUT_GAIN = 5
MAX_FORESTS = 400
# Projects with at most this many roles are checked for a split before its flow (_may_split: every set of roles).
CHECKED_ROLES = 6
# A node of the graph: ("e", engineer index) or ("p", project index).
Node = tuple[str, int]
# Per project, the hours of each engineer working on it: what re-splitting a project's roles reads.
Staff = dict[int, dict[int, int]]


def plan_pairs(plan: Plan) -> list[tuple[int, int]]:
    """The (engineer, project) pairs with positive hours, sorted."""
    return sorted(pair_hours(plan.hours))


def project_staff(pair: dict[tuple[int, int], int]) -> Staff:
    """The pairs' hours grouped by project."""
    staff: Staff = {}
    for (i, j), h in pair.items():
        staff.setdefault(j, {})[i] = h
    return staff


def fundamental_cycles(pairs: list[tuple[int, int]]) -> list[list[int]]:
    """The engineers on each cycle of `cycle_paths`, sorted."""
    return [sorted(n for kind, n in path if kind == "e") for path in cycle_paths(pairs)]


@dataclass(frozen=True, slots=True)
class Forest:
    """A breadth-first spanning forest of a plan's graph: each node's parent (None at a root) and depth."""

    parent: dict[Node, Node | None]
    depth: dict[Node, int]

    def holds(self, a: Node, b: Node) -> bool:
        """Whether the edge between `a` and `b` is one of the forest's."""
        return self.parent.get(a) == b or self.parent.get(b) == a

    def path(self, a: Node, b: Node) -> list[Node] | None:
        """The nodes from `a` to `b` along the forest, both included; None if they lie in different trees."""
        if a not in self.parent or b not in self.parent:
            return None
        up_a, up_b = [a], [b]
        while up_a[-1] != up_b[-1]:
            deeper = up_a if self.depth[up_a[-1]] >= self.depth[up_b[-1]] else up_b
            above = self.parent[deeper[-1]]
            if above is None:
                return None  # a root, and the other climb has not met it: another tree
            deeper.append(above)
        return up_a + up_b[-2::-1]


def spanning_forest(pairs: list[tuple[int, int]]) -> Forest:
    """The breadth-first spanning forest of the graph whose edges are `pairs`, rooted in sorted node order."""
    adjacent: dict[Node, list[Node]] = {}
    for i, j in pairs:
        adjacent.setdefault(("e", i), []).append(("p", j))
        adjacent.setdefault(("p", j), []).append(("e", i))
    parent: dict[Node, Node | None] = {}
    depth: dict[Node, int] = {}
    for root in sorted(adjacent):
        if root in parent:
            continue
        parent[root], depth[root] = None, 0
        queue = deque([root])
        while queue:
            node = queue.popleft()
            for nxt in adjacent[node]:
                if nxt not in parent:
                    parent[nxt], depth[nxt] = node, depth[node] + 1
                    queue.append(nxt)
    return Forest(parent, depth)


def cycle_paths(pairs: list[tuple[int, int]]) -> list[list[Node]]:
    """One cycle per edge outside a breadth-first spanning forest, as its nodes in order (the last one adjacent to
    the first). Every cycle of the graph is a combination of these; the same pairs give the same list."""
    forest = spanning_forest(pairs)
    paths = []
    for i, j in pairs:
        a, b = ("e", i), ("p", j)
        if forest.holds(a, b):
            continue
        # The forest's path from a to b; the edge (b, a) closes the cycle.
        path = forest.path(a, b)
        assert path is not None
        paths.append(path)
    return paths


def cancel_cycles(prep: Prepared, plan: Plan, seed: int) -> Plan:
    """`plan` with hours shifted around cycles while a shift lowers (churn, pairs): each keeps every engineer's and
    project's total, never adds a pair, and keeps every rule. A spanning forest's cycles are only some of the
    graph's, so the search goes on over forests grown from seeded shuffles of the pairs until
    `FORESTS_WITHOUT_GAIN` in a row improve nothing."""
    rng = random.Random(seed)
    hours = dict(plan.hours)
    barren = 0
    for forest in range(MAX_FORESTS):
        pair = pair_hours(hours)
        staff = project_staff(pair)
        pairs = sorted(pair)
        if forest:
            rng.shuffle(pairs)
        cancelled = False
        for path in cycle_paths(pairs):
            shifted = _shift(prep, hours, pair, staff, path) or _shift(prep, hours, pair, staff, path[::-1])
            if shifted is not None:
                hours, cancelled = shifted, True
                break
        barren = 0 if cancelled else barren + 1
        if barren == FORESTS_WITHOUT_GAIN:
            break
    return Plan(hours=hours, gpus=dict(plan.gpus), funded=set(plan.funded))


def _shift(
    prep: Prepared, hours: Hours, pair: dict[tuple[int, int], int], staff: Staff, path: list[Node]
) -> Hours | None:
    """Shift hours around the cycle `path` by the amount that lowers (churn, pairs) the most with every rule kept;
    None if no amount lowers it."""
    projects, candidates = shifts(prep, pair, path)
    lowering = [shift for shift in candidates if (shift.churn, -shift.emptied) < (0, 0)]
    for shift in sorted(lowering, key=lambda t: (t.churn, -t.emptied, t.amount)):
        shifted = split_projects(prep, hours, staff, shift.pairs, projects)
        if shifted is not None:
            return shifted
    return None


@dataclass(frozen=True, slots=True)
class Shift:
    amount: int
    pairs: dict[tuple[int, int], int]  # the cycle's pairs after the shift
    churn: int  # the change in churn
    emptied: int  # the cycle's pairs the shift empties


def shifts(
    prep: Prepared, pair: dict[tuple[int, int], int], path: list[Node], *, emptying: bool = False
) -> tuple[list[int], list[Shift]]:
    """The projects on the cycle `path` and its shifts that keep chunks and pins: each engineer gains on the project
    after it and loses on the one before (a pair of the cycle may be new, at 0 hours).

    Churn is piecewise linear in the amount, so only its kinks and the rules' limits are tried: a pair reaching its
    `current` hours, a losing pair reaching a chunk, its pin or zero (the largest amount empties the smallest, and
    is the only one tried if `emptying`).
    """
    if path[0][0] == "p":
        path = path[1:] + path[:1]
    n = len(path)
    # Projects sit at odd positions, between the engineer gaining hours on them and the one losing them.
    moves = [(path[t][1], path[(t + 1) % n][1], path[t - 1][1]) for t in range(1, n, 2)]  # (project, loser, gainer)
    most = min(pair[loser, j] for j, loser, _ in moves)
    amounts = {most}
    for j, loser, gainer in [] if emptying else moves:
        left = (prep.chunk, prep.current.get((loser, j), 0), prep.pins.get((loser, j), 0))
        amounts.update(pair[loser, j] - least for least in left)
        amounts.add(prep.current.get((gainer, j), 0) - pair.get((gainer, j), 0))
    current, pins, chunk = prep.current, prep.pins, prep.chunk
    found = []
    for delta in sorted(d for d in amounts if 0 < d <= most):
        # Only the cycle's pairs change (each once: a simple cycle meets every pair at most once).
        new_pair: dict[tuple[int, int], int] = {}
        churn = emptied = 0
        for j, loser, gainer in moves:
            for ij, change in (((loser, j), -delta), ((gainer, j), delta)):
                before = pair.get(ij, 0)
                after = new_pair[ij] = before + change
                aim = current.get(ij, 0)
                churn += abs(after - aim) - abs(before - aim)
            emptied += new_pair[loser, j] == 0
        if any(0 < h < chunk or h < pins.get(ij, 0) for ij, h in new_pair.items()):
            continue
        found.append(Shift(delta, new_pair, churn, emptied))
    return sorted({j for j, _, _ in moves}), found


def split_projects(
    prep: Prepared, hours: Hours, staff: Staff, new_pair: dict[tuple[int, int], int], projects: list[int]
) -> Hours | None:
    """`hours` with `projects` re-split into roles for the pair totals `new_pair` (over `staff`); None if one can't."""
    changed: Staff = project_staff(new_pair)
    totals = {j: {i: h for i, h in (staff.get(j, {}) | changed.get(j, {})).items() if h} for j in projects}
    # Most shifts a pivot walk draws break a role's bounds (on the 200-engineer benchmark 18,560 of 22,539 that kept
    # every other rule): the cheap check first, for every project.
    if not all(_may_split(prep, j, totals[j]) for j in projects):
        return None
    splits = []
    for j in projects:
        split = split_roles(prep, j, totals[j], hours)
        if split is None:
            return None
        splits.append(split)
    shifted = {key: h for key, h in hours.items() if key[1] not in projects}
    for split in splits:
        shifted.update(split)
    return shifted


def split_roles(prep: Prepared, j: int, totals: dict[int, int], previous: Hours) -> Hours | None:
    """Hours per (engineer, role) on project `j` giving each engineer exactly `totals[engineer]`, every role
    between its minimum and its hours, each engineer only in roles they may fill; None if there is no such split.

    A min-cost flow: engineers supply their totals, roles take them, a role's first `min_hours` earn a reward that
    outweighs everything so minimums are met whenever they can be, and staying in a role the engineer already had
    in `previous` is cheaper than moving.
    """
    roles = prep.request.projects[j].roles
    engineers = sorted(totals)
    flow = min_cost_flow.SimpleMinCostFlow()
    sink = len(engineers) + len(roles)
    arcs: list[tuple[int, int, int]] = []  # (arc, engineer, role)
    for a, i in enumerate(engineers):
        flow.set_node_supply(a, totals[i])
        for r in prep.pair_roles[i, j]:
            cost = 0 if previous.get((i, j, r), 0) > 0 else 1
            arcs.append((flow.add_arc_with_capacity_and_unit_cost(a, len(engineers) + r, totals[i], cost), i, r))
    for r, role in enumerate(roles):
        node = len(engineers) + r
        least = min(role.minimum, role.hours)
        flow.add_arc_with_capacity_and_unit_cost(node, sink, least, -_MINIMUM_REWARD)
        flow.add_arc_with_capacity_and_unit_cost(node, sink, role.hours - least, 0)
    flow.set_node_supply(sink, -sum(totals.values()))
    if flow.solve() != flow.OPTIMAL:
        return None
    split: Hours = {}
    filled = [0] * len(roles)
    for arc, i, r in arcs:
        h = flow.flow(arc)
        if h:
            split[i, j, r] = h
            filled[r] += h
    if any(filled[r] < role.minimum for r, role in enumerate(roles)):
        return None
    return split


def _may_split(prep: Prepared, j: int, totals: dict[int, int]) -> bool:
    """Whether split_roles finds a split, far cheaper than its flow: whether every set S of project `j`'s roles can
    hold the hours of the engineers who may fill only roles in S (at most S's hours) and be given its minimums by
    those who may fill one of S's roles (Hoffman's conditions for the flow). Checked over every set of roles, so a
    project of more than CHECKED_ROLES roles is left to the flow (True)."""
    if len(prep.request.projects[j].roles) > CHECKED_ROLES:
        return True
    by_roles: dict[int, int] = {}  # engineers' hours by the set of roles they may fill, as a bit mask
    for i, h in totals.items():
        mask = sum(1 << r for r in prep.pair_roles[i, j])
        by_roles[mask] = by_roles.get(mask, 0) + h
    roles = tuple((role.hours, role.minimum) for role in prep.request.projects[j].roles)
    for subset, most, least in _role_subsets(roles):
        only = reach = 0
        for mask, h in by_roles.items():
            if mask & subset:
                reach += h
                if mask & ~subset == 0:
                    only += h
        if only > most or reach < least:
            return False
    return True


@lru_cache(maxsize=4096)
def _role_subsets(roles: tuple[tuple[int, int], ...]) -> list[tuple[int, int, int]]:
    """Every non-empty set of roles, given as (hours, minimum), as a bit mask with its hours and minimums summed."""
    sets = [[role for r, role in enumerate(roles) if subset >> r & 1] for subset in range(1 << len(roles))]
    return [
        (subset, sum(hours for hours, _ in chosen), sum(least for _, least in chosen))
        for subset, chosen in enumerate(sets)
        if chosen
    ]
