"""Built-in plugin: the `filesystem` provider type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp_resources.builtins.filesystem.config import FilesystemConfig
from mcp_resources.builtins.filesystem.provider import FilesystemProvider
from mcp_resources.components import ResourceProvider
from mcp_resources.hookspecs import hookimpl

__all__ = ["FilesystemConfig", "FilesystemProvider", "register_providers"]


@hookimpl
def register_providers(register: Callable[[type[ResourceProvider[Any]]], None]) -> None:
    """Register the `filesystem` provider type."""
    register(FilesystemProvider)
