"""`mcp-resources install-claude`: add this server to Claude Desktop's `claude_desktop_config.json`.

Claude Desktop starts each server itself, from its own environment: no
activated virtual environment, no shell profile, an unknown working directory.
So the entry names the running `mcp-resources` by its absolute path (a venv's
script runs that venv's Python whatever `PATH` says) and the config file by its
absolute path. The rest of Claude's file is kept as it is: other servers,
unknown keys, and keys of this server's own entry (such as `env`). A change is
written atomically, after a timestamped backup of the old file; running the
command again changes nothing and makes no backup.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from mcp_resources.errors import ConfigError
from mcp_resources.startup import load

__all__ = [
    "CONFIG_NAME",
    "Change",
    "ClaudeConfigError",
    "claude_code_command",
    "default_config_file",
    "install_claude",
    "plan",
    "server_command",
    "write",
]

CONFIG_NAME = "claude_desktop_config.json"
_SERVER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ClaudeConfigError(Exception):
    """Claude's config file cannot be updated safely; the message says why and what to do."""


def default_config_file(
    platform: str = sys.platform, environ: Mapping[str, str] = os.environ, home: Path | None = None
) -> Path:
    """Where Claude Desktop reads its config on `platform` (its Electron user-data folder)."""
    home = home or Path.home()
    if platform == "darwin":
        return home / "Library" / "Application Support" / "Claude" / CONFIG_NAME
    if platform.startswith("win"):
        return Path(environ.get("APPDATA") or home / "AppData" / "Roaming") / "Claude" / CONFIG_NAME
    return Path(environ.get("XDG_CONFIG_HOME") or home / ".config") / "Claude" / CONFIG_NAME


def server_command(argv0: str | None = None, executable: str = sys.executable) -> list[str]:
    """The absolute command that starts this mcp-resources from any environment.

    The `mcp-resources` script this process was started as; else (`python -m
    mcp_resources`) the script beside this Python; else this Python with `-m`.
    Symbolic links are kept, not resolved: a venv's `bin/python` must stay the
    venv's, and a pipx link survives upgrades.
    """
    found = shutil.which(sys.argv[0] if argv0 is None else argv0)
    if found and Path(found).name.startswith("mcp-resources"):
        return [os.path.abspath(found)]
    script = Path(executable).parent / "mcp-resources"
    if script.is_file() and os.access(script, os.X_OK):
        return [os.path.abspath(script)]
    return [os.path.abspath(executable), "-m", "mcp_resources"]


def claude_code_command(name: str, command: Sequence[str]) -> str:
    """The `claude mcp add` line that registers the same server with Claude Code."""
    return shlex.join(["claude", "mcp", "add", name, "--", *command])


@dataclass(frozen=True)
class Change:
    """What installing would do to Claude's config file."""

    path: Path
    old_text: str | None
    """The file as it is (None: there is no file yet)."""
    new_text: str
    changed: bool
    added: bool
    """Whether the server is new to the file (else its entry is updated or already current)."""

    def diff(self) -> str:
        """A unified diff from the file as it is to the file as it would be."""
        import difflib  # only `--dry-run` shows a diff: kept off start-up

        old = (self.old_text or "").splitlines(keepends=True)
        lines = difflib.unified_diff(
            old, self.new_text.splitlines(keepends=True), str(self.path), str(self.path)
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _is_ours(entry: Mapping[str, Any]) -> bool:
    command, args = entry.get("command"), entry.get("args")
    if isinstance(command, str) and Path(command).name.startswith("mcp-resources"):
        return True
    return isinstance(args, list) and args[:2] == ["-m", "mcp_resources"]


def plan(path: Path, name: str, command: Sequence[str], config: Path) -> Change:
    """Compute the new contents of Claude's config at `path` with server `name` running `config`."""
    try:
        old_text: str | None = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old_text = None
    except (OSError, UnicodeDecodeError) as exc:
        raise ClaudeConfigError(
            f"{path}: cannot read the file ({exc}); fix it, or pass --config-file"
        ) from None
    try:
        data = json.loads(old_text) if old_text and old_text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ClaudeConfigError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); fix the file (it was left as it is)"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("mcpServers", {}), dict):
        raise ClaudeConfigError(f'{path}: expected a JSON object with an "mcpServers" object; fix the file')
    updated = copy.deepcopy(data)
    servers = updated.setdefault("mcpServers", {})
    entry = servers.get(name)
    if isinstance(entry, dict) and not _is_ours(entry):
        raise ClaudeConfigError(
            f"{path}: a server named {name!r} already runs {entry.get('command')!r}; "
            "choose another name with --name"
        )
    entry = dict(entry) if isinstance(entry, dict) else {}
    entry.update(command=command[0], args=[*command[1:], "serve", str(config)])
    servers[name] = entry
    new_text = json.dumps(updated, indent=2, ensure_ascii=False) + "\n"
    return Change(
        path, old_text, new_text, changed=updated != data, added=name not in data.get("mcpServers", {})
    )


def write(change: Change) -> Path | None:
    """Write `change` atomically; return the backup of the old file (None when there was none)."""
    change.path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if change.old_text is not None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = change.path.with_name(f"{change.path.name}.{stamp}.bak")
        for count in range(1, 100):
            if not backup.exists():
                break
            backup = change.path.with_name(f"{change.path.name}.{stamp}-{count}.bak")
        shutil.copy2(change.path, backup)
    fd, temporary = tempfile.mkstemp(dir=change.path.parent, prefix=f".{change.path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(change.new_text)
            file.flush()
            os.fsync(file.fileno())
        if change.old_text is not None:
            shutil.copymode(change.path, temporary)
        os.replace(temporary, change.path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return backup


def _fail(lines: Sequence[str], code: int) -> NoReturn:
    for line in lines:
        click.echo(f"mcp-resources: error: {line}", err=True)
    sys.exit(code)


@click.command(name="install-claude")
@click.argument("config", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--name", help="The server's name in Claude (default: from [server] name).")
@click.option(
    "--config-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"Claude Desktop's {CONFIG_NAME} (default: the platform's standard location).",
)
@click.option("--dry-run", is_flag=True, help="Print the change as a diff and write nothing.")
def install_claude(config: Path, name: str | None, config_file: Path | None, dry_run: bool) -> None:
    """Add CONFIG's server to Claude Desktop, or update it; print the Claude Code command too."""
    try:
        assembly = load(config)  # a config Claude could not start is refused here, with the fix
    except ConfigError as exc:
        _fail(exc.problems, 2)
    if name is None:
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", assembly.config.server.name).strip("-") or "mcp-resources"
    if not _SERVER_NAME.match(name):
        _fail([f"--name {name!r}: use 1 to 64 letters, digits, '-' or '_'"], 2)
    command, served = server_command(), assembly.config.path.resolve()
    path = (config_file or default_config_file()).absolute()
    try:
        change = plan(path, name, command, served)
        if not change.changed:
            click.echo(f"{path}: server {name!r} is already up to date")
        elif dry_run:
            click.echo(change.diff(), nl=False)
            click.echo(f"dry run: {path} was not changed")
        else:
            backup = write(change)
            click.echo(f"{path}: {'added' if change.added else 'updated'} server {name!r}")
            if backup is not None:
                click.echo(f"the previous file is saved as {backup}")
            click.echo("Restart Claude Desktop to load it.")
    except (ClaudeConfigError, OSError) as exc:
        _fail([str(exc)], 1)
    click.echo(f"For Claude Code, run:\n  {claude_code_command(name, [*command, 'serve', str(served)])}")
