"""Seeded generator of realistic AI/ML-org allocation instances for the benchmark."""

import math
import random
from typing import Any

import msgspec

from sprintml.solver import AllocationInputError, AllocationRequest, check_input

SKILLS = ("ml", "data", "backend", "infra", "research", "mlops")
GPU_KINDS = (("H100", 80), ("A100", 80), ("A100", 40), ("L4", 24), ("T4", 16))
SIZES = {
    "s": (30, 10, 4, 5.0),
    "m": (200, 40, 10, 30.0),
    "l": (1000, 150, 25, 60.0),
    "xl": (3000, 400, 40, 120.0),
}


def generate(
    n_engineers: int, n_projects: int, n_pools: int, *, seed: int = 7, time_limit_s: float = 10.0
) -> AllocationRequest:
    """Demand is 20-60% above supply for both hours and GPUs; a few pins and exclusions; chunks of 4 h."""
    rng = random.Random(seed)
    engineers = [_engineer(rng, i, n_projects) for i in range(n_engineers)]
    pools = [
        {"id": f"{t.lower()}-{m}-{k}", "gpu_type": t, "memory_gb": m, "count": rng.choice((8, 8, 16, 16, 32, 64))}
        for k, (t, m) in ((k, GPU_KINDS[k % len(GPU_KINDS)]) for k in range(n_pools))
    ]
    projects = [_project(rng, j) for j in range(n_projects)]
    _scale_demand(rng, engineers, pools, projects)
    for e in engineers:
        if rng.random() < 0.5:
            pid = f"p{rng.randrange(n_projects)}"
            e["current"] = {pid: 4 * rng.randint(2, e["capacity_hours"] // 8)}
    _add_pins_and_exclusions(rng, engineers, projects)
    body = {
        "engineers": engineers,
        "gpu_pools": pools,
        "projects": projects,
        "options": {"time_limit_s": time_limit_s, "min_chunk_hours": 4},
    }
    request = msgspec.convert(body, AllocationRequest)
    return _drop_conflicting_pins(request)


def _engineer(rng: random.Random, i: int, n_projects: int) -> dict[str, Any]:
    primary = rng.choice(SKILLS)
    skills = {primary: rng.choice((3, 3, 4, 4, 5))}
    for s in rng.sample([s for s in SKILLS if s != primary], rng.choice((0, 1, 1, 2))):
        skills[s] = rng.choice((1, 2, 2, 3))
    return {
        "id": f"e{i}",
        "capacity_hours": rng.choice((40, 60, 80, 80, 80, 80, 120)),
        "skills": skills,
        "max_projects": rng.choice((1, 2, 2, 2, 3, None)),
    }


def _project(rng: random.Random, j: int) -> dict[str, Any]:
    roles = [
        {"skill": s, "min_level": rng.choice((1, 2, 3, 3, 4)), "hours": rng.choice((1, 2, 3, 4, 6))}
        for s in rng.sample(SKILLS, rng.choice((1, 2, 2, 3)))
    ]
    project: dict[str, Any] = {"id": f"p{j}", "priority": rng.choice((1, 1, 2, 2, 3, 3, 5, 5, 8, 13)), "roles": roles}
    if rng.random() < 0.6:
        memory = rng.choice((0, 16, 24, 40, 40, 80, 80))
        gpus: dict[str, Any] = {"count": rng.choice((1, 2, 4, 8)), "min_memory_gb": memory}
        if rng.random() < 0.3:
            gpus["types"] = rng.sample(["H100", "A100", "L4", "T4"], 2)
        project["gpus"] = gpus
    return project


def _scale_demand(
    rng: random.Random, engineers: list[dict[str, Any]], pools: list[dict[str, Any]], projects: list[dict[str, Any]]
) -> None:
    """Turn the relative weights drawn per role and GPU need into absolute demand 1.2-1.6x the supply."""
    hours = sum(e["capacity_hours"] for e in engineers) * rng.uniform(1.2, 1.6)
    weight = sum(r["hours"] for p in projects for r in p["roles"])
    for p in projects:
        for r in p["roles"]:
            r["hours"] = max(8, 4 * round(hours * r["hours"] / weight / 4))
            r["min_hours"] = 4 * math.ceil(r["hours"] * rng.uniform(0.3, 0.8) / 4)
    gpus = sum(k["count"] for k in pools) * rng.uniform(1.2, 1.6)
    weight = sum(p["gpus"]["count"] for p in projects if "gpus" in p) or 1
    for p in projects:
        if "gpus" in p:
            p["gpus"]["count"] = max(1, round(gpus * p["gpus"]["count"] / weight))
            p["gpus"]["min_count"] = math.ceil(p["gpus"]["count"] * rng.uniform(0.4, 0.8))


def _add_pins_and_exclusions(
    rng: random.Random, engineers: list[dict[str, Any]], projects: list[dict[str, Any]]
) -> None:
    used: set[str] = set()
    for p in rng.sample(projects, max(1, len(projects) // 10)):
        for r in p["roles"]:
            fits = [e for e in engineers if e["skills"].get(r["skill"], -1) >= r["min_level"] and e["id"] not in used]
            if fits:
                e = rng.choice(fits)
                used.add(e["id"])
                p["pinned"] = [{"engineer": e["id"], "hours": min(e["capacity_hours"] // 2, r["hours"])}]
                break
    for p in rng.sample(projects, max(1, len(projects) // 8)):
        pinned = {x["engineer"] for x in p.get("pinned", [])}
        p["excluded_engineers"] = [e["id"] for e in rng.sample(engineers, 2) if e["id"] not in pinned]


def _drop_conflicting_pins(request: AllocationRequest) -> AllocationRequest:
    """Keep the instance solvable: pins whose projects cannot be funded alone are removed."""
    while True:
        try:
            check_input(request)
            return request
        except AllocationInputError as error:
            bad = {p.project for p in error.problems}
            projects = [
                msgspec.structs.replace(p, pinned=[]) if p.id in bad or any(b and p.id in b for b in bad) else p
                for p in request.projects
            ]
            request = msgspec.structs.replace(request, projects=projects)
