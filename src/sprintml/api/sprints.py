"""Sprints: planning, commitment, start, stand-ups, progress, scope, review, retrospective, close."""

from collections.abc import Sequence

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from sprintml.api import bodies
from sprintml.api.auth import (
    requires_any_role,
    requires_scrum_master,
    requires_scrum_master_or_member,
    requires_standup_writer,
)
from sprintml.api.backlog import existing_team
from sprintml.api.deps import AsOf, PathId
from sprintml.api.documented_errors import READ_ERRORS, WRITE_ERRORS
from sprintml.api.problems import InvalidField
from sprintml.api.views import resolve_as_of, sprint_view
from sprintml.api.writes import Writer, etag, new_id, unique, written
from sprintml.application import BACKLOG, IMPEDIMENT, SPRINT, CommandHandler, Outcome
from sprintml.application.handler import Loaded
from sprintml.application.planning import capacity_of
from sprintml.domain import impediment, sprint
from sprintml.domain.decider import Event
from sprintml.domain.errors import NotFound
from sprintml.domain.sprint import CommittedItem, SprintState


async def loaded_sprint(handler: CommandHandler, sprint_id: str) -> Loaded[SprintState]:
    loaded = await handler.load(SPRINT, sprint_id)
    if not loaded.state.exists:
        raise NotFound(f"There is no sprint {sprint_id!r}.", field="sprint_id")
    return loaded


async def existing_sprint(handler: CommandHandler, sprint_id: str) -> SprintState:
    return (await loaded_sprint(handler, sprint_id)).state


async def committable_items(
    handler: CommandHandler, team_id: str, item_ids: list[str], field: str
) -> list[CommittedItem]:
    """The items with their estimated points; each must be the team's, live and estimated."""
    unique(item_ids, field)
    items = []
    for index, item_id in enumerate(item_ids):
        item = (await handler.load(BACKLOG, item_id)).state
        if not item.exists or item.team_id != team_id:
            raise InvalidField(f"{field}[{index}]", f"Team {team_id!r} has no backlog item {item_id!r}.")
        if item.removed:
            raise InvalidField(f"{field}[{index}]", f"Backlog item {item_id!r} was removed.")
        if item.points is None:
            raise InvalidField(f"{field}[{index}]", f"Backlog item {item_id!r} has no estimate yet.")
        items.append(CommittedItem(item_id=item_id, points=item.points))
    return items


class TeamSprintController(Controller):
    path = "/teams/{team_id:str}/sprints"
    tags = ["sprints"]

    @post("/", responses=WRITE_ERRORS, guards=[requires_scrum_master], status_code=201, summary="Plan a sprint")
    async def plan_sprint(
        self,
        team_id: PathId,
        data: JSONBody[bodies.PlanSprint],
        writer: NamedDependency[Writer],
        handler: NamedDependency[CommandHandler],
    ) -> Response[bodies.Written]:
        await existing_team(handler, team_id)
        sprint_id = data.sprint_id or new_id()
        command = sprint.PlanSprint(
            sprint_id=sprint_id,
            team_id=team_id,
            name=data.name,
            goal=data.goal,
            start_date=data.start_date,
            end_date=data.end_date,
            focus_factor=data.focus_factor,
            now=writer.now,
        )
        return await writer.write(
            SPRINT,
            sprint_id,
            lambda state: sprint.decide(command, state),
            written(sprint_id),
            status_code=201,
            made_here=data.sprint_id is None,
        )


