"""Test helpers for mcp-resources and its plugin authors (opt-in).

Use them directly, or enable the fixtures with
`pytest_plugins = ["mcp_resources.testing"]` in a `conftest.py`::

    async def test_hello(tmp_path):
        async with app_from_toml('[providers.hi]\\ntype = "hello"', tmp_path) as app:
            async with connect(app) as client:          # the SDK's real client, in-process
                result = await client.read_resource("hi://world")

`connect(app, mode="legacy")` speaks the handshake era (2025-11-25, what
Claude Desktop uses); the default negotiates 2026-07-28. For change
notifications, `serve_toml` also starts the watchers, and `Notifications`
collects what a client receives and waits for one with a deadline.
`stdio_server_params` spawns the real `mcp-resources serve` for end-to-end tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import anyio
import anyio.abc
import mcp_types as types
import pytest
from anyio.streams.text import TextReceiveStream
from mcp import Client, StdioServerParameters

from mcp_resources.app import App
from mcp_resources.server import Service, build_server, running
from mcp_resources.startup import Assembly, load

__all__ = [
    "HttpProcess",
    "Notifications",
    "app_from_toml",
    "assemble_toml",
    "connect",
    "mcp_config",
    "serve_toml",
    "spawn_http",
    "stdio_server_params",
    "write_config",
]


def write_config(toml: str, folder: Path, name: str = "mcp-resources.toml") -> Path:
    """Write `toml` to `folder/name` and return the path."""
    path = folder / name
    path.write_text(toml, encoding="utf-8")
    return path


def assemble_toml(toml: str, folder: Path, *, entry_points: bool = False) -> Assembly:
    """Config + plugins + App (not started) from a TOML string written in `folder`.

    Installed plugins are skipped unless `entry_points` is true, so tests do
    not depend on what else is installed.
    """
    return load(write_config(toml, folder), entry_points=entry_points)


@asynccontextmanager
async def app_from_toml(toml: str, folder: Path, *, entry_points: bool = False) -> AsyncIterator[App]:
    """A started App built from a TOML string; closed on exit."""
    app = assemble_toml(toml, folder, entry_points=entry_points).app
    async with app:
        yield app


@asynccontextmanager
async def serve_toml(toml: str, folder: Path, *, entry_points: bool = False) -> AsyncIterator[Service]:
    """A started App with its watchers running, and the server delivering their changes."""
    app = assemble_toml(toml, folder, entry_points=entry_points).app
    async with running(app) as service:
        yield service


@asynccontextmanager
async def connect(
    target: App | Service,
    *,
    mode: Literal["auto", "legacy"] = "auto",
    message_handler: Notifications | None = None,
) -> AsyncIterator[Client]:
    """The SDK's `Client` connected in-process to `target`.

    An `App` gets a server without change notifications; a `Service` (from
    `serve_toml`) gets the one that delivers them.
    """
    server = target.server if isinstance(target, Service) else build_server(target)
    async with Client(server, mode=mode, cache=None, message_handler=message_handler) as client:
        yield client


class Notifications:
    """Collects the notifications a `Client` receives (pass as `message_handler=`)."""

    def __init__(self) -> None:
        self.received: list[object] = []
        self.times: list[float] = []  # time.monotonic() of each arrival, as in `received`
        self._arrived = anyio.Event()

    async def __call__(self, message: object) -> None:
        """The `message_handler` interface."""
        if isinstance(message, Exception):
            raise message
        self.received.append(message)
        self.times.append(time.monotonic())
        self._arrived.set()

    def updated(self, uri: str | None = None) -> list[str]:
        """URIs of the `resources/updated` notifications so far (only `uri`, if given)."""
        return [
            m.params.uri
            for m in self.received
            if isinstance(m, types.ResourceUpdatedNotification) and uri in (None, m.params.uri)
        ]

    def updated_at(self, uri: str) -> list[float]:
        """When each `resources/updated` about `uri` arrived (`time.monotonic()`)."""
        return [
            t
            for t, m in zip(self.times, self.received, strict=True)
            if isinstance(m, types.ResourceUpdatedNotification) and m.params.uri == uri
        ]

    def list_changes(self) -> int:
        """How many `resources/list_changed` notifications arrived so far."""
        return sum(isinstance(m, types.ResourceListChangedNotification) for m in self.received)

    async def wait_for(self, match: Callable[[object], bool], within: float = 10.0) -> object:
        """The first notification (received or yet to come) that `match`es, within `within` seconds."""
        with anyio.fail_after(within):
            index = 0
            while True:
                for message in self.received[index:]:
                    if match(message):
                        return message
                index = len(self.received)
                self._arrived = anyio.Event()
                await self._arrived.wait()

    async def wait_updated(self, uri: str, within: float = 10.0) -> None:
        """Wait for `resources/updated` about `uri`."""
        await self.wait_for(
            lambda m: isinstance(m, types.ResourceUpdatedNotification) and m.params.uri == uri, within
        )

    async def wait_updated_since(self, uri: str, when: float, within: float = 10.0) -> None:
        """Wait for `resources/updated` about `uri` arriving at or after `when` (`time.monotonic()`)."""
        with anyio.fail_after(within):
            while not any(t >= when for t in self.updated_at(uri)):
                self._arrived = anyio.Event()
                await self._arrived.wait()

    async def wait_list_changed(self, within: float = 10.0) -> None:
        """Wait for `resources/list_changed`."""
        await self.wait_for(lambda m: isinstance(m, types.ResourceListChangedNotification), within)

    def prompt_list_changes(self) -> int:
        """How many `prompts/list_changed` notifications arrived so far."""
        return sum(isinstance(m, types.PromptListChangedNotification) for m in self.received)

    async def wait_prompt_list_changes(self, count: int, within: float = 10.0) -> None:
        """Wait until `count` `prompts/list_changed` notifications have arrived in all."""
        with anyio.fail_after(within):
            while self.prompt_list_changes() < count:
                self._arrived = anyio.Event()
                await self._arrived.wait()


def stdio_server_params(
    config: Path, *, env: Mapping[str, str] | None = None, args: tuple[str, ...] = ()
) -> StdioServerParameters:
    """Parameters that spawn `python -m mcp_resources serve CONFIG` over stdio.

    `MCP_RESOURCES_STDIO_TRANSPORT` (`own` or `sdk`) is passed on, so a test
    suite can be run once with each stdio transport.
    """
    child_env = {"PYTHONUNBUFFERED": "1", **(env or {})}
    for key in ("PYTHONPATH", "VIRTUAL_ENV", "MCP_RESOURCES_STDIO_TRANSPORT"):
        if key in os.environ:
            child_env.setdefault(key, os.environ[key])
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_resources", "serve", str(config), *args],
        cwd=str(config.parent),
        env=child_env,
    )


@dataclass
class HttpProcess:
    """A spawned `mcp-resources serve --http` and what it logged so far."""

    url: str
    """The MCP endpoint, `http://127.0.0.1:PORT/mcp`."""
    process: anyio.abc.Process
    config: Path
    log: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        """The server's root URL (for /healthz, /metrics)."""
        return self.url.removesuffix("/mcp")


