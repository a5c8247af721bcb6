"""What the API reads: one function per response, over the read-model tables, with api.md's field names."""

import base64
import binascii
import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Final, Literal

import asyncpg
import msgspec

from sprintml.domain.errors import InvalidCommand, NotFound
from sprintml.domain.impediment import ImpedimentStatus, Severity, Source
from sprintml.eventstore.migrations import Connection
from sprintml.metrics import (
    DEFAULT_SLA,
    SEVERITY_ORDER,
    Burndown,
    BurndownChange,
    ClosedSprint,
    Forecast,
    MemberAvailability,
    MemberCapacity,
    Progress,
    ScopeAdded,
    ScopeRemoved,
    SlaPolicy,
    SlaState,
    VelocityReport,
    impediment_timing,
    points_per_hour,
    sprint_capacity,
    velocity_history,
)
from sprintml.metrics import (
    burndown as burndown_of,
)
from sprintml.metrics import (
    forecast as forecast_of,
)
from sprintml.projections.projection import utc_date

Queryable = Connection | asyncpg.Pool
"""A connection, or the pool itself for a one-off read."""

# How many of the team's latest closed sprints the forecast draws velocities from.
FORECAST_HISTORY: Final = 10
MAX_PAGE: Final = 1000
_ONE_DAY = dt.timedelta(days=1)


# -- teams ------------------------------------------------------------------------------------


class MemberView(msgspec.Struct, frozen=True, kw_only=True):
    member_id: str
    name: str
    role: str
    skills: dict[str, int]
    hours_per_day: float
    slack_user_id: str | None
    joined_at: dt.datetime


