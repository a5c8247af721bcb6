"""The command line: `sprintml serve`, `sprintml migrate`, and the operator's tools."""

import argparse
import asyncio
import sys
from collections.abc import Sequence

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sprintml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")

    commands.add_parser("migrate", help="apply the database migrations and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    match args.command:
        case "serve":
            return _serve(args, settings)
        case "migrate":
            return asyncio.run(_migrate(settings))
    return 2


if __name__ == "__main__":
    sys.exit(main())
