"""Built-in plugin: the `sqlite` provider type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp_resources.builtins.sqlite.provider import SqliteProvider
from mcp_resources.components import ResourceProvider
from mcp_resources.hookspecs import hookimpl

__all__ = ["SqliteProvider", "register_providers"]


@hookimpl
def register_providers(register: Callable[[type[ResourceProvider[Any]]], None]) -> None:
    """Register the `sqlite` provider type."""
    register(SqliteProvider)
