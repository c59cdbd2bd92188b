"""mcp-resources-hello: the plugin template. Its hooks register what the other modules define.

mcp-resources imports this module (the `mcp_resources` entry point in
pyproject.toml) once at start-up and calls each hook below once. Hooks only
register things: the config file decides which providers and notifiers exist.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from typing import Any

from mcp_resources import Notifier, ResourceProvider, hookimpl
from mcp_resources_hello.filters import greet
from mcp_resources_hello.heartbeat import HeartbeatNotifier
from mcp_resources_hello.provider import HelloProvider

__all__ = [
    "HeartbeatNotifier",
    "HelloProvider",
    "greet",
    "prepare_jinja2_environment",
    "register_notifiers",
    "register_prompt_loaders",
    "register_providers",
]


@hookimpl
def register_providers(register: Callable[[type[ResourceProvider[Any]]], None]) -> None:
    """`[providers.NAME]` tables with `type = "hello"`."""
    register(HelloProvider)


@hookimpl
def register_notifiers(register: Callable[[type[Notifier[Any]]], None]) -> None:
    """`[notifiers.NAME]` tables with `type = "heartbeat"`."""
    register(HeartbeatNotifier)


@hookimpl
def register_prompt_loaders(register: Callable[[Any], None]) -> None:
    """The prompts shipped in this package (found in the installed wheel, not the source tree)."""
    register(files("mcp_resources_hello") / "prompts")


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    """The `greet` filter, for every prompt (ours and the user's). Runs in the render workers."""
    env.filters["greet"] = greet
