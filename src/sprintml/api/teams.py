"""Teams: creation, members, time off, the Slack webhook, and the team view."""

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from sprintml.api import bodies
from sprintml.api.auth import requires_any_role, requires_scrum_master_or_member, requires_team_admin
from sprintml.api.deps import AsOf, PathId
from sprintml.api.documented_errors import READ_ERRORS, WRITE_ERRORS
from sprintml.api.views import resolve_as_of, team_view
from sprintml.api.writes import Writer, etag, new_id, written
from sprintml.application import TEAM, CommandHandler
from sprintml.domain import team


class TeamController(Controller):
    path = "/teams"
    tags = ["teams"]

    @post("/", responses=WRITE_ERRORS, guards=[requires_team_admin], status_code=201, summary="Create a team")
    async def create_team(
        self, data: JSONBody[bodies.CreateTeam], writer: NamedDependency[Writer]
    ) -> Response[bodies.Written]:
        team_id = data.id or new_id()
        command = team.CreateTeam(team_id=team_id, name=data.name, now=writer.now)
        return await writer.write(
            TEAM,
            team_id,
            lambda state: team.decide(command, state),
            written(team_id),
            status_code=201,
            made_here=data.id is None,
        )

    @get(
        "/{team_id:str}",
        responses=READ_ERRORS,
        guards=[requires_any_role],
        summary="Roster, current sprint, open impediments",
    )
    async def get_team(
        self, team_id: PathId, handler: NamedDependency[CommandHandler], as_of: AsOf = None
    ) -> Response[bodies.TeamView]:
        view = await team_view(handler, team_id, await resolve_as_of(handler, as_of))
        return Response(view, headers={"ETag": etag(view.version)})

    @post(
        "/{team_id:str}/members",
        responses=WRITE_ERRORS,
        guards=[requires_team_admin],
        status_code=201,
        summary="A member joins",
    )
    async def add_member(
        self, team_id: PathId, data: JSONBody[bodies.AddMember], writer: NamedDependency[Writer]
    ) -> Response[bodies.Written]:
        command = team.AddMember(
            team_id=team_id,
            member_id=data.member_id,
            name=data.name,
            role=data.role,
            skills=data.skills,
            hours_per_day=data.hours_per_day,
            slack_user_id=data.slack_user_id,
            now=writer.now,
        )
        return await writer.write(
            TEAM, team_id, lambda state: team.decide(command, state), written(team_id), status_code=201
        )

    @delete(
        "/{team_id:str}/members/{member_id:str}",
        responses=WRITE_ERRORS,
        guards=[requires_team_admin],
        status_code=200,
        summary="A member leaves",
    )
    async def remove_member(
        self, team_id: PathId, member_id: PathId, writer: NamedDependency[Writer]
    ) -> Response[bodies.Written]:
        command = team.RemoveMember(team_id=team_id, member_id=member_id, now=writer.now)
        return await writer.write(TEAM, team_id, lambda state: team.decide(command, state), written(team_id))

    @post(
        "/{team_id:str}/time-off",
        responses=WRITE_ERRORS,
        guards=[requires_scrum_master_or_member],
        status_code=201,
        summary="Schedule time off (dates inclusive)",
    )
    async def schedule_time_off(
        self, team_id: PathId, data: JSONBody[bodies.ScheduleTimeOff], writer: NamedDependency[Writer]
    ) -> Response[bodies.Written]:
        command = team.ScheduleTimeOff(
            team_id=team_id,
            time_off_id=new_id(),
            member_id=data.member_id,
            start=data.start,
            end=data.end,
            now=writer.now,
        )
        return await writer.write(
            TEAM, team_id, lambda state: team.decide(command, state), written(team_id), status_code=201
        )

    @put(
        "/{team_id:str}/slack-webhook",
        responses=WRITE_ERRORS,
        guards=[requires_team_admin],
        summary="Where impediments are posted in Slack",
    )
    async def register_slack_webhook(
        self, team_id: PathId, data: JSONBody[bodies.RegisterSlackWebhook], writer: NamedDependency[Writer]
    ) -> Response[bodies.Written]:
        command = team.RegisterSlackWebhook(team_id=team_id, webhook_url=data.webhook_url, now=writer.now)
        return await writer.write(TEAM, team_id, lambda state: team.decide(command, state), written(team_id))
