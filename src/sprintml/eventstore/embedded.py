"""An embedded PostgreSQL (the `pgserver` package) for machines without a database server."""

from pathlib import Path
from typing import Any

import pgserver  # type: ignore[attr-defined,unused-ignore]


def start_embedded_postgres(data_dir: Path) -> tuple[str, Any]:
    """Start (or reuse) a server whose data lives in `data_dir/pg`; answer its URL and handle.

    The data stays between runs: the next start finds every event again.
    """
    pgdata = data_dir / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(  # type: ignore[attr-defined,unused-ignore]
        pgdata, cleanup_mode="stop"
    )
    return str(server.get_uri()), server
