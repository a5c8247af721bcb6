"""The HTTP API (the only package that imports litestar)."""

from sprintml.api.app import create_app

__all__ = ["create_app"]
