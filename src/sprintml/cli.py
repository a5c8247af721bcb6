"""The command line: `sprintml serve`, `migrate`, `token`, `schemas`, and the operator's tools."""

import argparse
import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from sprintml.accounts import ROLES, TokenStore
from sprintml.config import Settings, load_settings
from sprintml.eventstore import PostgresEventStore
from sprintml.runtime import database_url


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from sprintml.api import create_app

    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
    return 0


async def _migrate(settings: Settings) -> int:
    async with database_url(settings) as url:
        store = await PostgresEventStore.connect(url, migrate_schema=True)
        await store.close()
    print("migrations applied")
    return 0


async def _token(args: argparse.Namespace, settings: Settings) -> int:
    async with database_url(settings) as url, await PostgresEventStore.connect(url) as store:
        tokens = TokenStore(store.pool)
        if args.token_command == "create":
            try:
                token_id, token = await tokens.create(args.actor, args.role)
            except ValueError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            print(token)
            print(
                f"token id {token_id} for {args.actor} ({', '.join(sorted(set(args.role)))}); shown once",
                file=sys.stderr,
            )
            return 0
        if await tokens.revoke(args.token_id):
            print(f"revoked {args.token_id}")
            return 0
        print(f"error: no active token {args.token_id}", file=sys.stderr)
        return 1


async def _until_signalled(run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run a follower until SIGINT or SIGTERM; it stops between batches (checkpoints stay exact)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await run(stop)


async def _projections(args: argparse.Namespace, settings: Settings) -> int:
    from sprintml.projections import RebuildInProgress, UnknownProjection, rebuild, run_projections

    async with database_url(settings) as url, await PostgresEventStore.connect(url) as store:
        if args.projections_command == "run":
            print("projections: following the feed (Ctrl-C stops)", file=sys.stderr)
            await _until_signalled(lambda stop: run_projections(store, url, stop))
            return 0
        try:
            report = await rebuild(store, args.names or None)
        except (UnknownProjection, RebuildInProgress) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(
            f"rebuilt {', '.join(report.projections)}: {report.events} events up to position {report.position} "
            f"in {report.seconds:.1f} s ({report.events_per_second:,.0f} events/s)"
        )
        return 0


async def _relay(args: argparse.Namespace, settings: Settings) -> int:
    from sprintml.integrations import run_relay

    if not settings.nats_url:
        print("error: set NATS_URL: the relay publishes the event log to NATS JetStream", file=sys.stderr)
        return 2
    nats_url = settings.nats_url
    async with database_url(settings) as url, await PostgresEventStore.connect(url) as store:
        print(f"relay: publishing to {nats_url} (Ctrl-C stops)", file=sys.stderr)
        await _until_signalled(
            lambda stop: run_relay(store, url, nats_url, from_position=args.from_position, stop=stop)
        )
    return 0


def _schemas(args: argparse.Namespace) -> int:
    from sprintml.published_schemas import export

    written = export(Path(args.target))
    print(f"{len(written)} schemas in {args.target}/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sprintml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")

    commands.add_parser("migrate", help="apply the database migrations and exit")

    token = commands.add_parser("token", help="bearer tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="print a new token (stored hashed)")
    create.add_argument("--actor", required=True, help="who the token acts as, recorded on every event")
    create.add_argument("--role", required=True, action="append", choices=ROLES, help="repeat for several roles")
    revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")

    projections = commands.add_parser("projections", help="the read models")
    projection_commands = projections.add_subparsers(dest="projections_command", required=True)
    projection_commands.add_parser("run", help="run the projections alone (one active runner per projection)")
    rebuild = projection_commands.add_parser(
        "rebuild", help="replay from zero into new tables, swapped in once caught up (the API keeps serving)"
    )
    rebuild.add_argument("names", nargs="*", metavar="NAME", help="projections to rebuild (default: all)")

    relay = commands.add_parser("relay", help="relay the event log to NATS JetStream alone (NATS_URL)")
    relay.add_argument(
        "--from",
        dest="from_position",
        type=int,
        default=None,
        metavar="POSITION",
        help="publish the events after this position (default: resume at the checkpoint, or from the first event)",
    )

    schemas = commands.add_parser("schemas", help="published JSON Schemas")
    schema_commands = schemas.add_subparsers(dest="schemas_command", required=True)
    export = schema_commands.add_parser("export", help="write schemas/ from the code")
    export.add_argument("--target", default="schemas")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    match args.command:
        case "serve":
            return _serve(args, settings)
        case "migrate":
            return asyncio.run(_migrate(settings))
        case "token":
            return asyncio.run(_token(args, settings))
        case "projections":
            return asyncio.run(_projections(args, settings))
        case "relay":
            return asyncio.run(_relay(args, settings))
        case "schemas":
            return _schemas(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
