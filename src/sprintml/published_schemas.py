"""The JSON Schemas `schemas/` publishes: every stored event type and every API body, from the Structs."""

import inspect
import json
from pathlib import Path

import msgspec

from sprintml.api import bodies
from sprintml.domain.catalog import EVENT_CLASSES
from sprintml.metrics import Burndown, Forecast, VelocityReport
from sprintml.projections import CapacityView, ImpedimentBoardView
from sprintml.solver import AllocationRequest, AllocationResult


def _api_bodies() -> dict[str, type[msgspec.Struct]]:
    found = {
        name: cls
        for name, cls in inspect.getmembers(bodies, inspect.isclass)
        if issubclass(cls, msgspec.Struct)
        and cls.__module__ == bodies.__name__
        and cls not in (bodies.Body, bodies.Reply)
    }
    # Bodies the API sends as its read side and solver define them.
    for cls in (
        AllocationRequest,
        AllocationResult,
        CapacityView,
        VelocityReport,
        Forecast,
        Burndown,
        ImpedimentBoardView,
    ):
        found[cls.__name__] = cls
    return found


def render() -> dict[str, str]:
    """Relative path → file text of every published schema (sorted keys, stable across runs)."""
    files: dict[str, str] = {}
    for folder, classes in (("events", EVENT_CLASSES), ("api", _api_bodies())):
        for name, cls in sorted(classes.items()):
            schema = msgspec.json.schema(cls)
            files[f"{folder}/{name}.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return files


def export(target: Path) -> list[Path]:
    """Write every schema under `target`, removing ones the code no longer has."""
    files = render()
    written = []
    for existing in target.glob("*/*.json"):
        if existing.relative_to(target).as_posix() not in files:
            existing.unlink()
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        written.append(path)
    return written
