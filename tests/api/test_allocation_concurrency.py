"""A long solve runs off the event loop: the served API keeps answering meanwhile."""

import asyncio
import time

import httpx
import msgspec
from bench.allocation_instances import generate


async def test_the_api_keeps_answering_during_a_long_solve(served_url: str, auth: dict[str, dict[str, str]]) -> None:
    # 200 engineers: levels 4 and 5 are not proven within 3 s, so the solve uses its time limit.
    body = msgspec.to_builtins(generate(200, 40, 10, time_limit_s=3.0))
    async with httpx.AsyncClient(base_url=served_url, timeout=60) as http:
        solve = asyncio.ensure_future(http.post("/allocations/solve", json=body, headers=auth["planner"]))
        await asyncio.sleep(0.5)
        latencies = []
        while not solve.done():
            started = time.monotonic()
            assert (await http.get("/health")).status_code == 200
            latencies.append(time.monotonic() - started)
            await asyncio.sleep(0.05)
        answered = await solve
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] in {"FEASIBLE", "OPTIMAL"}
    assert len(latencies) >= 5, "the API answered several times while the solve ran"
    assert sorted(latencies)[len(latencies) // 2] < 0.1, latencies
