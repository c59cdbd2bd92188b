"""A test plugin implementing every hook of mcp_resources.hookspecs.

`tests/test_hooks.py` checks that this file implements each hook, that each
hook is documented, and exercises each one. It also provides the provider
types the App tests need: `memory` (static resources from config), `broken`
(raises everywhere) and `slow` (sleeps).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio

from mcp_resources import (
    Completion,
    Contents,
    Notifier,
    NotifierConfig,
    ProviderConfig,
    Publish,
    ResourceNotFound,
    ResourcePage,
    ResourceProvider,
    ResourceTemplate,
    ResourceUpdated,
    TextContent,
    hookimpl,
)
from mcp_resources.components import Resource


class MemoryConfig(ProviderConfig):
    items: dict[str, str] = {}
    print_on_read: bool = False
    """print() on every read: stdout is the protocol, so this must end up on stderr."""


class MemoryProvider(ResourceProvider[MemoryConfig]):
    """Serves `items` (name -> text), sorted by name, keyset-paginated."""

    type_name = "memory"
    config_model = MemoryConfig

    async def list_resources(self, cursor: str | None, limit: int) -> ResourcePage:
        names = sorted(n for n in self.config.items if cursor is None or n > cursor)
        page = names[:limit]
        more = len(names) > limit
        return ResourcePage([Resource(self.prefix + n, n) for n in page], page[-1] if more and page else None)

    async def list_templates(self) -> Sequence[ResourceTemplate]:
        return [ResourceTemplate(self.prefix + "{name}", f"{self.name}-item")]

    async def read(self, uri: str) -> Sequence[Contents]:
        name = uri[len(self.prefix) :]
        if self.config.print_on_read:
            print(f"a careless print while reading {uri}")
            os.system("echo a child process writing to stdout")  # noqa: ASYNC221 - deliberately careless
        if name not in self.config.items:
            raise ResourceNotFound(uri)
        return [TextContent(uri, self.config.items[name], "text/plain")]

    async def complete(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Completion:
        values = [n for n in sorted(self.config.items) if n.startswith(value)]
        return Completion(values, len(values))


class BrokenConfig(ProviderConfig):
    fail_start: bool = False


class BrokenProvider(ResourceProvider[BrokenConfig]):
    """Fails every call with an exception text that must never reach a client."""

    type_name = "broken"
    config_model = BrokenConfig

    async def start(self) -> None:
        if self.config.fail_start:
            raise ConnectionError("cannot reach the backend")

    async def list_resources(self, cursor: str | None, limit: int) -> ResourcePage:
        raise RuntimeError("password=hunter2 at /home/alice/secret")

    async def list_templates(self) -> Sequence[ResourceTemplate]:
        raise RuntimeError("password=hunter2 at /home/alice/secret")

    async def read(self, uri: str) -> Sequence[Contents]:
        raise RuntimeError("password=hunter2 at /home/alice/secret")


class SlowConfig(ProviderConfig):
    seconds: float = 60.0


class SlowProvider(ResourceProvider[SlowConfig]):
    """Sleeps for `seconds` on every call (to test the request timeout)."""

    type_name = "slow"
    config_model = SlowConfig

    async def list_resources(self, cursor: str | None, limit: int) -> ResourcePage:
        await anyio.sleep(self.config.seconds)
        return ResourcePage([])

    async def read(self, uri: str) -> Sequence[Contents]:
        await anyio.sleep(self.config.seconds)
        return []


class IntervalConfig(NotifierConfig):
    uri: str
    seconds: float = 1.0
    crash_after: int = 0
    """Raise after this many events (0: never), to exercise the App's restarts."""


class IntervalNotifier(Notifier[IntervalConfig]):
    """Publishes `ResourceUpdated(uri)` every `seconds`."""

    type_name = "interval"
    config_model = IntervalConfig

    async def run(self, publish: Publish, *, task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        sent = 0
        while True:
            await anyio.sleep(self.config.seconds)
            await publish(ResourceUpdated(self.config.uri))
            sent += 1
            if sent == self.config.crash_after:
                raise RuntimeError(f"interval notifier crashed on purpose after {sent} events")


@hookimpl
def register_providers(register: Any) -> None:
    register(MemoryProvider)
    register(BrokenProvider)
    register(SlowProvider)


@hookimpl
def register_notifiers(register: Any) -> None:
    register(IntervalNotifier)


@hookimpl
def register_prompt_loaders(register: Any) -> None:
    register(Path(__file__).parent / "prompts")


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.filters["shout"] = lambda text: str(text).upper() + "!"
