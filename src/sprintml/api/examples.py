"""One realistic example of every request and response body, shown by the OpenAPI document.

The examples tell one story: team `vision` (computer vision) runs sprint `vision-s14`, which
aims a ViT-L defect detector at the ResNet-50 baseline, hits an H100 shortage, and has its
engineers and GPUs allocated across three projects. They are plain JSON values, so a client can
paste any of them, and `tests/api/test_openapi_examples.py` keeps them true: each decodes into
its Struct (strictly, and back to the same JSON, so a renamed, retyped or new field fails), each
validates against the served document, and every request example is accepted by the real API.

Where they go: the `examples` keyword of each body's component schema. OpenAPI 3.1 makes the
Schema Object a JSON Schema 2020-12 document, whose `examples` is an array of instances (the
Schema Object's own `example` is deprecated); Swagger UI and Scalar show `examples[0]` as a
body's example, for request bodies and responses alike, since both `$ref` the component. The
other places were weighed: the Media Type Object's `examples` map is also valid 3.1, but Litestar
writes it only for the extra responses of a `ResponseSpec`, never for a request body or a success
response, so it would take rewriting the generated document; `Body(examples=[Example(...)])` on
every handler's `data` writes the same schema keyword (wrapped in an `allOf`), covers no response,
and scatters the examples over every handler signature. A schema plugin is Litestar's own extension
point for how a type becomes a schema, so ExamplesSchemaPlugin, registered once in `create_app`,
lets Litestar build each Struct's schema as usual and adds its example, whichever handler uses it.

Structs nested in a body (MemberView in TeamView, say) have no example of their own: the body's
shows them. Problem has one example, shown under every error status: a 422 naming a field, the
shape with every member; an example per status would take one on each `ResponseSpec` in
`documented_errors.py`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import msgspec
from litestar.openapi.spec import BaseSchemaObject, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from sprintml.api import bodies
from sprintml.api.documented_errors import Problem
from sprintml.api.health import Health, Readiness
from sprintml.metrics import Burndown, Forecast, VelocityReport
from sprintml.projections import CapacityView, ImpedimentBoardView
from sprintml.solver import SOLVER_VERSION, AllocationRequest, AllocationResult

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator

Json = dict[str, Any]

# -- team -------------------------------------------------------------------------------------

CREATE_TEAM: Final[Json] = {"id": "vision", "name": "Vision"}

ADD_MEMBER: Final[Json] = {
    "member_id": "ana",
    "name": "Ana Costa",
    "role": "ml_engineer",
    "skills": {"pytorch": 4, "cuda": 3},
    "hours_per_day": 6.0,
    "slack_user_id": "U05ANA1234",
}
MEMBERS: Final[list[Json]] = [
    ADD_MEMBER,
    {
        "member_id": "bo",
        "name": "Bo Lindqvist",
        "role": "data_engineer",
        "skills": {"python": 5, "spark": 4},
        "hours_per_day": 7.0,
        "slack_user_id": None,
    },
    {
        "member_id": "chen",
        "name": "Chen Wei",
        "role": "research_scientist",
        "skills": {"pytorch": 5, "jax": 3},
        "hours_per_day": 6.0,
        "slack_user_id": "U05CHEN789",
    },
]
"""Everyone on the team: the roster the other examples refer to."""

SCHEDULE_TIME_OFF: Final[Json] = {"member_id": "chen", "start": "2026-03-05", "end": "2026-03-06"}

REGISTER_SLACK_WEBHOOK: Final[Json] = {
    "webhook_url": "https://hooks.slack.com/services/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"
}

TEAM_VIEW: Final[Json] = {
    "id": "vision",
    "name": "Vision",
    "members": MEMBERS,
    "current_sprint_id": "vision-s14",
    "open_impediments": 2,
    "version": 6,
}

# -- backlog ----------------------------------------------------------------------------------

ADD_BACKLOG_ITEM: Final[Json] = {
    "item_id": "VIS-101",
    "title": "Fine-tune ViT-L/16 on the defect dataset",
    "kind": "experiment",
    "points": None,
    "gpu_hours": 320.0,
    "description": "Start from the ImageNet-21k checkpoint; report mAP@0.5 against the ResNet-50 baseline.",
    "priority": 1,
}
ESTIMATE: Final[Json] = {"votes": {"ana": 8, "bo": 5, "chen": 8}}
ESTIMATED: Final[Json] = {
    "id": "VIS-101",
    "version": 2,
    "position": 4708,
    "consensus_points": 8,
    "revote_needed": False,
}

# -- sprint -----------------------------------------------------------------------------------

PLAN_SPRINT: Final[Json] = {
    "sprint_id": "vision-s14",
    "name": "Sprint 14",
    "goal": "A ViT-L defect detector that beats the ResNet-50 baseline on mAP@0.5",
    "start_date": "2026-03-02",
    "end_date": "2026-03-13",
    "focus_factor": 0.8,
}
WRITTEN: Final[Json] = {"id": "vision-s14", "version": 1, "position": 4715}

COMMIT: Final[Json] = {"item_ids": ["VIS-101", "VIS-102", "VIS-103"]}
COMMITTED: Final[Json] = {
    "id": "vision-s14",
    "version": 2,
    "position": 4716,
    "committed_points": 16,
    "capacity_hours": 142.4,
    "capacity_points": 17.02,
    "over_capacity": False,
}

RECORD_STANDUP: Final[Json] = {
    "date": "2026-03-03",
    "entries": [
        {
            "member_id": "ana",
            "yesterday": "Wrote the ViT-L data loader with the new augmentations",
            "today": "Launch the first fine-tuning run",
            "blockers": [],
        },
        {
            "member_id": "bo",
            "yesterday": "Exported the defect labels to Parquet",
            "today": "Per-class mAP in the evaluation harness",
            "blockers": ["The labelling vendor has not re-exported batch 7 with the new defect classes"],
        },
    ],
}
STANDUP_RECORDED: Final[Json] = {
    "id": "vision-s14",
    "version": 4,
    "position": 4719,
    "impediment_ids": ["3f9c2a7d41b86e05"],
}

PROGRESS: Final[Json] = {"status": "in_progress", "remaining_points": 5}
CHANGE_SCOPE: Final[Json] = {"add": ["VIS-104"], "remove": ["VIS-103"]}
REVIEW: Final[Json] = {
    "accepted_item_ids": ["VIS-102"],
    "feedback": ["Show per-class mAP next to the confusion matrix in the report"],
}
RETROSPECTIVE: Final[Json] = {
    "went_well": ["The harness caught a train/test leak before the first run"],
    "to_improve": ["GPU reservations were not checked before planning"],
    "action_items": [{"title": "Check the H100 pool before sprint planning", "owner": "bo"}],
}

SPRINT_VIEW: Final[Json] = {
    "id": "vision-s14",
    "team_id": "vision",
    "name": "Sprint 14",
    "goal": "A ViT-L defect detector that beats the ResNet-50 baseline on mAP@0.5",
    "start_date": "2026-03-02",
    "end_date": "2026-03-13",
    "focus_factor": 0.8,
    "status": "active",
    "items": [
        {"item_id": "VIS-101", "status": "in_progress", "points": 8, "remaining_points": 5},
        {"item_id": "VIS-102", "status": "todo", "points": 5, "remaining_points": 5},
        {"item_id": "VIS-104", "status": "todo", "points": 2, "remaining_points": 2},
    ],
    "committed_points": 15,
    "capacity_hours": 142.4,
    "capacity_points": 17.02,
    "over_capacity": False,
    "version": 6,
}

# -- reads ------------------------------------------------------------------------------------

CAPACITY_VIEW: Final[Json] = {
    "sprint_id": "vision-s14",
    "members": [
        {"member_id": "ana", "working_days": 10, "time_off_days": 0, "hours": 48.0},
        {"member_id": "bo", "working_days": 10, "time_off_days": 0, "hours": 56.0},
        {"member_id": "chen", "working_days": 10, "time_off_days": 2, "hours": 38.4},
    ],
    "total_hours": 142.4,
    "focus_factor": 0.8,
    "points": 17.02,
}
VELOCITY_REPORT: Final[Json] = {
    "sprints": [
        {"sprint_id": "vision-s11", "committed_points": 18.0, "completed_points": 15.0, "capacity_hours": 134.4},
        {"sprint_id": "vision-s12", "committed_points": 17.0, "completed_points": 17.0, "capacity_hours": 142.4},
        {"sprint_id": "vision-s13", "committed_points": 19.0, "completed_points": 16.0, "capacity_hours": 124.8},
    ],
    "average": 16.0,
}
FORECAST: Final[Json] = {"p50": 3, "p85": 3, "p95": 4, "samples": 10000}
BURNDOWN: Final[Json] = {
    "days": [
        {"date": "2026-03-02", "ideal": 16.0, "actual": 16.0},
        {"date": "2026-03-03", "ideal": 14.22, "actual": 16.0},
        {"date": "2026-03-04", "ideal": 12.44, "actual": 13.0},
        {"date": "2026-03-05", "ideal": 10.67, "actual": 12.0},
        {"date": "2026-03-06", "ideal": 8.89, "actual": None},
        {"date": "2026-03-09", "ideal": 7.11, "actual": None},
        {"date": "2026-03-10", "ideal": 5.33, "actual": None},
        {"date": "2026-03-11", "ideal": 3.56, "actual": None},
        {"date": "2026-03-12", "ideal": 1.78, "actual": None},
        {"date": "2026-03-13", "ideal": 0.0, "actual": None},
    ]
}

# -- impediments ------------------------------------------------------------------------------

RAISE_IMPEDIMENT: Final[Json] = {
    "impediment_id": "vision-imp-7",
    "title": "H100 pool oversubscribed: 2 of 8 GPUs free",
    "severity": "high",
    "blocked_item_ids": ["VIS-101"],
    "description": "The research org's sweep holds 6 H100s until Friday; fine-tuning ViT-L needs at least 4.",
}
REASON: Final[Json] = {"reason": "Past its SLA and blocking the sprint goal; the compute lead must rebalance the pool"}
RESOLVE: Final[Json] = {"resolution": "The compute lead moved 4 H100s from the sweep to Vision until 2026-03-13"}

IMPEDIMENT_BOARD_VIEW: Final[Json] = {
    "items": [
        {
            "impediment_id": "vision-imp-7",
            "title": "H100 pool oversubscribed: 2 of 8 GPUs free",
            "severity": "high",
            "status": "escalated",
            "source": "api",
            "age_hours": 28.5,
            "time_to_resolve_hours": None,
            "sla_state": "breached",
            "sla_due_at": "2026-03-05T10:30:00Z",
            "raised_at": "2026-03-04T10:30:00Z",
            "resolved_at": None,
            "sprint_id": None,
            "blocked_item_ids": ["VIS-101"],
            "blocked_member_ids": [],
            "times_reopened": 0,
            "version": 3,
        },
        {
            "impediment_id": "3f9c2a7d41b86e05",
            "title": "The labelling vendor has not re-exported batch 7 with the new defect classes",
            "severity": "medium",
            "status": "open",
            "source": "standup",
            "age_hours": 53.67,
            "time_to_resolve_hours": None,
            "sla_state": "ok",
            "sla_due_at": "2026-03-06T09:20:00Z",
            "raised_at": "2026-03-03T09:20:00Z",
            "resolved_at": None,
            "sprint_id": "vision-s14",
            "blocked_item_ids": [],
            "blocked_member_ids": ["bo"],
            "times_reopened": 0,
            "version": 1,
        },
    ],
    "next": None,
    "open_by_severity": {"critical": 0, "high": 1, "medium": 1, "low": 0},
}

# -- the event feed ---------------------------------------------------------------------------

_RAISED: Final[Json] = {
    "position": 4721,
    "event_id": "7cf2ee1a-f751-430e-8013-5acc2892796d",
    "stream_id": "impediment-vision-imp-7",
    "version": 1,
    "type": "ImpedimentRaised",
    "data": {
        "type": "ImpedimentRaised",
        "impediment_id": "vision-imp-7",
        "team_id": "vision",
        "title": "H100 pool oversubscribed: 2 of 8 GPUs free",
        "severity": "high",
        "source": "api",
        "description": "The research org's sweep holds 6 H100s until Friday; fine-tuning ViT-L needs at least 4.",
        "sprint_id": None,
        "blocked_item_ids": ["VIS-101"],
        "blocked_member_ids": [],
        "raised_at": "2026-03-04T10:30:00Z",
    },
    "metadata": {"actor": "ana", "correlation_id": "be987b85-1874-450c-97c2-e4ddb50b68aa"},
    "recorded_at": "2026-03-04T10:30:00.041000Z",
}
_ACKNOWLEDGED: Final[Json] = {
    "position": 4722,
    "event_id": "cefbe450-8a92-413f-ac1b-9cedfa54156b",
    "stream_id": "impediment-vision-imp-7",
    "version": 2,
    "type": "ImpedimentAcknowledged",
    "data": {"type": "ImpedimentAcknowledged", "acknowledged_at": "2026-03-04T11:05:00Z"},
    "metadata": {"actor": "sofia", "correlation_id": "6811d8e3-257b-488a-a21a-de9061402f21"},
    "recorded_at": "2026-03-04T11:05:00.018000Z",
}
_ESCALATED: Final[Json] = {
    "position": 4724,
    "event_id": "c3383726-a808-4572-a105-a9e91929cf7a",
    "stream_id": "impediment-vision-imp-7",
    "version": 3,
    "type": "ImpedimentEscalated",
    "data": {"type": "ImpedimentEscalated", "reason": REASON["reason"], "escalated_at": "2026-03-05T11:00:00Z"},
    "metadata": {"actor": "sofia", "correlation_id": "dae22297-f66f-4f10-b4db-48de959ab0e7"},
    "recorded_at": "2026-03-05T11:00:00.023000Z",
}
EVENT_PAGE: Final[Json] = {"events": [_RAISED, _ACKNOWLEDGED], "next": "cDQ3MjI"}
STREAM_HISTORY: Final[Json] = {
    "stream_id": "impediment-vision-imp-7",
    "version": 3,
    "events": [_RAISED, _ACKNOWLEDGED, _ESCALATED],
    "next": None,
}

# -- allocation -------------------------------------------------------------------------------

ALLOCATION_REQUEST: Final[Json] = {
    "engineers": [
        {
            "id": "ana",
            "capacity_hours": 48,
            "skills": {"pytorch": 4, "cuda": 3},
            "max_projects": 2,
            "current": {"defect-detector": 40},
        },
        {
            "id": "bo",
            "capacity_hours": 56,
            "skills": {"python": 5, "spark": 4},
            "max_projects": None,
            "current": {"feature-store": 32},
        },
        {"id": "chen", "capacity_hours": 38, "skills": {"pytorch": 5, "jax": 3}, "max_projects": 1, "current": {}},
    ],
    "gpu_pools": [
        {"id": "h100-us-east", "gpu_type": "H100", "memory_gb": 80, "count": 8},
        {"id": "a100-eu-west", "gpu_type": "A100", "memory_gb": 40, "count": 16},
    ],
    "projects": [
        {
            "id": "defect-detector",
            "priority": 8,
            "roles": [{"skill": "pytorch", "min_level": 4, "hours": 80, "min_hours": 48}],
            "gpus": {"count": 4, "min_count": 2, "min_memory_gb": 80, "types": ["H100"]},
            "pinned": [{"engineer": "chen", "hours": 24}],
            "excluded_engineers": [],
        },
        {
            "id": "feature-store",
            "priority": 5,
            "roles": [{"skill": "spark", "min_level": 3, "hours": 40, "min_hours": 24}],
            "gpus": None,
            "pinned": [],
            "excluded_engineers": [],
        },
        {
            "id": "llm-eval",
            "priority": 3,
            "roles": [
                {"skill": "pytorch", "min_level": 3, "hours": 60, "min_hours": 40},
                {"skill": "python", "min_level": 4, "hours": 16, "min_hours": 8},
            ],
            "gpus": {"count": 8, "min_count": 8, "min_memory_gb": 40, "types": None},
            "pinned": [],
            "excluded_engineers": ["chen"],
        },
    ],
    "options": {"time_limit_s": 5.0, "min_chunk_hours": 4},
}

_OBJECTIVE: Final[Json] = {
    "funded_priority": 13,
    "weighted_hours": 840,
    "weighted_gpus": 32,
    "churn_hours": 48,
    "assignments": 3,
}
_ASSIGNMENTS: Final[list[Json]] = [
    {"engineer": "ana", "project": "defect-detector", "skill": "pytorch", "hours": 48},
    {"engineer": "chen", "project": "defect-detector", "skill": "pytorch", "hours": 32},
    {"engineer": "bo", "project": "feature-store", "skill": "spark", "hours": 40},
]
ALLOCATION_RESULT: Final[Json] = {
    "status": "OPTIMAL",
    "objective": _OBJECTIVE,
    "bounds": _OBJECTIVE,
    "assignments": _ASSIGNMENTS,
    "gpu_assignments": [{"pool": "h100-us-east", "project": "defect-detector", "count": 4}],
    "projects": [
        {
            "id": "defect-detector",
            "funded": True,
            "hours": 80,
            "gpus": 4,
            "unmet": [],
            "reason": None,
            "shortfalls": [],
            "competitors": [],
            "explanation": None,
        },
        {
            "id": "feature-store",
            "funded": True,
            "hours": 40,
            "gpus": 0,
            "unmet": [],
            "reason": None,
            "shortfalls": [],
            "competitors": [],
            "explanation": None,
        },
        {
            "id": "llm-eval",
            "funded": False,
            "hours": 0,
            "gpus": 0,
            "unmet": [
                {"need": "role", "skill": "pytorch", "requested": 60, "minimum": 40, "assigned": 0, "short": 60},
                {"need": "role", "skill": "python", "requested": 16, "minimum": 8, "assigned": 0, "short": 16},
                {"need": "gpus", "skill": None, "requested": 8, "minimum": 8, "assigned": 0, "short": 8},
            ],
            "reason": "displaced",
            "shortfalls": [],
            "competitors": [
                {
                    "project": "defect-detector",
                    "priority": 8,
                    "engineers": ["ana"],
                    "hours": 48,
                    "pools": ["h100-us-east"],
                    "gpus": 4,
                },
                {"project": "feature-store", "priority": 5, "engineers": ["bo"], "hours": 40, "pools": [], "gpus": 0},
            ],
            "explanation": "llm-eval fits alone but funding it would unfund work worth more; its engineers/GPUs go "
            "to defect-detector (priority 8: 1 qualified engineers, 48 h; 4 fitting GPUs from h100-us-east), "
            "feature-store (priority 5: 1 qualified engineers, 40 h)",
        },
    ],
    "engineers": [
        {"id": "ana", "assigned_hours": 48, "idle_hours": 0},
        {"id": "bo", "assigned_hours": 40, "idle_hours": 16},
        {"id": "chen", "assigned_hours": 32, "idle_hours": 6},
    ],
    "solve_seconds": 0.01,
    "levels": [
        {"name": "funded_priority", "value": 13, "bound": 13, "status": "OPTIMAL", "seconds": 0.0},
        {"name": "weighted_hours", "value": 840, "bound": 840, "status": "OPTIMAL", "seconds": 0.001},
        {"name": "weighted_gpus", "value": 32, "bound": 32, "status": "OPTIMAL", "seconds": 0.001},
        {"name": "churn_hours", "value": 48, "bound": 48, "status": "OPTIMAL", "seconds": 0.001},
        {"name": "assignments", "value": 3, "bound": 3, "status": "OPTIMAL", "seconds": 0.001},
    ],
    "solver_version": SOLVER_VERSION,
}

_PLAN_ID: Final = "5be1c0a9e27d4f13"
PLAN_WRITTEN: Final[Json] = {
    "id": _PLAN_ID,
    "version": 1,
    "position": 4731,
    "status": "proposed",
    "output": ALLOCATION_RESULT,
}
PLAN_VIEW: Final[Json] = {
    "id": _PLAN_ID,
    "status": "approved",
    "solver_version": SOLVER_VERSION,
    "input": ALLOCATION_REQUEST,
    "output": ALLOCATION_RESULT,
    "proposed_at": "2026-03-06T16:02:11Z",
    "approved_at": "2026-03-06T16:20:45Z",
    "version": 2,
}
CURRENT_ALLOCATION: Final[Json] = {
    "plan_id": _PLAN_ID,
    "engineers": [
        {"engineer": "ana", "hours": 48, "assignments": [_ASSIGNMENTS[0]]},
        {"engineer": "bo", "hours": 40, "assignments": [_ASSIGNMENTS[2]]},
        {"engineer": "chen", "hours": 32, "assignments": [_ASSIGNMENTS[1]]},
    ],
    "projects": [
        {"project": "defect-detector", "hours": 80, "gpus": 4, "assignments": _ASSIGNMENTS[:2]},
        {"project": "feature-store", "hours": 40, "gpus": 0, "assignments": [_ASSIGNMENTS[2]]},
    ],
}

# -- operations and errors --------------------------------------------------------------------

HEALTH: Final[Json] = {"status": "ok"}
READINESS: Final[Json] = {
    "status": "ready",
    "database": "ok",
    "pending_migrations": [],
    "projections": [
        {"name": "backlog", "position": 4731, "events": 0, "seconds": 0.0},
        {"name": "sprint_board", "position": 4731, "events": 0, "seconds": 0.0},
        {"name": "impediment_board", "position": 4731, "events": 0, "seconds": 0.0},
        {"name": "team_roster", "position": 4731, "events": 0, "seconds": 0.0},
    ],
    "relay": {"events": 1, "seconds": 0.12, "published_position": 4730, "head_position": 4731},
}
PROBLEM: Final[Json] = {
    "type": "https://sprintml.dev/problems/validation",
    "title": "Invalid request",
    "status": 422,
    "detail": "Some fields of the request are invalid.",
    "errors": [{"field": "focus_factor", "message": "Expected `float` <= 1.0"}],
}

EXAMPLES: Final[Mapping[type[msgspec.Struct], Json]] = {
    # requests
    bodies.CreateTeam: CREATE_TEAM,
    bodies.AddMember: ADD_MEMBER,
    bodies.ScheduleTimeOff: SCHEDULE_TIME_OFF,
    bodies.RegisterSlackWebhook: REGISTER_SLACK_WEBHOOK,
    bodies.AddBacklogItem: ADD_BACKLOG_ITEM,
    bodies.Estimate: ESTIMATE,
    bodies.PlanSprint: PLAN_SPRINT,
    bodies.Commit: COMMIT,
    bodies.RecordStandup: RECORD_STANDUP,
    bodies.Progress: PROGRESS,
    bodies.ChangeScope: CHANGE_SCOPE,
    bodies.Review: REVIEW,
    bodies.Retrospective: RETROSPECTIVE,
    bodies.RaiseImpediment: RAISE_IMPEDIMENT,
    bodies.Reason: REASON,
    bodies.Resolve: RESOLVE,
    AllocationRequest: ALLOCATION_REQUEST,
    # responses
    bodies.Written: WRITTEN,
    bodies.Committed: COMMITTED,
    bodies.Estimated: ESTIMATED,
    bodies.StandupRecorded: STANDUP_RECORDED,
    bodies.TeamView: TEAM_VIEW,
    bodies.SprintView: SPRINT_VIEW,
    bodies.EventPage: EVENT_PAGE,
    bodies.StreamHistory: STREAM_HISTORY,
    bodies.PlanWritten: PLAN_WRITTEN,
    bodies.PlanView: PLAN_VIEW,
    bodies.CurrentAllocation: CURRENT_ALLOCATION,
    CapacityView: CAPACITY_VIEW,
    VelocityReport: VELOCITY_REPORT,
    Forecast: FORECAST,
    Burndown: BURNDOWN,
    ImpedimentBoardView: IMPEDIMENT_BOARD_VIEW,
    AllocationResult: ALLOCATION_RESULT,
    Health: HEALTH,
    Readiness: READINESS,
    Problem: PROBLEM,
}
"""Each body's Struct and its example."""


