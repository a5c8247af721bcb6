"""Facts a sprint command needs from other streams: the team's history and the sprint's capacity."""

from sprintml.application.handler import SPRINT, CommandHandler
from sprintml.domain.sprint import SprintState
from sprintml.domain.team import TeamState
from sprintml.metrics import (
    CapacityReport,
    ClosedSprint,
    MemberAvailability,
    points_per_hour,
    sprint_capacity,
)


async def closed_sprints(handler: CommandHandler, team_id: str, as_of: int | None = None) -> list[ClosedSprint]:
    """The team's closed sprints, oldest first, with what each committed, completed and could do."""
    history: list[ClosedSprint] = []
    for stream_id in await handler.store.streams_of_team(team_id, SPRINT.prefix, as_of):
        sprint = (await handler.load(SPRINT, stream_id.removeprefix(f"{SPRINT.prefix}-"), as_of=as_of)).state
        if sprint.status == "closed":
            history.append(
                ClosedSprint(
                    sprint_id=sprint.sprint_id,
                    committed_points=sprint.committed_points,
                    completed_points=sprint.velocity or 0,
                    capacity_hours=sprint.capacity_hours or None,
                )
            )
    return history


def team_availability(team: TeamState, sprint: SprintState) -> list[MemberAvailability]:
    """Current members, each counted from the day they joined if that fell inside the sprint."""
    members = []
    for member in team.members.values():
        joined = member.joined_at.date()
        time_off = [(t.start, t.end) for t in team.time_off.values() if t.member_id == member.member_id]
        members.append(
            MemberAvailability(
                member_id=member.member_id,
                hours_per_day=member.hours_per_day,
                time_off=time_off,
                available_from=joined if joined > sprint.start_date else None,
            )
        )
    return members


async def capacity_of(handler: CommandHandler, team: TeamState, sprint: SprintState) -> CapacityReport:
    """api.md's capacity of one sprint, in points through the team's rolling velocity per hour."""
    history = await closed_sprints(handler, team.team_id)
    return sprint_capacity(
        team_availability(team, sprint),
        sprint.start_date,
        sprint.end_date,
        sprint.focus_factor,
        points_per_hour(history),
    )
