"""Reads served from the projections: capacity, velocity, forecast, burndown and the impediment board.

Read-your-writes. Before it queries, each read takes the feed's head position (`store.head_position()`,
the last event final in the feed) and waits until every projection it reads has applied the feed up
to there. A client's acknowledged write was final before the read began, so its position is at or
below that head: a client that writes, then reads, never sees the state before its write, whichever
instance served either request. Waiting for the head rather than for a position the client sends
needs nothing from clients and costs one indexed read when the runners are caught up (a few ms after
a write); a client-sent position could only ask for less, so there is no such parameter.

The wait is bounded by READ_TIMEOUT. Past it the read answers 503 with Retry-After instead of a
stale 200: a stale answer with a warning header breaks the guarantee for every client that does not
read headers, while a 503 is what a retrying client already handles, and a projection minutes behind
is an outage (`/ready` shows the lag) rather than something to paper over.

Each read then runs in one read-only REPEATABLE READ transaction, so its several SELECTs see one
snapshot (the board's items and its counts by severity agree).
"""

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from sprintml.api.auth import requires_any_role
from sprintml.api.bodies import ID_PATTERN
from sprintml.api.deps import PathId
from sprintml.api.documented_errors import PROBLEM_MEDIA_TYPE, Problem, error_responses
from sprintml.api.problems import InvalidField, problem
from sprintml.domain.errors import NotFound
from sprintml.eventstore import PostgresEventStore
from sprintml.eventstore.migrations import Connection
from sprintml.metrics import Burndown, Forecast, VelocityReport
from sprintml.metrics import forecast as simulate
from sprintml.projections import (
    CapacityView,
    ImpedimentBoardView,
    burndown,
    capacity,
    forecast_input,
    impediment_board,
    team_exists,
    velocity,
    wait_until_projected,
)

READ_TIMEOUT: Final = 5.0
"""Seconds a read waits for the projections to reach the head before it answers 503."""
RETRY_AFTER: Final = "1"
MAX_FORECAST_ITEMS: Final = 500
# Percent-encoded, 4000 characters stay under the 64 KiB request line uvicorn (httptools) accepts.
MAX_ITEMS_LENGTH: Final = 4000
MAX_SAMPLES: Final = 10_000

READ_RESPONSES: Final[dict[int, Any]] = {
    **error_responses(400, 401, 403, 404, 422),
    503: ResponseSpec(
        data_container=Problem,
        description=f"The read models did not catch up with the feed within {READ_TIMEOUT:g} s; retry after "
        "the Retry-After header's seconds.",
        media_type=PROBLEM_MEDIA_TYPE,
        generate_examples=False,
    ),
}
"""Every read here: auth, unknown ids, bad parameters, and projections too far behind."""
FORECAST_RESPONSES: Final[dict[int, Any]] = {**READ_RESPONSES, **error_responses(409)}
"""The forecast also answers 409 while the team has no closed sprint with completed points."""

_ID = re.compile(ID_PATTERN)

SprintQuery = Annotated[
    str, Parameter(pattern=ID_PATTERN, max_length=64, description="A sprint of this team, [A-Za-z0-9_-]{1,64}")
]
Items = Annotated[
    str,
    Parameter(
        min_length=1,
        max_length=MAX_ITEMS_LENGTH,
        description=f"Comma-separated backlog item ids of this team (at most {MAX_FORECAST_ITEMS} ids, "
        f"{MAX_ITEMS_LENGTH} characters)",
    ),
]
Seed = Annotated[
    int, Parameter(ge=0, le=2**32 - 1, description="Seed of the simulation: the same seed, the same answer")
]
Samples = Annotated[int, Parameter(ge=1, le=MAX_SAMPLES, description=f"Simulated futures (1 to {MAX_SAMPLES})")]
BoardStatus = Annotated[
    Literal["open", "acknowledged", "escalated", "resolved", "all"],
    Parameter(description="`open` (the default) is every impediment not resolved yet; `all` is every one"),
]
BoardCursor = Annotated[str | None, Parameter(max_length=400, description="`next` of the previous page")]


def _now() -> datetime:
    return datetime.now(UTC)


