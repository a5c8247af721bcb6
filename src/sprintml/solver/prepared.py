"""The instance indexed for solving: resolved defaults, eligible (engineer, project, role) triples and fitting pools."""

from dataclasses import dataclass, field

from sprintml.solver.instance import AllocationRequest, GpuPool, Project


def qualifies(skills: dict[str, int], skill: str, min_level: int) -> bool:
    """Constraint 1; an engineer without the skill listed at all never qualifies, even for min_level 0."""
    level = skills.get(skill)
    return level is not None and level >= min_level


def pool_fits(pool: GpuPool, project: Project) -> bool:
    """Constraint 7's memory and type fit of one pool for one project's GPU need."""
    need = project.gpus
    if need is None:
        return False
    return pool.memory_gb >= need.min_memory_gb and (need.types is None or pool.gpu_type in need.types)


@dataclass(frozen=True, slots=True)
class Prepared:
    request: AllocationRequest
    chunk: int  # the least positive h[e,p]: max(1, min_chunk_hours)
    focus: tuple[int, ...]  # per engineer: max_projects, tightened to capacity // chunk
    pair_roles: dict[tuple[int, int], tuple[int, ...]]  # (e, p) -> roles e may fill on p
    pair_ub: dict[tuple[int, int], int]  # (e, p) -> the most h[e,p] can be
    role_engineers: tuple[tuple[tuple[int, ...], ...], ...]  # [p][r] -> engineers who may fill it
    project_engineers: tuple[tuple[int, ...], ...]  # [p] -> engineers with an eligible pair
    engineer_projects: tuple[tuple[int, ...], ...]  # [e] -> projects with an eligible pair
    fitting_pools: tuple[tuple[int, ...], ...]  # [p] -> pools whose GPUs p may use
    pins: dict[tuple[int, int], int] = field(default_factory=dict)  # (e, p) -> least h[e,p], pins > 0 only
    current: dict[tuple[int, int], int] = field(default_factory=dict)  # (e, p) -> current hours > 0

    @property
    def n_engineers(self) -> int:
        return len(self.request.engineers)

    @property
    def n_projects(self) -> int:
        return len(self.request.projects)

    @property
    def eligible_engineers(self) -> list[int]:
        """The engineers with at least one eligible pair: the only ones a plan can use."""
        return [i for i, projects in enumerate(self.engineer_projects) if projects]


def prepare(request: AllocationRequest) -> Prepared:
    """Index a request that passed the structural checks (ids known and unique)."""
    engineers, projects, pools = request.engineers, request.projects, request.gpu_pools
    chunk = max(1, request.options.min_chunk_hours)
    e_index = {e.id: i for i, e in enumerate(engineers)}
    p_index = {p.id: j for j, p in enumerate(projects)}
    focus = tuple(
        min(e.capacity_hours // chunk, len(projects) if e.max_projects is None else e.max_projects) for e in engineers
    )
    pair_roles: dict[tuple[int, int], tuple[int, ...]] = {}
    pair_ub: dict[tuple[int, int], int] = {}
    role_engineers: list[tuple[tuple[int, ...], ...]] = []
    for j, p in enumerate(projects):
        excluded = {e_index[x] for x in p.excluded_engineers if x in e_index}
        per_role: list[list[int]] = [[] for _ in p.roles]
        for i, e in enumerate(engineers):
            if i in excluded or focus[i] < 1:
                continue
            roles = tuple(
                r
                for r, role in enumerate(p.roles)
                if role.hours > 0 and qualifies(e.skills, role.skill, role.min_level)
            )
            ub = min(e.capacity_hours, sum(p.roles[r].hours for r in roles))
            if roles and ub >= chunk:
                pair_roles[i, j] = roles
                pair_ub[i, j] = ub
                for r in roles:
                    per_role[r].append(i)
        role_engineers.append(tuple(tuple(x) for x in per_role))
    project_engineers = [[] for _ in projects]  # type: list[list[int]]
    engineer_projects = [[] for _ in engineers]  # type: list[list[int]]
    for i, j in sorted(pair_roles):
        engineer_projects[i].append(j)
    for i, j in sorted(pair_roles, key=lambda ij: (ij[1], ij[0])):
        project_engineers[j].append(i)
    fitting = tuple(tuple(k for k, pool in enumerate(pools) if pool.count > 0 and pool_fits(pool, p)) for p in projects)
    pins = {
        (e_index[pin.engineer], j): max(pin.hours, chunk)
        for j, p in enumerate(projects)
        for pin in p.pinned
        if pin.hours > 0 and pin.engineer in e_index
    }
    current = {
        (i, p_index[pid]): hours
        for i, e in enumerate(engineers)
        for pid, hours in e.current.items()
        if hours > 0 and pid in p_index
    }
    return Prepared(
        request=request,
        chunk=chunk,
        focus=focus,
        pair_roles=pair_roles,
        pair_ub=pair_ub,
        role_engineers=tuple(role_engineers),
        project_engineers=tuple(tuple(x) for x in project_engineers),
        engineer_projects=tuple(tuple(x) for x in engineer_projects),
        fitting_pools=fitting,
        pins=pins,
        current=current,
    )


Hours = dict[tuple[int, int, int], int]  # (engineer, project, role) -> hours


def pair_hours(hours: Hours) -> dict[tuple[int, int], int]:
    """h[e,p]: each (engineer, project) pair's hours over its roles, for the pairs with any."""
    pair: dict[tuple[int, int], int] = {}
    for (i, j, _), h in hours.items():
        if h:
            pair[i, j] = pair.get((i, j), 0) + h
    return pair


@dataclass(slots=True)
class Plan:
    """A candidate plan by index: positive hours per (e, p, r), positive GPUs per (k, p), funded projects."""

    hours: dict[tuple[int, int, int], int] = field(default_factory=dict)
    gpus: dict[tuple[int, int], int] = field(default_factory=dict)
    funded: set[int] = field(default_factory=set)
