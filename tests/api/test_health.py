"""The probes and the metrics, on the real app and the real database."""

import asyncio
import re
from typing import Any

from litestar.testing import AsyncTestClient

from sprintml.api import create_app
from sprintml.config import Settings
from sprintml.projections import PROJECTION_NAMES
from tests.api.conftest import Client, unique_id


async def test_health_answers_ok(client: Client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def _projected(client: Client, position: int) -> dict[str, Any]:
    for _ in range(200):
        body: dict[str, Any] = (await client.get("/ready")).json()
        if all(p["position"] >= position for p in body["projections"]):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"the projections did not reach {position}: {body['projections']}")


async def test_ready_reports_a_migrated_database_and_every_projections_lag(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    written = await client.post("/teams", json={"id": unique_id(), "name": "probes"}, headers=auth["admin"])
    body = await _projected(client, written.json()["position"])
    assert body["status"] == "ready"
    assert body["pending_migrations"] == []
    assert sorted(p["name"] for p in body["projections"]) == sorted(PROJECTION_NAMES)
    assert all(p["events"] >= 0 and p["seconds"] >= 0 for p in body["projections"])
    assert body["relay"] is None, "no NATS_URL: nothing is owed to a broker"


async def test_ready_reports_the_relays_lag_when_nats_is_configured(
    database_url: str, client: Client, auth: dict[str, dict[str, str]]
) -> None:
    written = await client.post("/teams", json={"id": unique_id(), "name": "relay lag"}, headers=auth["admin"])
    # The relay itself runs elsewhere (`sprintml relay`); this process only reports.
    settings = Settings(
        database_url=database_url, nats_url="nats://127.0.0.1:1", run_relay=False, run_slack_poster=False
    )
    async with AsyncTestClient(create_app(settings)) as other:
        relay = (await other.get("/ready")).json()["relay"]
    assert relay["head_position"] >= written.json()["position"]
    assert relay["published_position"] < written.json()["position"], "nothing relayed it"
    assert relay["events"] > 0
    assert relay["seconds"] >= 0


async def test_metrics_expose_lag_and_request_counts_by_route_template(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    team = unique_id()
    await client.post("/teams", json={"id": team, "name": "metrics"}, headers=auth["admin"])
    await client.get(f"/teams/{team}", headers=auth["viewer"])
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for name in PROJECTION_NAMES:
        assert f'sprintml_projection_lag_events{{projection="{name}"}}' in text
    assert re.search(r"^sprintml_events_head_position \d", text, re.M)
    assert 'path="/teams/{team_id}"' in text, "requests are labelled by route template, not by id"
    assert team not in text