@contextlib.asynccontextmanager
async def projected(store: PostgresEventStore, *names: str) -> AsyncIterator[Connection]:
    """A read-only snapshot of the read models, once the named projections have passed the feed's head."""
    head = await store.head_position()
    if not await wait_until_projected(store, head, READ_TIMEOUT, names):
        behind = problem(
            503,
            f"The read models have not caught up with position {head} within {READ_TIMEOUT:g} s; retry shortly.",
            position=head,
        )
        behind.headers = {"Retry-After": RETRY_AFTER}
        raise behind
    async with store.pool.acquire() as connection, connection.transaction(isolation="repeatable_read", readonly=True):
        yield connection


async def _existing_team(connection: Connection, team_id: str) -> None:
    if not await team_exists(connection, team_id):
        raise NotFound(f"There is no team {team_id!r}.", field="team_id")


def _item_ids(items: str) -> list[str]:
    ids = items.split(",")
    if len(ids) > MAX_FORECAST_ITEMS:
        raise InvalidField("items", f"Name at most {MAX_FORECAST_ITEMS} items.")
    for item_id in ids:
        if not _ID.match(item_id):
            raise InvalidField("items", f"{item_id!r} is not an item id ([A-Za-z0-9_-]{{1,64}}, comma-separated).")
    return ids


class TeamReadController(Controller):
    path = "/teams/{team_id:str}"
    tags = ["teams"]
    guards = [requires_any_role]

    @get("/capacity", responses=READ_RESPONSES, summary="Hours and points per member and in total for one sprint")
    async def capacity(
        self, team_id: PathId, sprint_id: SprintQuery, store: NamedDependency[PostgresEventStore]
    ) -> CapacityView:
        async with projected(store, "team_roster", "sprint_board") as connection:
            await _existing_team(connection, team_id)
            view = await capacity(connection, team_id, sprint_id)
        if view is None:
            raise NotFound(f"Team {team_id!r} has no sprint {sprint_id!r}.", field="sprint_id")
        return view

    @get(
        "/velocity",
        responses=READ_RESPONSES,
        summary="Committed and completed points of every closed sprint, and the rolling average",
    )
    async def velocity(self, team_id: PathId, store: NamedDependency[PostgresEventStore]) -> VelocityReport:
        async with projected(store, "team_roster", "sprint_board") as connection:
            report = await velocity(connection, team_id)
        if report is None:
            raise NotFound(f"There is no team {team_id!r}.", field="team_id")
        return report

    @get("/forecast", responses=FORECAST_RESPONSES, summary="Monte Carlo: sprints the items need at p50, p85 and p95")
    async def forecast(
        self,
        team_id: PathId,
        items: Items,
        store: NamedDependency[PostgresEventStore],
        seed: Seed = 0,
        samples: Samples = MAX_SAMPLES,
    ) -> Forecast:
        item_ids = _item_ids(items)
        async with projected(store, "team_roster", "backlog", "sprint_board") as connection:
            given = await forecast_input(connection, team_id, item_ids)
        if given is None:
            raise NotFound(f"There is no team {team_id!r}.", field="team_id")
        # Up to samples x 1000 simulated sprints: off the event loop, like the solver.
        return await asyncio.to_thread(simulate, given.velocities, given.remaining_points, samples=samples, seed=seed)


async def impediment_board_page(
    store: PostgresEventStore, team_id: str, status: str, limit: int, after: str | None
) -> ImpedimentBoardView:
    """One page of the team's impediment board, as of now (served by the impediments' controller)."""
    async with projected(store, "team_roster", "impediment_board") as connection:
        await _existing_team(connection, team_id)
        return await impediment_board(connection, team_id, status, _now(), limit=limit, after=after)


class SprintReadController(Controller):
    path = "/sprints/{sprint_id:str}"
    tags = ["sprints"]
    guards = [requires_any_role]

    @get(
        "/burndown",
        responses=READ_RESPONSES,
        summary="Ideal and actual remaining points per working day (actual up to today, UTC)",
    )
    async def burndown(self, sprint_id: PathId, store: NamedDependency[PostgresEventStore]) -> Burndown:
        async with projected(store, "sprint_board") as connection:
            chart = await burndown(connection, sprint_id, _now().date())
        if chart is None:
            raise NotFound(f"There is no sprint {sprint_id!r}.", field="sprint_id")
        return chart
