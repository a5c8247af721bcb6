"""The state of one sprint as its decider needs it: lifecycle, items and ceremonies held."""

import datetime as dt

import msgspec

from sprintml.domain.sprint.events import ItemStatus, SprintStatus


class SprintItem(msgspec.Struct, frozen=True, kw_only=True):
    item_id: str
    points: int
    status: ItemStatus = "todo"
    remaining_points: int


class SprintState(msgspec.Struct, frozen=True, kw_only=True):
    """Never mutated: `evolve` returns a new state with copied collections. `items` keep commit order."""

    exists: bool = False
    sprint_id: str = ""
    team_id: str = ""
    name: str = ""
    goal: str = ""
    start_date: dt.date = dt.date.min
    end_date: dt.date = dt.date.min
    focus_factor: float = 0.0
    status: SprintStatus = "planned"
    items: dict[str, SprintItem] = msgspec.field(default_factory=dict)
    capacity_hours: float = 0.0
    capacity_points: float | None = None
    over_capacity: bool = False
    standup_dates: frozenset[dt.date] = frozenset()
    reviewed: bool = False
    retrospective_held: bool = False
    velocity: int | None = None
    planned_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    @property
    def committed_points(self) -> int:
        return sum(item.points for item in self.items.values())


def initial_state() -> SprintState:
    """The state of a sprint stream with no events."""
    return SprintState()
