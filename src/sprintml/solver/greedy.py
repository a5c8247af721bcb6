"""Greedy baseline: projects by priority, most-free qualified engineers, smallest fitting pool; also the first hint."""

from sprintml.solver.prepared import Plan, Prepared


def greedy_plan(prep: Prepared) -> Plan:
    """Pinned projects first, then by priority (ties in input order); a project is funded only if all minimums fit."""
    request = prep.request
    free = [e.capacity_hours for e in request.engineers]
    slots = list(prep.focus)
    pool_free = [k.count for k in request.gpu_pools]
    # Hours and project slots promised to pins are kept out of every other project's reach.
    reserved = [0] * prep.n_engineers
    reserved_slots = [0] * prep.n_engineers
    for (i, _), least in prep.pins.items():
        reserved[i] += least
        reserved_slots[i] += 1
    plan = Plan()
    pinned = {j for _, j in prep.pins}
    order = sorted(range(prep.n_projects), key=lambda j: (j not in pinned, -request.projects[j].priority, j))
    for j in order:
        own = {i: least for (i, jj), least in prep.pins.items() if jj == j}
        held = [reserved[i] - own.get(i, 0) for i in range(prep.n_engineers)]
        held_slots = [reserved_slots[i] - (i in own) for i in range(prep.n_engineers)]
        avail = [free[i] - held[i] for i in range(prep.n_engineers)]
        avail_slots = [slots[i] - held_slots[i] for i in range(prep.n_engineers)]
        trial = try_project(prep, j, avail, avail_slots, pool_free)
        if trial is None:
            continue
        hours, gpus = trial
        plan.funded.add(j)
        for (i, jj, r), h in hours.items():
            plan.hours[i, jj, r] = h
        for (k, jj), g in gpus.items():
            plan.gpus[k, jj] = g
            pool_free[k] -= g
        for i, least in own.items():
            reserved[i] -= least
            reserved_slots[i] -= 1
        touched = {i for i, _, _ in hours}
        for i in touched:
            free[i] -= sum(h for (i2, _, _), h in hours.items() if i2 == i)
            slots[i] -= 1
    return plan


def try_project(
    prep: Prepared, j: int, free: list[int], slots: list[int], pool_free: list[int]
) -> tuple[dict[tuple[int, int, int], int], dict[tuple[int, int], int]] | None:
    request = prep.request
    project = request.projects[j]
    gpus: dict[tuple[int, int], int] = {}
    need = project.gpus
    if need is not None and need.count > 0:
        # Smallest fitting pool first keeps the big-memory GPUs for projects that need them.
        pools = sorted(prep.fitting_pools[j], key=lambda k: (request.gpu_pools[k].memory_gb, k))
        wanted = need.count
        for k in pools:
            take = min(wanted, pool_free[k])
            if take > 0:
                gpus[k, j] = take
                wanted -= take
        if need.count - wanted < need.minimum:
            return None
    pair: dict[int, int] = {}  # engineer -> hours on this project so far
    hours: dict[tuple[int, int, int], int] = {}

    def give(i: int, r: int, h: int) -> None:
        hours[i, j, r] = hours.get((i, j, r), 0) + h
        pair[i] = pair.get(i, 0) + h

    for (i, jj), least in sorted(prep.pins.items()):
        if jj != j:
            continue
        for r in prep.pair_roles.get((i, j), ()):
            room = project.roles[r].hours - sum(h for (_, _, r2), h in hours.items() if r2 == r)
            h = min(room, least - pair.get(i, 0), free[i])
            if h > 0:
                give(i, r, h)
        if pair.get(i, 0) < least:
            return None
    for r, role in enumerate(project.roles):
        got = sum(h for (_, _, r2), h in hours.items() if r2 == r)
        while got < role.hours:
            candidates = [
                i
                for i in prep.role_engineers[j][r]
                if free[i] - pair.get(i, 0) > 0
                and (i in pair or (slots[i] > 0 and free[i] >= prep.chunk and role.hours - got >= prep.chunk))
            ]
            if not candidates:
                break
            i = max(candidates, key=lambda c: (free[c] - pair.get(c, 0), -c))
            h = min(free[i] - pair.get(i, 0), role.hours - got)
            give(i, r, h)
            got += h
        if got < role.minimum:
            return None
    return hours, gpus
