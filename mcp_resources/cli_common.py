"""What the command modules share: logging to stderr, failing with a message, loading a config.

Errors go to stderr as `mcp-resources: error: ...`; start-up problems exit with code 2.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import anyio
import click

from mcp_resources.errors import ConfigError
from mcp_resources.startup import Assembly, load

__all__ = ["LEVELS", "assemble", "config_arg", "fail", "level_opt", "run_in_loop", "setup_logging"]

T = TypeVar("T")
LEVELS = ["debug", "info", "warning", "error"]
"""The log levels `--log-level` takes."""


def setup_logging(level: str) -> None:
    """Log to stderr at `level` (stdout is for output, or the protocol)."""
    logging.basicConfig(
        stream=sys.stderr,
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def fail(lines: list[str], code: int = 2) -> NoReturn:
    """Print each line as an error on stderr and exit with `code`."""
    for line in lines:
        click.echo(f"mcp-resources: error: {line}", err=True)
    sys.exit(code)


def assemble(config: Path, log_level: str | None) -> Assembly:
    """Load `config` (plugins, providers, prompts), or fail naming what is wrong."""
    # Logging is set up first so plugin load failures are logged in the same format.
    setup_logging(log_level or "warning")
    try:
        assembly = load(config)
    except ConfigError as exc:
        fail(exc.problems)
    logging.getLogger().setLevel((log_level or assembly.config.server.log_level).upper())
    return assembly


def run_in_loop(func: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `func` in an event loop; config and OS errors become a clear failure."""
    try:
        return anyio.run(func)
    except ConfigError as exc:
        fail(exc.problems)
    except OSError as exc:
        fail([f"start-up failed: {exc.strerror or exc}"])


config_arg = click.argument("config", type=click.Path(path_type=Path, dir_okay=False))
level_opt = click.option("--log-level", type=click.Choice(LEVELS), help="Override [server] log_level.")
