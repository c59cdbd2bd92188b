"""Test helpers for mcp-resources and its plugin authors (opt-in).

Use them directly, or enable the fixtures with
`pytest_plugins = ["mcp_resources.testing"]` in a `conftest.py`::

    async def test_hello(tmp_path):
        async with app_from_toml('[providers.hi]\\ntype = "hello"', tmp_path) as app:
            async with connect(app) as client:          # the SDK's real client, in-process
                result = await client.read_resource("hi://world")

`connect(app, mode="legacy")` speaks the handshake era (2025-11-25, what
Claude Desktop uses); the default negotiates 2026-07-28. `stdio_server_params`
spawns the real `mcp-resources serve` for end-to-end tests.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

import pytest
from mcp import Client, StdioServerParameters

from mcp_resources.app import App
from mcp_resources.server import build_server
from mcp_resources.startup import Assembly, load

__all__ = ["app_from_toml", "assemble_toml", "connect", "mcp_config", "stdio_server_params", "write_config"]


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
async def connect(app: App, *, mode: Literal["auto", "legacy"] = "auto") -> AsyncIterator[Client]:
    """The SDK's `Client` connected in-process to a server for `app`."""
    async with Client(build_server(app), mode=mode, cache=None) as client:
        yield client


def stdio_server_params(
    config: Path, *, env: Mapping[str, str] | None = None, args: tuple[str, ...] = ()
) -> StdioServerParameters:
    """Parameters that spawn `python -m mcp_resources serve CONFIG` over stdio."""
    child_env = {"PYTHONUNBUFFERED": "1", **(env or {})}
    for key in ("PYTHONPATH", "VIRTUAL_ENV"):
        if key in os.environ:
            child_env.setdefault(key, os.environ[key])
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_resources", "serve", str(config), *args],
        cwd=str(config.parent),
        env=child_env,
    )


@pytest.fixture
def mcp_config(tmp_path: Path) -> Callable[[str], Path]:
    """Fixture: `mcp_config(toml)` writes a config in `tmp_path` and returns its path."""
    return lambda toml: write_config(toml, tmp_path)
