"""Burndown per working day: the ideal line from the original commitment and the actual remaining points."""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import assert_never

import msgspec

from sprintml.metrics.capacity import working_days


class Progress(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """An item in the sprint has this many points left as of `on`."""

    on: dt.date
    item_id: str
    remaining_points: float


class ScopeAdded(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """An item joined the sprint on `on` with all of its points remaining."""

    on: dt.date
    item_id: str
    points: float


class ScopeRemoved(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """An item left the sprint on `on`; its remaining points no longer count."""

    on: dt.date
    item_id: str


BurndownChange = Progress | ScopeAdded | ScopeRemoved


class BurndownDay(msgspec.Struct, frozen=True, kw_only=True):
    """One working day of the burndown; `actual` is None for days that haven't ended yet."""

    date: dt.date
    ideal: float
    actual: float | None


class Burndown(msgspec.Struct, frozen=True, kw_only=True):
    """The burndown response."""

    days: list[BurndownDay]


def ideal_line(committed_points: float, days: int) -> list[float]:
    """Straight line from the commitment on the first day to zero on the last.

    A one-day sprint gets [0.0]: its only day is also its last, by whose end everything is meant to be done.
    """
    if days <= 1:
        return [0.0] * days
    step = committed_points / (days - 1)
    return [round(committed_points - step * index, 2) for index in range(days)]


def _apply(remaining: dict[str, float], change: BurndownChange) -> None:
    match change:
        case Progress(item_id=item_id, remaining_points=points):
            if points < 0:
                raise ValueError(f"item {item_id}: remaining_points must not be negative")
            # Progress on an item no longer in the sprint (removed earlier) must not bring it back.
            if item_id in remaining:
                remaining[item_id] = points
        case ScopeAdded(item_id=item_id, points=points):
            remaining[item_id] = points
        case ScopeRemoved(item_id=item_id):
            remaining.pop(item_id, None)
        case _:
            assert_never(change)


def burndown(
    start: dt.date,
    end: dt.date,
    committed: Mapping[str, float],
    changes: Sequence[BurndownChange],
    *,
    today: dt.date,
) -> Burndown:
    """Ideal and actual remaining points at the end of each working day from start to end.

    `committed` maps each item committed at the start to its points. Changes are applied in date order
    (stable for equal dates), so a change dated on a weekend or before the start shows on the next working
    day. Scope added mid-sprint raises `actual` but not `ideal`, which stays on the original commitment, so
    the gap between the lines shows the added scope instead of hiding it.
    """
    if end < start:
        raise ValueError(f"sprint ends {end} before it starts {start}")
    days = working_days(start, end)
    ideal = ideal_line(sum(committed.values()), len(days))
    pending = sorted(changes, key=lambda change: change.on)
    remaining = dict(committed)
    applied = 0
    result: list[BurndownDay] = []
    for day, ideal_points in zip(days, ideal, strict=True):
        while applied < len(pending) and pending[applied].on <= day:
            _apply(remaining, pending[applied])
            applied += 1
        actual = round(sum(remaining.values()), 2) if day <= today else None
        result.append(BurndownDay(date=day, ideal=ideal_points, actual=actual))
    return Burndown(days=result)
