"""The team's backlog: items and planning-poker estimates."""

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from sprintml.api import bodies
from sprintml.api.auth import requires_scrum_master_or_member
from sprintml.api.deps import PathId
from sprintml.api.documented_errors import WRITE_ERRORS
from sprintml.api.writes import Writer, new_id, written
from sprintml.application import BACKLOG, TEAM, CommandHandler, Outcome
from sprintml.domain import backlog
from sprintml.domain.errors import NotFound
from sprintml.domain.team import TeamState


async def existing_team(handler: CommandHandler, team_id: str) -> TeamState:
    state = (await handler.load(TEAM, team_id)).state
    if not state.exists:
        raise NotFound(f"There is no team {team_id!r}.", field="team_id")
    return state


class BacklogController(Controller):
    path = "/teams/{team_id:str}/backlog"
    tags = ["backlog"]
    guards = [requires_scrum_master_or_member]

    @post("/", responses=WRITE_ERRORS, status_code=201, summary="Add a backlog item")
    async def add_item(
        self,
        team_id: PathId,
        data: JSONBody[bodies.AddBacklogItem],
        writer: NamedDependency[Writer],
        handler: NamedDependency[CommandHandler],
    ) -> Response[bodies.Written]:
        await existing_team(handler, team_id)
        item_id = data.item_id or new_id()
        command = backlog.AddItem(
            item_id=item_id,
            team_id=team_id,
            title=data.title,
            kind=data.kind,
            points=data.points,
            gpu_hours=data.gpu_hours,
            description=data.description,
            priority=data.priority,
            now=writer.now,
        )
        return await writer.write(
            BACKLOG,
            item_id,
            lambda state: backlog.decide(command, state),
            written(item_id),
            status_code=201,
            made_here=data.item_id is None,
        )

    @post("/{item_id:str}/estimates", responses=WRITE_ERRORS, status_code=201, summary="Record a planning-poker round")
    async def estimate(
        self,
        team_id: PathId,
        item_id: PathId,
        data: JSONBody[bodies.Estimate],
        writer: NamedDependency[Writer],
        handler: NamedDependency[CommandHandler],
    ) -> Response[bodies.Estimated]:
        team = await existing_team(handler, team_id)
        item = (await handler.load(BACKLOG, item_id)).state
        if not item.exists or item.team_id != team_id:
            raise NotFound(f"Team {team_id!r} has no backlog item {item_id!r}.", field="item_id")
        command = backlog.EstimateItem(
            item_id=item_id, votes=data.votes, team_member_ids=frozenset(team.members), now=writer.now
        )

        def reply(outcome: Outcome) -> bodies.Estimated:
            (estimated,) = [e for e in outcome.events if isinstance(e, backlog.ItemEstimated)]
            return bodies.Estimated(
                id=item_id,
                version=outcome.version,
                position=outcome.position,
                consensus_points=estimated.consensus_points,
                revote_needed=estimated.revote_needed,
            )

        return await writer.write(
            BACKLOG, item_id, lambda state: backlog.decide(command, state), reply, status_code=201
        )