class SprintController(Controller):
    path = "/sprints/{sprint_id:str}"
    tags = ["sprints"]

    @get("/", responses=READ_ERRORS, guards=[requires_any_role], summary="The sprint board")
    async def get_sprint(
        self, sprint_id: PathId, handler: NamedDependency[CommandHandler], as_of: AsOf = None
    ) -> Response[bodies.SprintView]:
        view = await sprint_view(handler, sprint_id, await resolve_as_of(handler, as_of))
        return Response(view, headers={"ETag": etag(view.version)})

    @post(
        "/commitments",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_scrum_master],
        summary="Commit items; flags going over capacity",
    )
    async def commit(
        self,
        sprint_id: PathId,
        data: JSONBody[bodies.Commit],
        writer: NamedDependency[Writer],
        handler: NamedDependency[CommandHandler],
    ) -> Response[bodies.Committed]:
        current = await existing_sprint(handler, sprint_id)
        team = await existing_team(handler, current.team_id)
        items = await committable_items(handler, current.team_id, data.item_ids, "item_ids")
        capacity = await capacity_of(handler, team, current)
        command = sprint.CommitItems(
            sprint_id=sprint_id,
            items=items,
            capacity_hours=capacity.total_hours,
            capacity_points=capacity.points,
            now=writer.now,
        )

        def reply(outcome: Outcome) -> bodies.Committed:
            (committed,) = [e for e in outcome.events if isinstance(e, sprint.ItemsCommitted)]
            return bodies.Committed(
                id=sprint_id,
                version=outcome.version,
                position=outcome.position,
                committed_points=committed.committed_points,
                capacity_hours=committed.capacity_hours,
                capacity_points=committed.capacity_points,
                over_capacity=committed.over_capacity,
            )

        return await writer.write(SPRINT, sprint_id, lambda state: sprint.decide(command, state), reply)

    @post(
        "/start",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_scrum_master],
        summary="Start the sprint (once, after planning)",
    )
    async def start(self, sprint_id: PathId, writer: NamedDependency[Writer]) -> Response[bodies.Written]:
        command = sprint.StartSprint(sprint_id=sprint_id, now=writer.now)
        return await writer.write(SPRINT, sprint_id, lambda state: sprint.decide(command, state), written(sprint_id))

    @post(
        "/standups",
        responses=WRITE_ERRORS,
        guards=[requires_standup_writer],
        status_code=201,
        summary="Record a stand-up",
    )
    async def record_standup(
        self,
        sprint_id: PathId,
        data: JSONBody[bodies.RecordStandup],
        writer: NamedDependency[Writer],
        handler: NamedDependency[CommandHandler],
    ) -> Response[bodies.StandupRecorded]:
        loaded = await loaded_sprint(handler, sprint_id)
        current = loaded.state
        team = await existing_team(handler, current.team_id)
        blockers = [(entry.member_id, text) for entry in data.entries for text in entry.blockers]
        impediment_ids = [new_id() for _ in blockers]
        command = sprint.RecordStandup(
            sprint_id=sprint_id,
            date=data.date,
            entries=[
                sprint.StandupEntry(member_id=e.member_id, yesterday=e.yesterday, today=e.today, blockers=e.blockers)
                for e in data.entries
            ],
            impediment_ids=impediment_ids,
            team_member_ids=frozenset(team.members),
            now=writer.now,
        )

        def raise_blockers(_: Sequence[Event]) -> list[tuple[str, int, Sequence[Event]]]:
            # Each blocker becomes an impediment in the same transaction as the stand-up.
            appends: list[tuple[str, int, Sequence[Event]]] = []
            for impediment_id, (member_id, text) in zip(impediment_ids, blockers, strict=True):
                raised = impediment.RaiseImpediment(
                    impediment_id=impediment_id,
                    team_id=current.team_id,
                    title=text[:200],
                    severity="medium",
                    source="standup",
                    blocked_member_ids=[member_id],
                    description=text,
                    sprint_id=sprint_id,
                    now=writer.now,
                )
                events = impediment.decide(raised, impediment.initial_state())
                appends.append((IMPEDIMENT.stream_id(impediment_id), 0, events))
            return appends

        def reply(outcome: Outcome) -> bodies.StandupRecorded:
            return bodies.StandupRecorded(
                id=sprint_id, version=outcome.version, position=outcome.position, impediment_ids=impediment_ids
            )

        return await writer.write(
            SPRINT,
            sprint_id,
            lambda state: sprint.decide(command, state),
            reply,
            status_code=201,
            side_appends=raise_blockers,
            loaded=loaded,
        )

    @post(
        "/items/{item_id:str}/progress",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_scrum_master_or_member],
        summary="Move an item on the board",
    )
    async def progress(
        self, sprint_id: PathId, item_id: PathId, data: JSONBody[bodies.Progress], writer: NamedDependency[Writer]
    ) -> Response[bodies.Written]:
        command = sprint.ProgressItem(
            sprint_id=sprint_id,
            item_id=item_id,
            status=data.status,
            remaining_points=data.remaining_points,
            now=writer.now,
        )
        return await writer.write(SPRINT, sprint_id, lambda state: sprint.decide(command, state), written(sprint_id))

    @post(
        "/scope-changes",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_scrum_master],
        summary="Add or remove items mid-sprint",
    )
    async def change_scope(
        self,
        sprint_id: PathId,
        data: JSONBody[bodies.ChangeScope],
        writer: NamedDependency[Writer],
        handler: NamedDependency[CommandHandler],
    ) -> Response[bodies.Written]:
        current = await existing_sprint(handler, sprint_id)
        added = await committable_items(handler, current.team_id, data.add, "add")
        unique(data.remove, "remove")
        command = sprint.ChangeScope(sprint_id=sprint_id, add=added, remove=data.remove, now=writer.now)
        return await writer.write(SPRINT, sprint_id, lambda state: sprint.decide(command, state), written(sprint_id))

    @post(
        "/review",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_scrum_master],
        summary="Sprint review: accepted items and feedback",
    )
    async def review(
        self, sprint_id: PathId, data: JSONBody[bodies.Review], writer: NamedDependency[Writer]
    ) -> Response[bodies.Written]:
        unique(data.accepted_item_ids, "accepted_item_ids")
        command = sprint.ReviewSprint(
            sprint_id=sprint_id, accepted_item_ids=data.accepted_item_ids, feedback=data.feedback, now=writer.now
        )
        return await writer.write(SPRINT, sprint_id, lambda state: sprint.decide(command, state), written(sprint_id))

    @post(
        "/retrospective",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_scrum_master],
        summary="Retrospective with owned action items",
    )
    async def retrospective(
        self,
        sprint_id: PathId,
        data: JSONBody[bodies.Retrospective],
        writer: NamedDependency[Writer],
        handler: NamedDependency[CommandHandler],
    ) -> Response[bodies.Written]:
        current = await existing_sprint(handler, sprint_id)
        team = await existing_team(handler, current.team_id)
        for index, action in enumerate(data.action_items):
            if action.owner not in team.members:
                raise InvalidField(f"action_items[{index}].owner", f"{action.owner!r} is not a member of the team.")
        command = sprint.HoldRetrospective(
            sprint_id=sprint_id,
            went_well=data.went_well,
            to_improve=data.to_improve,
            action_items=[sprint.ActionItem(title=a.title, owner=a.owner) for a in data.action_items],
            now=writer.now,
        )
        return await writer.write(SPRINT, sprint_id, lambda state: sprint.decide(command, state), written(sprint_id))

    @post(
        "/close",
        responses=WRITE_ERRORS,
        status_code=200,
        guards=[requires_scrum_master],
        summary="Close: velocity recorded, unfinished items return",
    )
    async def close(self, sprint_id: PathId, writer: NamedDependency[Writer]) -> Response[bodies.Written]:
        command = sprint.CloseSprint(sprint_id=sprint_id, now=writer.now)
        return await writer.write(SPRINT, sprint_id, lambda state: sprint.decide(command, state), written(sprint_id))
