"""The whole extension surface of mcp-resources, in one place.

A plugin is a module (or any object) with functions decorated by `hookimpl`
whose names match the specs below. Every hook runs once, at start-up: the
registration hooks hand the App *classes*; the config file then makes
instances of them, and requests call those instances directly. Nothing here
runs per request.

Each plugin's hook implementation is called on its own, with stdout redirected
to stderr (stdout is the protocol on stdio) and errors caught: a plugin that
raises is reported and skipped, and only stops the server when the config
needs something that plugin would have provided.

Example (a one-off plugin file in a `[plugins] dirs` folder)::

    from mcp_resources import ResourceProvider, hookimpl

    class HelloProvider(ResourceProvider):
        type_name = "hello"
        ...

    @hookimpl
    def register_providers(register):
        register(HelloProvider)
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.abc import Traversable
from os import PathLike
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import jinja2

    from mcp_resources.components import Notifier, ResourceProvider

__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "prepare_jinja2_environment",
    "register_notifiers",
    "register_prompt_loaders",
    "register_providers",
]

PROJECT_NAME = "mcp_resources"
"""The pluggy project name, also the entry-point group plugins declare."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

PromptSource = Traversable | PathLike[str]


@hookspec
def register_providers(register: Callable[[type[ResourceProvider[Any]]], None]) -> None:
    """Register `ResourceProvider` subclasses, one `register(cls)` call each.

    The class's `type_name` is the `type = "..."` value a `[providers.NAME]`
    table uses; two plugins registering the same type name is a start-up error
    naming both.
    """


@hookspec
def register_notifiers(register: Callable[[type[Notifier[Any]]], None]) -> None:
    """Register `Notifier` subclasses, one `register(cls)` call each.

    A notifier publishes change events without serving resources of its own
    (a webhook, a message queue, a timer); `[notifiers.NAME]` tables make
    instances of it by `type_name`.
    """


@hookspec
def register_prompt_loaders(register: Callable[[PromptSource], None]) -> None:
    """Register folders of prompt files shipped by the plugin.

    Call `register(importlib.resources.files("my_plugin") / "prompts")` so the
    prompts work from an installed wheel. Every prompt file in the folder
    joins the prompt registry; a name clash with another source is a start-up
    error naming both sources.
    """


@hookspec
def prepare_jinja2_environment(env: jinja2.Environment) -> None:
    """Customise the sandboxed Jinja2 environment prompts render in.

    Add filters, tests or globals (`env.filters["slug"] = slugify`). The
    environment stays sandboxed: a plugin must not replace its policies.
    """