@dataclass
class _Verbatim(BaseSchemaObject):
    """An example served exactly as written.

    Litestar's spec objects serialize by dropping every None-valued key of every dict they walk, and
    examples are no exception; but a nullable field's `null` is part of its example (and a required
    one missing would make the example invalid against its own schema). A spec object renders itself,
    so this one renders the example untouched, in the JSON and the YAML document alike.
    """

    value: Json

    def to_schema(self) -> dict[str, Any]:
        return self.value


class ExamplesSchemaPlugin(OpenAPISchemaPlugin):
    """Builds the schema of a Struct in EXAMPLES as Litestar would, then adds the example to it."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        annotation = field_definition.annotation
        return isinstance(annotation, type) and annotation in EXAMPLES

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: "SchemaCreator") -> Schema:
        # The plugin Litestar would have used (its Struct plugin): user plugins are asked first.
        builder = next(
            (
                plugin
                for plugin in schema_creator.plugins
                if plugin is not self and schema_creator.plugin_supports_field(plugin, field_definition)
            ),
            None,
        )
        if builder is None:
            raise TypeError(f"Litestar has no schema plugin for {field_definition.annotation!r} any more")
        schema = builder.to_openapi_schema(field_definition, schema_creator)
        schema.examples = [_Verbatim(EXAMPLES[field_definition.annotation])]
        return schema