class TeamView(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /teams/{id}`: the current members (in joining order), the current sprint, open impediments."""

    id: str
    name: str
    members: list[MemberView]
    current_sprint_id: str | None
    open_impediments: int
    version: int


_skills = msgspec.json.Decoder(dict[str, int])


async def team_view(conn: Queryable, team_id: str) -> TeamView | None:
    """The team, or None if there is no such team.

    The current sprint is the team's active one; with none active, the earliest planned one.
    Open impediments are those not resolved (open, acknowledged or escalated).
    """
    team = await conn.fetchrow(
        """
        SELECT t.name, t.version,
               (SELECT s.sprint_id FROM rm_sprints s WHERE s.team_id = t.team_id AND s.status <> 'closed'
                ORDER BY s.status = 'active' DESC, s.start_date, s.sprint_id LIMIT 1) AS current_sprint_id,
               (SELECT count(*) FROM rm_impediments i
                WHERE i.team_id = t.team_id AND i.status <> 'resolved') AS open_impediments
        FROM rm_teams t WHERE t.team_id = $1
        """,
        team_id,
    )
    if team is None:
        return None
    rows = await conn.fetch(
        "SELECT member_id, name, role, skills, hours_per_day, slack_user_id, joined_at FROM rm_team_members "
        "WHERE team_id = $1 AND left_at IS NULL ORDER BY joined_position, member_id",
        team_id,
    )
    members = [
        MemberView(
            member_id=row["member_id"],
            name=row["name"],
            role=row["role"],
            skills=_skills.decode(row["skills"]),
            hours_per_day=row["hours_per_day"],
            slack_user_id=row["slack_user_id"],
            joined_at=row["joined_at"],
        )
        for row in rows
    ]
    return TeamView(
        id=team_id,
        name=team["name"],
        members=members,
        current_sprint_id=team["current_sprint_id"],
        open_impediments=team["open_impediments"],
        version=team["version"],
    )


# -- capacity ---------------------------------------------------------------------------------


class CapacityView(msgspec.Struct, frozen=True, kw_only=True):
    """The capacity response: hours per member and in total, and points at the team's velocity per hour."""

    sprint_id: str
    members: list[MemberCapacity]
    total_hours: float
    focus_factor: float
    points: float | None


class _TimeOff(msgspec.Struct, frozen=True):
    start: dt.date
    end: dt.date


_time_off = msgspec.json.Decoder(list[_TimeOff])


async def capacity(conn: Queryable, team_id: str, sprint_id: str) -> CapacityView | None:
    """Capacity of a sprint of the team, or None if the team has no such sprint.

    Members count from the day they joined and up to the day before they left; members who left
    before the sprint or joined after it do not appear. Points use the team's completed points per
    capacity hour over its latest closed sprints (None before any closed sprint recorded capacity).
    """
    sprint = await conn.fetchrow(
        "SELECT start_date, end_date, focus_factor FROM rm_sprints WHERE sprint_id = $1 AND team_id = $2",
        sprint_id,
        team_id,
    )
    if sprint is None:
        return None
    start, end = sprint["start_date"], sprint["end_date"]
    rows = await conn.fetch(
        "SELECT member_id, hours_per_day, joined_at, left_at, time_off FROM rm_team_members "
        "WHERE team_id = $1 ORDER BY joined_position, member_id",
        team_id,
    )
    members: list[MemberAvailability] = []
    for row in rows:
        available_from = utc_date(row["joined_at"])
        available_until = None if row["left_at"] is None else utc_date(row["left_at"]) - _ONE_DAY
        if available_from > end or (available_until is not None and available_until < max(start, available_from)):
            continue
        members.append(
            MemberAvailability(
                member_id=row["member_id"],
                hours_per_day=row["hours_per_day"],
                time_off=[(entry.start, entry.end) for entry in _time_off.decode(row["time_off"])],
                available_from=available_from,
                available_until=available_until,
            )
        )
    history = [sprint for sprint in await _closed_sprints(conn, team_id) if sprint.sprint_id != sprint_id]
    report = sprint_capacity(members, start, end, sprint["focus_factor"], points_per_hour(history))
    return CapacityView(
        sprint_id=sprint_id,
        members=report.members,
        total_hours=report.total_hours,
        focus_factor=report.focus_factor,
        points=report.points,
    )


# -- sprint board -----------------------------------------------------------------------------


class BoardItem(msgspec.Struct, frozen=True, kw_only=True):
    item_id: str
    status: str
    points: int
    remaining_points: int


class ScopeChange(msgspec.Struct, frozen=True, kw_only=True):
    """An item added to or removed from the sprint by a scope change (UTC date of the change)."""

    date: dt.date
    item_id: str
    change: Literal["added", "removed"]
    points: int | None
    reason: str


class SprintBoardView(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /sprints/{id}`: items (in commit order, and grouped by status), committed against capacity."""

    id: str
    team_id: str
    name: str
    goal: str
    start_date: dt.date
    end_date: dt.date
    status: str
    items: list[BoardItem]
    items_by_status: dict[str, list[str]]
    committed_points: int
    remaining_points: int
    capacity_hours: float
    capacity_points: float | None
    over_capacity: bool
    velocity: int | None
    scope_changes: list[ScopeChange]
    version: int


async def sprint_board(conn: Queryable, sprint_id: str) -> SprintBoardView | None:
    """The board, or None if there is no such sprint.

    `capacity_hours` is the capacity the last commitment was judged against (what `over_capacity`
    means); before any commitment, the sprint's capacity from the roster as it is now.
    """
    sprint = await conn.fetchrow("SELECT * FROM rm_sprints WHERE sprint_id = $1", sprint_id)
    if sprint is None:
        return None
    item_rows = await conn.fetch(
        "SELECT item_id, status, points, remaining_points FROM rm_sprint_items WHERE sprint_id = $1 ORDER BY seq",
        sprint_id,
    )
    items = [BoardItem(**dict(row.items())) for row in item_rows]
    by_status: dict[str, list[str]] = {"todo": [], "in_progress": [], "done": []}
    for item in items:
        by_status.setdefault(item.status, []).append(item.item_id)
    change_rows = await conn.fetch(
        "SELECT on_date, item_id, kind, points, reason FROM rm_sprint_changes "
        "WHERE sprint_id = $1 AND kind IN ('added', 'removed') ORDER BY position, seq",
        sprint_id,
    )
    capacity_hours = sprint["capacity_hours"]
    if capacity_hours is None:
        view = await capacity(conn, sprint["team_id"], sprint_id)
        capacity_hours = view.total_hours if view is not None else 0.0
    return SprintBoardView(
        id=sprint_id,
        team_id=sprint["team_id"],
        name=sprint["name"],
        goal=sprint["goal"],
        start_date=sprint["start_date"],
        end_date=sprint["end_date"],
        status=sprint["status"],
        items=items,
        items_by_status=by_status,
        committed_points=sprint["committed_points"],
        remaining_points=sum(item.remaining_points for item in items),
        capacity_hours=capacity_hours,
        capacity_points=sprint["capacity_points"],
        over_capacity=sprint["over_capacity"],
        velocity=sprint["velocity"],
        scope_changes=[
            ScopeChange(
                date=row["on_date"],
                item_id=row["item_id"],
                change=row["kind"],
                points=row["points"],
                reason=row["reason"],
            )
            for row in change_rows
        ],
        version=sprint["version"],
    )


async def burndown(conn: Queryable, sprint_id: str, today: dt.date) -> Burndown | None:
    """Ideal and actual remaining points per working day, or None if there is no such sprint.

    The ideal line starts from what was committed before the sprint started; commitments and scope
    changes after the start move the actual line only.
    """
    sprint = await conn.fetchrow("SELECT start_date, end_date FROM rm_sprints WHERE sprint_id = $1", sprint_id)
    if sprint is None:
        return None
    rows = await conn.fetch(
        "SELECT kind, on_date, item_id, points, before_start FROM rm_sprint_changes "
        "WHERE sprint_id = $1 ORDER BY position, seq",
        sprint_id,
    )
    committed: dict[str, float] = {}
    changes: list[BurndownChange] = []
    for row in rows:
        kind, on, item_id, points = row["kind"], row["on_date"], row["item_id"], row["points"]
        if row["before_start"]:
            if kind == "removed":
                committed.pop(item_id, None)
            elif kind in ("committed", "added") or item_id in committed:
                committed[item_id] = points
        elif kind == "removed":
            changes.append(ScopeRemoved(on=on, item_id=item_id))
        elif kind == "progress":
            changes.append(Progress(on=on, item_id=item_id, remaining_points=points))
        else:
            changes.append(ScopeAdded(on=on, item_id=item_id, points=points))
    return burndown_of(sprint["start_date"], sprint["end_date"], committed, changes, today=today)


# -- velocity and forecast --------------------------------------------------------------------


async def _closed_sprints(conn: Queryable, team_id: str) -> list[ClosedSprint]:
    rows = await conn.fetch(
        "SELECT sprint_id, committed_points, velocity, capacity_hours FROM rm_sprints "
        "WHERE team_id = $1 AND status = 'closed' ORDER BY closed_position",
        team_id,
    )
    return [
        ClosedSprint(
            sprint_id=row["sprint_id"],
            committed_points=row["committed_points"],
            completed_points=row["velocity"] or 0,
            capacity_hours=row["capacity_hours"],
        )
        for row in rows
    ]


async def team_exists(conn: Queryable, team_id: str) -> bool:
    """Whether the read model knows the team (for a 404 from a read that would otherwise be empty)."""
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM rm_teams WHERE team_id = $1)", team_id))


async def velocity(conn: Queryable, team_id: str) -> VelocityReport | None:
    """Committed and completed points of every closed sprint, oldest first, and the rolling average."""
    if not await team_exists(conn, team_id):
        return None
    return velocity_history(await _closed_sprints(conn, team_id))


class ForecastInput(msgspec.Struct, frozen=True, kw_only=True):
    """What a forecast simulates: the team's latest velocities (oldest first) and the points left to do."""

    velocities: list[float]
    remaining_points: int


async def forecast_input(conn: Queryable, team_id: str, item_ids: Sequence[str]) -> ForecastInput | None:
    """The velocities and remaining points a forecast of the items needs; None for no such team.

    An item counts with its remaining points in its sprint, its points in the backlog, and 0 when
    done or removed. Raises NotFound for an item the team does not have, InvalidCommand for one not
    estimated yet. Separate from the simulation so a caller can run that off the event loop.
    """
    if not await team_exists(conn, team_id):
        return None
    rows = await conn.fetch(
        """
        SELECT b.item_id, b.points, b.status, s.remaining_points
        FROM rm_backlog_items b
        LEFT JOIN rm_sprint_items s ON s.sprint_id = b.sprint_id AND s.item_id = b.item_id AND b.status = 'committed'
        WHERE b.team_id = $1 AND b.item_id = ANY($2::text[])
        """,
        team_id,
        list(item_ids),
    )
    found = {row["item_id"]: row for row in rows}
    remaining = 0
    for item_id in dict.fromkeys(item_ids):
        row = found.get(item_id)
        if row is None:
            raise NotFound(f"The team has no backlog item '{item_id}'.", field="items")
        if row["status"] in ("done", "removed"):
            continue
        if row["remaining_points"] is not None:
            remaining += row["remaining_points"]
        elif row["points"] is None:
            raise InvalidCommand(f"Item '{item_id}' has no estimate yet.", field="items")
        else:
            remaining += row["points"]
    history = (await _closed_sprints(conn, team_id))[-FORECAST_HISTORY:]
    return ForecastInput(velocities=[sprint.completed_points for sprint in history], remaining_points=remaining)


async def forecast(
    conn: Queryable, team_id: str, item_ids: Sequence[str], seed: int = 0, *, samples: int = 10_000
) -> Forecast | None:
    """Sprints the items need at p50/p85/p95, from the team's last closed sprints; None for no such team.

    Raises what `forecast_input` raises, and the forecast's own NoVelocityHistory and ForecastBeyondHorizon.
    """
    given = await forecast_input(conn, team_id, item_ids)
    if given is None:
        return None
    return forecast_of(given.velocities, given.remaining_points, samples=samples, seed=seed)


# -- impediment board -------------------------------------------------------------------------


class ImpedimentView(msgspec.Struct, frozen=True, kw_only=True):
    impediment_id: str
    title: str
    severity: Severity
    status: ImpedimentStatus
    source: Source
    age_hours: float
    time_to_resolve_hours: float | None
    sla_state: SlaState
    sla_due_at: dt.datetime
    raised_at: dt.datetime
    resolved_at: dt.datetime | None
    sprint_id: str | None
    blocked_item_ids: list[str]
    blocked_member_ids: list[str]
    times_reopened: int
    version: int


class ImpedimentBoardView(msgspec.Struct, frozen=True, kw_only=True):
    """The board: most severe first, then oldest; `next` is the cursor of the following page."""

    items: list[ImpedimentView]
    next: str | None
    open_by_severity: dict[str, int]


ImpedimentFilter = Literal["open", "acknowledged", "escalated", "resolved", "all"]
_STATUS_SQL: Final[dict[str, str]] = {
    "open": "status <> 'resolved'",
    "acknowledged": "status = 'acknowledged'",
    "escalated": "status = 'escalated'",
    "resolved": "status = 'resolved'",
    "all": "true",
}
_ids = msgspec.json.Decoder(list[str])
_Cursor = tuple[int, dt.datetime, str]
# Bounded like the columns they are compared with, so a forged cursor is a 422, not a database error.
_cursor_decoder = msgspec.json.Decoder(
    tuple[
        Annotated[int, msgspec.Meta(ge=0, le=32767)],  # severity_rank is a smallint
        Annotated[dt.datetime, msgspec.Meta(tz=True)],
        Annotated[str, msgspec.Meta(max_length=200, pattern=r"^[^\x00]*$")],  # Postgres text holds no NUL
    ]
)


def _encode_cursor(rank: int, raised_at: dt.datetime, impediment_id: str) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode((rank, raised_at, impediment_id))).decode().rstrip("=")


