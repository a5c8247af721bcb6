"""One Settings object, read from the environment in one function."""

import os
from collections.abc import Mapping
from pathlib import Path

import msgspec
import platformdirs


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the process is configured with; see api.md, "Running"."""

    database_url: str | None = None
    data_dir: Path = Path(".data")
    nats_url: str | None = None
    slack_signing_secret: str | None = None
    admin_token: str | None = None
    run_projections: bool = True
    """Run the projection runners inside `serve` (off: `sprintml projections run` elsewhere)."""
    run_relay: bool = True
    """Run the NATS relay inside `serve` when `nats_url` is set (off: `sprintml relay` elsewhere)."""
    run_slack_poster: bool = True
    """Post impediments to the teams' Slack webhooks from inside `serve`."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment (or the mapping given, for tests)."""
    env = os.environ if environ is None else environ
    data_dir = env.get("SPRINTML_DATA_DIR") or platformdirs.user_data_dir("sprintml")
    return Settings(
        database_url=env.get("DATABASE_URL") or None,
        data_dir=Path(data_dir),
        nats_url=env.get("NATS_URL") or None,
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
        admin_token=env.get("SPRINTML_ADMIN_TOKEN") or None,
        run_projections=_flag(env.get("SPRINTML_RUN_PROJECTIONS"), True),
        run_relay=_flag(env.get("SPRINTML_RUN_RELAY"), True),
        run_slack_poster=_flag(env.get("SPRINTML_RUN_SLACK_POSTER"), True),
    )
