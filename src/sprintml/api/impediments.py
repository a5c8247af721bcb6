"""Impediments: raised by anyone but viewers, worked through their lifecycle by the scrum master."""

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from sprintml.api import bodies
from sprintml.api.auth import (
    requires_any_but_viewer,
    requires_any_role,
    requires_scrum_master,
    requires_scrum_master_or_member,
)
from sprintml.api.backlog import existing_team
from sprintml.api.deps import PathId
from sprintml.api.documented_errors import WRITE_ERRORS
from sprintml.api.feed import Limit
from sprintml.api.problems import InvalidField
from sprintml.api.reads import READ_RESPONSES, BoardCursor, BoardStatus, impediment_board_page
from sprintml.api.writes import Writer, new_id, unique, written
from sprintml.application import BACKLOG, IMPEDIMENT, CommandHandler
from sprintml.domain import impediment
from sprintml.eventstore import PostgresEventStore
from sprintml.projections import ImpedimentBoardView


async def check_items_exist(handler: CommandHandler, team_id: str, item_ids: list[str], field: str) -> None:
    unique(item_ids, field)
    for index, item_id in enumerate(item_ids):
        item = (await handler.load(BACKLOG, item_id)).state
        if not item.exists or item.team_id != team_id:
            raise InvalidField(f"{field}[{index}]", f"Team {team_id!r} has no backlog item {item_id!r}.")


class TeamImpedimentController(Controller):
    path = "/teams/{team_id:str}/impediments"
    tags = ["impediments"]

    @post("/", responses=WRITE_ERRORS, guards=[requires_any_but_viewer], status_code=201, summary="Raise an impediment")
    async def raise_impediment(
        self,
        team_id: PathId,
        data: JSONBody[bodies.RaiseImpediment],
        writer: NamedDependency[Writer],
        handler: NamedDependency[CommandHandler],
    ) -> Response[bodies.Written]:
        await existing_team(handler, team_id)
        await check_items_exist(handler, team_id, data.blocked_item_ids, "blocked_item_ids")
        impediment_id = data.impediment_id or new_id()
        command = impediment.RaiseImpediment(
            impediment_id=impediment_id,
            team_id=team_id,
            title=data.title,
            severity=data.severity,
            source="api",
            blocked_item_ids=data.blocked_item_ids,
            description=data.description,
            now=writer.now,
        )
        return await writer.write(
            IMPEDIMENT,
            impediment_id,
            lambda state: impediment.decide(command, state),
            written(impediment_id),
            status_code=201,
            made_here=data.impediment_id is None,
        )

    # Here rather than in reads.py: Litestar refuses two controllers on one path (each adds an OPTIONS).
    @get(
        "/",
        responses=READ_RESPONSES,
        guards=[requires_any_role],
        summary="The impediment board: most severe first, then oldest, with age and SLA state",
    )
    async def board(
        self,
        team_id: PathId,
        store: NamedDependency[PostgresEventStore],
        status: BoardStatus = "open",
        limit: Limit = 100,
        after: BoardCursor = None,
    ) -> ImpedimentBoardView:
        return await impediment_board_page(store, team_id, status, limit, after)


class ImpedimentController(Controller):
    path = "/impediments/{impediment_id:str}"
    tags = ["impediments"]

    @post(
        "/acknowledge",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_scrum_master],
        summary="Acknowledge an open impediment",
    )
    async def acknowledge(self, impediment_id: PathId, writer: NamedDependency[Writer]) -> Response[bodies.Written]:
        command = impediment.AcknowledgeImpediment(impediment_id=impediment_id, now=writer.now)
        return await writer.write(
            IMPEDIMENT, impediment_id, lambda state: impediment.decide(command, state), written(impediment_id)
        )

    @post(
        "/escalate",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_scrum_master],
        summary="Escalate an impediment",
    )
    async def escalate(
        self, impediment_id: PathId, writer: NamedDependency[Writer], data: JSONBody[bodies.Reason | None] = None
    ) -> Response[bodies.Written]:
        command = impediment.EscalateImpediment(
            impediment_id=impediment_id, reason=data.reason if data else "", now=writer.now
        )
        return await writer.write(
            IMPEDIMENT, impediment_id, lambda state: impediment.decide(command, state), written(impediment_id)
        )

    @post(
        "/resolve",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_scrum_master_or_member],
        summary="Resolve an impediment (once until reopened)",
    )
    async def resolve(
        self, impediment_id: PathId, writer: NamedDependency[Writer], data: JSONBody[bodies.Resolve | None] = None
    ) -> Response[bodies.Written]:
        command = impediment.ResolveImpediment(
            impediment_id=impediment_id, resolution=data.resolution if data else "", now=writer.now
        )
        return await writer.write(
            IMPEDIMENT, impediment_id, lambda state: impediment.decide(command, state), written(impediment_id)
        )

    @post(
        "/reopen",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_scrum_master],
        summary="Reopen a resolved impediment",
    )
    async def reopen(
        self, impediment_id: PathId, writer: NamedDependency[Writer], data: JSONBody[bodies.Reason | None] = None
    ) -> Response[bodies.Written]:
        command = impediment.ReopenImpediment(
            impediment_id=impediment_id, reason=data.reason if data else "", now=writer.now
        )
        return await writer.write(
            IMPEDIMENT, impediment_id, lambda state: impediment.decide(command, state), written(impediment_id)
        )