def _decode_cursor(cursor: str) -> _Cursor:
    try:
        return _cursor_decoder.decode(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, msgspec.DecodeError) as error:
        raise InvalidCommand("The cursor is not one this list gave out.", field="after") from error


async def impediment_board(
    conn: Queryable,
    team_id: str,
    status: str | None = "open",
    now: dt.datetime | None = None,
    sla_policy: SlaPolicy = DEFAULT_SLA,
    limit: int = 100,
    after: str | None = None,
) -> ImpedimentBoardView:
    """One page of the team's impediments, with age and SLA state as of `now` (default: the clock).

    `status`: "open" (default) means not resolved, i.e. open, acknowledged or escalated; "all" or
    None means every impediment; any other value is one exact status.
    """
    status = status or "all"
    where = _STATUS_SQL.get(status)
    if where is None:
        raise InvalidCommand(f"status must be one of {', '.join(_STATUS_SQL)}, not {status!r}.", field="status")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidCommand(f"limit must be between 1 and {MAX_PAGE}, not {limit}.", field="limit")
    now = now or dt.datetime.now(dt.UTC)
    args: list[Any] = [team_id, limit + 1]
    page = ""
    if after is not None:
        args.extend(_decode_cursor(after))
        page = "AND (severity_rank, raised_at, impediment_id) > ($3, $4, $5)"
    rows = await conn.fetch(
        f"SELECT * FROM rm_impediments WHERE team_id = $1 AND {where} {page} "
        "ORDER BY severity_rank, raised_at, impediment_id LIMIT $2",
        *args,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_impediment(row, now, sla_policy) for row in rows]
    last = rows[-1] if more else None
    count_rows = await conn.fetch(
        "SELECT severity, count(*) FROM rm_impediments WHERE team_id = $1 AND status <> 'resolved' GROUP BY severity",
        team_id,
    )
    counts: dict[str, int] = {row[0]: row[1] for row in count_rows}
    return ImpedimentBoardView(
        items=items,
        next=None if last is None else _encode_cursor(last["severity_rank"], last["raised_at"], last["impediment_id"]),
        open_by_severity={severity: counts.get(severity, 0) for severity in SEVERITY_ORDER},
    )


def _impediment(row: asyncpg.Record, now: dt.datetime, policy: SlaPolicy) -> ImpedimentView:
    timing = impediment_timing(row["severity"], row["raised_at"], now, row["resolved_at"], policy)
    return ImpedimentView(
        impediment_id=row["impediment_id"],
        title=row["title"],
        severity=row["severity"],
        status=row["status"],
        source=row["source"],
        age_hours=timing.age_hours,
        time_to_resolve_hours=timing.time_to_resolve_hours,
        sla_state=timing.sla_state,
        sla_due_at=timing.sla_due_at,
        raised_at=row["raised_at"],
        resolved_at=row["resolved_at"],
        sprint_id=row["sprint_id"],
        blocked_item_ids=_ids.decode(row["blocked_item_ids"]),
        blocked_member_ids=_ids.decode(row["blocked_member_ids"]),
        times_reopened=row["times_reopened"],
        version=row["version"],
    )
