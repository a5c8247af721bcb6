"""Single-entity reads folded straight from their streams: always current, and `as_of` any moment."""

from datetime import UTC, datetime

from sprintml.api.bodies import MemberView, SprintItemView, SprintView, TeamView
from sprintml.api.problems import InvalidField
from sprintml.application import IMPEDIMENT, SPRINT, TEAM, CommandHandler
from sprintml.domain.errors import NotFound

_MAX_POSITION = 2**63 - 1


async def resolve_as_of(handler: CommandHandler, as_of: str | None) -> int | None:
    """`?as_of=` as a global position: a number is one; an RFC 3339 instant maps to the last event at or before it."""
    if as_of is None:
        return None
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if as_of.isascii() and as_of.isdigit():
        # Positions are Postgres bigints; anything past the largest one means "now".
        return min(int(as_of), _MAX_POSITION)
    try:
        instant = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidField("as_of", "as_of must be a global position or an RFC 3339 time.") from None
    if instant.tzinfo is None:
        raise InvalidField("as_of", "as_of needs a timezone, e.g. 2026-11-28T09:00:00Z.")
    try:
        instant = instant.astimezone(UTC)  # 0001-01-01T00:00+01:00 has no UTC instant Python can hold
    except OverflowError:
        raise InvalidField("as_of", "as_of is outside the years 1 to 9999 in UTC.") from None
    return await handler.store.position_at(instant)


async def team_view(handler: CommandHandler, team_id: str, as_of: int | None = None) -> TeamView:
    loaded = await handler.load(TEAM, team_id, as_of=as_of)
    if not loaded.state.exists:
        raise NotFound(f"There is no team {team_id!r}" + (" at that time." if as_of is not None else "."))
    team = loaded.state
    current_sprint_id: str | None = None
    for stream_id in await handler.store.streams_of_team(team_id, SPRINT.prefix, as_of):
        sprint = (await handler.load(SPRINT, stream_id.removeprefix("sprint-"), as_of=as_of)).state
        if sprint.status == "active" or (sprint.status == "planned" and current_sprint_id is None):
            current_sprint_id = sprint.sprint_id
    open_impediments = 0
    for stream_id in await handler.store.streams_of_team(team_id, IMPEDIMENT.prefix, as_of):
        impediment = (await handler.load(IMPEDIMENT, stream_id.removeprefix("impediment-"), as_of=as_of)).state
        open_impediments += impediment.status != "resolved"
    return TeamView(
        id=team.team_id,
        name=team.name,
        members=[
            MemberView(
                member_id=m.member_id,
                name=m.name,
                role=m.role,
                skills=m.skills,
                hours_per_day=m.hours_per_day,
                slack_user_id=m.slack_user_id,
            )
            for m in team.members.values()
        ],
        current_sprint_id=current_sprint_id,
        open_impediments=open_impediments,
        version=loaded.version,
    )


async def sprint_view(handler: CommandHandler, sprint_id: str, as_of: int | None = None) -> SprintView:
    loaded = await handler.load(SPRINT, sprint_id, as_of=as_of)
    sprint = loaded.state
    if not sprint.exists:
        raise NotFound(f"There is no sprint {sprint_id!r}" + (" at that time." if as_of is not None else "."))
    return SprintView(
        id=sprint.sprint_id,
        team_id=sprint.team_id,
        name=sprint.name,
        goal=sprint.goal,
        start_date=sprint.start_date,
        end_date=sprint.end_date,
        focus_factor=sprint.focus_factor,
        status=sprint.status,
        items=[
            SprintItemView(item_id=i.item_id, status=i.status, points=i.points, remaining_points=i.remaining_points)
            for i in sprint.items.values()
        ],
        committed_points=sprint.committed_points,
        capacity_hours=sprint.capacity_hours,
        capacity_points=sprint.capacity_points,
        over_capacity=sprint.over_capacity,
        version=loaded.version,
    )
