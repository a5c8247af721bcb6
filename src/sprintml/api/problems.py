"""The one place that turns errors into RFC 9457 problem details, never a 500 for bad input."""

import re
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException, ProblemDetailsPlugin

from sprintml.application import PreconditionFailed
from sprintml.domain.errors import DomainError, NotFound, RuleViolated
from sprintml.eventstore import ConcurrencyError, DuplicateEventIds, InvalidEvent
from sprintml.solver import AllocationInputError, UnsatisfiableAllocation

PROBLEM_BASE = "https://sprintml.dev/problems/"

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with the current state",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    503: "Service unavailable",
}
_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "too-large",
    415: "unsupported-media-type",
    422: "validation",
    429: "rate-limited",
    503: "unavailable",
}


class InvalidField(Exception):
    """A request value that passed its type but not a check made after decoding."""

    def __init__(self, field: str, message: str, status_code: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status_code = status_code


def problem(
    status: int, detail: str, *, errors: list[dict[str, str]] | None = None, **extra: Any
) -> ProblemDetailsException:
    body: dict[str, Any] = dict(extra)
    if errors:
        body["errors"] = errors
    return ProblemDetailsException(
        status_code=status,
        type_=PROBLEM_BASE + _SLUGS.get(status, "error"),
        title=_TITLES.get(status, "Error"),
        detail=detail,
        extra=body or None,
    )


_MSGSPEC_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
# msgspec names an unknown or missing field in its message, at the path of the object that holds it.
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `(?P<name>[^`]+)`")
# Litestar reports a missing required parameter in its detail only, with no extras.
_MISSING_PARAMETER = re.compile(r"^Missing required \w+ parameter '(?P<name>[^']+)'")
# The handlers' body parameter: Litestar reports the body's root as this key.
_BODY_PARAMETER = "data"


def _field_path(key: str, source: Any, message: str) -> str:
    match = _MSGSPEC_PATH.search(message)
    path = match.group("path") if match else key
    if source == "body" and path == _BODY_PARAMETER:
        path = ""
    named = _NAMED_FIELD.search(message)
    if named:
        path = f"{path}.{named.group('name')}" if path else named.group("name")
    return path or "body"


def _field_errors(extra: Any) -> list[dict[str, str]]:
    """Litestar's validation extras → [{field, message}] with the offending JSON path."""
    errors: list[dict[str, str]] = []
    for item in extra if isinstance(extra, list) else []:
        message = str(item.get("message", "")) if isinstance(item, Mapping) else str(item)
        key = str(item.get("key", "")) if isinstance(item, Mapping) else ""
        source = item.get("source") if isinstance(item, Mapping) else None
        if source == "body" and key == _BODY_PARAMETER and message == repr(_BODY_PARAMETER):
            # An empty body where one is required surfaces as Litestar's KeyError('data').
            message = "A JSON body is required."
        errors.append({"field": _field_path(key, source, message), "message": _MSGSPEC_PATH.sub("", message)})
    return errors


def _from_validation(exc: ValidationException) -> ProblemDetailsException:
    errors = _field_errors(exc.extra)
    if not errors and exc.detail:
        missing = _MISSING_PARAMETER.match(exc.detail)
        match = _MSGSPEC_PATH.search(exc.detail)
        field = missing.group("name") if missing else match.group("path") if match else "body"
        errors = [{"field": field, "message": _MSGSPEC_PATH.sub("", exc.detail)}]
    malformed = any("malformed" in e["message"].lower() or "json is malformed" in e["message"].lower() for e in errors)
    status = 400 if malformed else 422
    detail = "The request body is not valid JSON." if malformed else "Some fields of the request are invalid."
    return problem(status, detail, errors=errors)


def _from_http(exc: HTTPException) -> ProblemDetailsException:
    if isinstance(exc, ProblemDetailsException):
        return exc
    headers = exc.headers
    converted = problem(exc.status_code, exc.detail)
    converted.headers = headers
    return converted


def _domain_status(exc: DomainError) -> int:
    if isinstance(exc, RuleViolated):
        return 409
    if isinstance(exc, NotFound):
        return 404
    return 422  # InvalidCommand, and any future kind of bad input


def _from_domain(exc: DomainError) -> ProblemDetailsException:
    status = _domain_status(exc)
    errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
    return problem(status, exc.detail, errors=errors)


def _from_invalid_field(exc: InvalidField) -> ProblemDetailsException:
    return problem(exc.status_code, exc.message, errors=[{"field": exc.field, "message": exc.message}])


def _from_precondition(exc: PreconditionFailed) -> ProblemDetailsException:
    converted = problem(
        412, f"The resource is at version {exc.actual}; If-Match named {exc.expected}.", version=exc.actual
    )
    converted.headers = {"ETag": f'"{exc.actual}"'}
    return converted


def _from_concurrency(exc: ConcurrencyError) -> ProblemDetailsException:
    return problem(409, "Another request changed this resource at the same moment; retry.", stream_id=exc.stream_id)


def _from_invalid_event(exc: InvalidEvent | DuplicateEventIds) -> ProblemDetailsException:
    return problem(422, str(exc))


def _from_allocation_input(exc: AllocationInputError) -> ProblemDetailsException:
    errors = [
        {k: v for k, v in msgspec.structs.asdict(p).items() if v is not None} | {"message": p.detail}
        for p in exc.problems
    ]
    kind = "cannot be satisfied" if isinstance(exc, UnsatisfiableAllocation) else "is invalid"
    return problem(422, f"The allocation input {kind}: {len(errors)} problem(s).", errors=errors)


MAPPINGS: dict[type[Exception], Callable[[Any], ProblemDetailsException]] = {
    ValidationException: _from_validation,
    HTTPException: _from_http,
    DomainError: _from_domain,
    InvalidField: _from_invalid_field,
    PreconditionFailed: _from_precondition,
    ConcurrencyError: _from_concurrency,
    InvalidEvent: _from_invalid_event,
    DuplicateEventIds: _from_invalid_event,
    AllocationInputError: _from_allocation_input,
}


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(ProblemDetailsConfig(exception_to_problem_detail_map=MAPPINGS))
