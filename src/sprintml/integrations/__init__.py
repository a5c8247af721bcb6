"""Connections to the outside world: the NATS JetStream outbox relay."""

from sprintml.integrations.relay import (
    DUPLICATE_WINDOW_SECONDS,
    STREAM_NAME,
    SUBJECT_PREFIX,
    NatsRelay,
    RelayLag,
    RelayStatus,
    ensure_stream,
    relay_in_background,
    relay_lag,
    run_relay,
    stream_config,
)

__all__ = [
    "DUPLICATE_WINDOW_SECONDS",
    "STREAM_NAME",
    "SUBJECT_PREFIX",
    "NatsRelay",
    "RelayLag",
    "RelayStatus",
    "ensure_stream",
    "relay_in_background",
    "relay_lag",
    "run_relay",
    "stream_config",
]
