"""`schemas/` never drifts from the code."""

from pathlib import Path

from sprintml.published_schemas import render

SCHEMAS = Path(__file__).parent.parent / "schemas"


def test_schemas_folder_matches_what_the_code_would_write() -> None:
    expected = render()
    on_disk = {path.relative_to(SCHEMAS).as_posix(): path.read_text() for path in SCHEMAS.glob("*/*.json")}
    assert sorted(on_disk) == sorted(expected), "run `sprintml schemas export` and commit schemas/"
    stale = [name for name, text in expected.items() if on_disk[name] != text]
    assert not stale, f"stale schemas (run `sprintml schemas export`): {stale}"


def test_every_event_type_and_request_body_is_published() -> None:
    names = set(render())
    assert {"events/ImpedimentRaised.json", "events/SprintClosed.json", "api/CreateTeam.json"} <= names
    assert "api/AllocationRequest.json" in names
