"""The command line: `sprintml serve`, `migrate`, `token`, `schemas`, and the operator's tools."""

import argparse
import asyncio
import sys
from collections.abc import Sequence
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
        case "schemas":
            return _schemas(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
