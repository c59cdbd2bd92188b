"""The hello plugin (plugins/mcp-resources-hello) is a template worth copying.

Its own tests run in CI once it is pip-installed (.ci/run); these check, without
installing it, that it stays on the public API and keeps one example of every hook.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from test_hooks import HOOKS

import mcp_resources
import mcp_resources.testing
from mcp_resources.plugins import ENTRY_POINT_GROUP

HELLO = Path(__file__).parent.parent / "plugins" / "mcp-resources-hello"
PUBLIC = {
    "mcp_resources": set(mcp_resources.__all__),
    "mcp_resources.testing": set(mcp_resources.testing.__all__),
}


@pytest.mark.parametrize("path", sorted(p.relative_to(HELLO) for p in HELLO.rglob("*.py")), ids=str)
def test_it_imports_only_the_public_api(path: Path) -> None:
    tree = ast.parse((HELLO / path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "mcp_resources":
            names = {alias.name for alias in node.names}
            assert node.module in PUBLIC, f"{path}:{node.lineno} imports the internal {node.module}"
            assert names <= PUBLIC[node.module], f"{path}:{node.lineno}: {names - PUBLIC[node.module]}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] != "mcp_resources" or alias.name in PUBLIC, alias.name


def test_it_implements_every_hook() -> None:
    tree = ast.parse((HELLO / "mcp_resources_hello" / "__init__.py").read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert set(HOOKS) <= defined


def test_it_declares_the_entry_point_and_ships_its_prompts() -> None:
    project = tomllib.loads((HELLO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"][ENTRY_POINT_GROUP] == {"hello": "mcp_resources_hello"}
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["mcp_resources_hello"]
    assert (HELLO / "mcp_resources_hello" / "prompts" / "welcome.md.j2").is_file()
