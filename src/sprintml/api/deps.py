"""Providers (`provide_*`) of what handlers need: the command handler and a per-request Writer."""

from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.params import Parameter

from sprintml.accounts import Principal
from sprintml.api.bodies import ID_PATTERN
from sprintml.api.problems import InvalidField
from sprintml.api.writes import Writer
from sprintml.application import CommandHandler

PathId = Annotated[str, Parameter(pattern=ID_PATTERN, max_length=64, description="[A-Za-z0-9_-]{1,64}")]
AsOf = Annotated[
    str | None,
    Parameter(
        required=False,
        max_length=64,
        description="A global event position, or an RFC 3339 time: the state as it was then.",
    ),
]


def provide_handler(state: State) -> CommandHandler:
    handler: CommandHandler = state.handler
    return handler


async def provide_writer(request: Request[Principal, Any, Any], state: State) -> Writer:
    return Writer(request, state.handler, await request.body())


async def reject_repeated_query_parameters(request: Request[Any, Any, Any]) -> None:
    """`?limit=1&limit=2` is ambiguous (Litestar would quietly take one): a 422 naming it.

    Every list this API takes in a query is one comma-separated value (`?items=a,b`).
    """
    for name in request.query_params:
        if len(request.query_params.getall(name)) > 1:
            raise InvalidField(name, f"{name} is given more than once; give it once")
