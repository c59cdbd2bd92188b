"""Built-in plugin: the `logs` provider type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp_resources.builtins.logs.provider import LogsProvider
from mcp_resources.components import ResourceProvider
from mcp_resources.hookspecs import hookimpl

__all__ = ["LogsProvider", "register_providers"]


@hookimpl
def register_providers(register: Callable[[type[ResourceProvider[Any]]], None]) -> None:
    """Register the `logs` provider type."""
    register(LogsProvider)
