"""Benchmark of the allocation solver against the greedy baseline on four seeded instance sizes."""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from allocation_instances import SIZES, generate
from sprintml.solver import SolverParams, greedy_plan, solve, validate
from sprintml.solver.objective import plan_objective
from sprintml.solver.prepared import prepare
from sprintml.solver.solution import MAXIMISED


def gap(name: str, value: int, bound: int) -> float:
    """Relative distance to the bound, in percent, on the side the level is optimised."""
    if value == bound:
        return 0.0
    return (
        100.0 * abs(bound - value) / max(abs(bound), 1)
        if name in MAXIMISED
        else 100.0 * (value - bound) / max(value, 1)
    )


def run(size: str, seed: int, params: SolverParams) -> None:
    n_e, n_p, n_k, limit = SIZES[size]
    request = generate(n_e, n_p, n_k, seed=seed, time_limit_s=limit)
    t0 = time.perf_counter()
    greedy = plan_objective(prepare(request), greedy_plan(prepare(request)))
    greedy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = solve(request, params)
    seconds = time.perf_counter() - t0
    problems = validate(request, result)
    pins = sum(1 for p in request.projects for x in p.pinned if x.hours > 0)
    print(f"== {size}: {n_e} engineers / {n_p} projects / {n_k} pools, {pins} pins, limit {limit:g} s, seed {seed}")
    print(
        f"   seconds {seconds:.1f} (solve_seconds {result.solve_seconds:.1f}),"
        f" status {result.status}, valid {not problems}"
    )
    for problem in problems[:5]:
        print(f"   INVALID: {problem}")
    for lv in result.levels:
        print(
            f"   {lv.name:16s} value {lv.value:>9d}  bound {lv.bound:>9d}  gap {gap(lv.name, lv.value, lv.bound):6.2f}%"
            f"  {lv.status:8s} {lv.seconds:6.1f} s"
        )
    assert result.objective is not None
    for name in ("funded_priority", "weighted_hours"):
        ours, base = result.objective.value(name), greedy.value(name)
        print(f"   {name:16s} greedy {base:>9d}  ratio {ours / max(base, 1):.3f}")
    funded = sum(p.funded for p in result.projects)
    reasons = {r: sum(p.reason == r for p in result.projects) for r in ("infeasible_alone", "displaced")}
    print(f"   funded {funded}/{n_p}, unfunded reasons {reasons}, greedy {greedy_s:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="s,m,l,xl", help="comma-separated subset of s,m,l,xl")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=SolverParams().num_workers)
    args = parser.parse_args()
    params = SolverParams(num_workers=args.workers)
    for size in args.sizes.split(","):
        run(size, args.seed, params)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