@asynccontextmanager
async def spawn_http(
    config: Path, *, args: tuple[str, ...] = (), within: float = 30.0
) -> AsyncIterator[HttpProcess]:
    """Run `mcp-resources serve CONFIG --http 127.0.0.1:0` until the block ends (then SIGTERM).

    Waits (at most `within` seconds) for the line saying it serves, which
    names the port the OS chose; its stderr keeps being collected in `.log`.
    """
    command = [sys.executable, "-m", "mcp_resources", "serve", str(config), "--http", "127.0.0.1:0"]
    process = await anyio.open_process([*command, "--log-level", "info", *args], stdin=subprocess.DEVNULL)
    assert process.stderr is not None
    lines = TextReceiveStream(process.stderr)
    found: HttpProcess | None = None
    early: list[str] = []
    ready = anyio.Event()

    async def collect() -> None:
        nonlocal found
        pending = ""
        async for chunk in lines:
            pending += chunk
            *complete, pending = pending.split("\n")
            for line in complete:
                if found is not None:
                    found.log.append(line)
                elif match := re.search(r"serving .* on (http://\S+/mcp)", line):
                    found = HttpProcess(match.group(1), process, config, [*early, line])
                    ready.set()
                else:
                    early.append(line)
        ready.set()  # the process ended before it served

    async with process, anyio.create_task_group() as tg:
        tg.start_soon(collect)
        with anyio.fail_after(within):
            await ready.wait()
        if found is None:
            said = "\n".join(early[-20:])
            raise RuntimeError(f"mcp-resources serve --http exited with {await process.wait()}:\n{said}")
        try:
            yield found
        finally:
            if process.returncode is None:
                process.terminate()
            with anyio.fail_after(within):
                await process.wait()
            tg.cancel_scope.cancel()


@pytest.fixture
def mcp_config(tmp_path: Path) -> Callable[[str], Path]:
    """Fixture: `mcp_config(toml)` writes a config in `tmp_path` and returns its path."""
    return lambda toml: write_config(toml, tmp_path)
