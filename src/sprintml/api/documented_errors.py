"""The problem+json answers each kind of route can give, for the OpenAPI document.

The handlers raise; `problems.py` turns what they raise into RFC 9457 bodies. This module
only tells clients (and schemathesis) which statuses to expect and what the body looks like.
"""

from typing import Any, Final

import msgspec
from litestar.openapi.datastructures import ResponseSpec

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"


class FieldProblem(msgspec.Struct, kw_only=True):
    """One offending field (allocation conflicts add `engineer`, `project`, `constraint`)."""

    field: str | None = None
    message: str


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem; `errors` lists the offending fields of a 400/422."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


_MEANINGS: Final = {
    400: "The request cannot be read: a body that is not JSON, or a query string that cannot be parsed.",
    401: "No valid bearer token (or, for Slack, no valid signature).",
    403: "The token's roles may not do this.",
    404: "An id in the path names nothing.",
    409: "A domain rule refuses the command in the current state; nothing was written.",
    412: "If-Match names a version the stream has moved on from; nothing was written.",
    422: "A field, a parameter or the Idempotency-Key's reuse is invalid; `errors` names the field.",
    503: "Not ready: the database is unreachable or not migrated.",
}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    # generate_examples=False: Litestar would invent random values for Problem's fields (a `status`
    # of 2562, a `title` of twenty random letters); its example comes from `examples.py`.
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_MEANINGS[status],
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in statuses
    }


WRITE_ERRORS: Final[dict[int, Any]] = error_responses(400, 401, 403, 404, 409, 412, 422)
"""Every write: bad JSON, auth, unknown ids, rules, If-Match, invalid fields."""
READ_ERRORS: Final[dict[int, Any]] = error_responses(400, 401, 403, 404, 422)
"""Every authenticated read: auth, unknown ids, bad parameters (`as_of`, `after`, `limit`).

The 400 is listed so that Litestar's own 400 (another body shape) does not stand in for ours."""
SLACK_ERRORS: Final[dict[int, Any]] = error_responses(400, 401, 422)
