"""Shared fixtures: real files on disk, real Apps, the SDK's real client."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

pytest_plugins = ["mcp_resources.testing"]

TESTS = Path(__file__).parent
TEST_PLUGINS = TESTS / "plugins"

Tree = Mapping[str, "str | bytes | Tree"]


def make_tree(root: Path, tree: Tree) -> Path:
    """Create folders and files from a nested mapping (str is UTF-8 text)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, value in tree.items():
        path = root / name
        if isinstance(value, Mapping):
            make_tree(path, value)
        elif isinstance(value, bytes):
            path.write_bytes(value)
        else:
            path.write_text(value, encoding="utf-8")
    return root


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[Tree], Path]:
    """`tree({...})` builds files under `tmp_path / "root"` and returns that folder."""
    return lambda spec: make_tree(tmp_path / "root", spec)


def fs_config(root: Path | str = "root", name: str = "docs", **options: object) -> str:
    """A `[providers.NAME]` table of type filesystem, as TOML."""
    lines = [f"[providers.{name}]", 'type = "filesystem"', f"root = {str(root)!r}"]
    for key, value in options.items():
        lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value).replace("'", '"') if '"' not in value else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)
