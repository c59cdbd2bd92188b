"""The examples a user copies work as their READMEs say (every config is also checked in test_readme.py)."""

from __future__ import annotations

import re
import runpy
import sqlite3
from pathlib import Path

import mcp_types as types
import pytest
from mcp import Client, MCPError
from test_readme import EXAMPLE_CONFIGS

from mcp_resources.claude_desktop import claude_code_command, plan
from mcp_resources.testing import stdio_server_params

REPO = Path(__file__).parent.parent
EXAMPLES = REPO / "examples"
PLACEHOLDER = Path("/absolute/path/to/mcp-resources")


def test_every_example_folder_has_a_config_that_is_checked() -> None:
    folders = {p.name for p in EXAMPLES.iterdir() if p.is_dir()} - {"claude-desktop"}
    assert folders <= {config.parts[1] for config in EXAMPLE_CONFIGS}
    assert {"minimal", "demo", "local-plugin"} <= folders


def test_the_claude_desktop_snippet_is_what_install_claude_writes(tmp_path: Path) -> None:
    command = [str(PLACEHOLDER / ".venv" / "bin" / "mcp-resources")]
    config = PLACEHOLDER / "examples" / "demo" / "mcp-resources.toml"
    written = plan(tmp_path / "claude_desktop_config.json", "mcp-resources-demo", command, config)
    snippet = EXAMPLES / "claude-desktop" / "claude_desktop_config.json"
    assert written.new_text == snippet.read_text(encoding="utf-8")

    readme = (EXAMPLES / "claude-desktop" / "README.md").read_text(encoding="utf-8")
    claude_code = re.findall(r"```sh\n(claude mcp add .*)\n```", readme)
    assert claude_code == [claude_code_command("mcp-resources-demo", [*command, "serve", str(config)])]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_the_local_plugin_serves_its_glossary(mode: str) -> None:
    config = EXAMPLES / "local-plugin" / "mcp-resources.toml"
    async with Client(stdio_server_params(config), mode=mode) as client:  # type: ignore[arg-type]
        listed = [r.uri for r in (await client.list_resources()).resources]
        assert listed == ["glossary://MCP", "glossary://prompt", "glossary://resource"]
        [mcp] = (await client.read_resource("glossary://MCP")).contents
        assert isinstance(mcp, types.TextResourceContents)
        assert mcp.text == "MCP: Model Context Protocol: how AI applications reach tools and data.\n"
        with pytest.raises(MCPError) as caught:
            await client.read_resource("glossary://nope")
        assert (caught.value.error.code, caught.value.error.data) == (-32602, {"uri": "glossary://nope"})


@pytest.mark.anyio
async def test_the_minimal_example_serves_its_notes() -> None:
    config = EXAMPLES / "minimal" / "mcp-resources.toml"
    async with Client(stdio_server_params(config), mode="legacy") as client:
        listed = [r.uri for r in (await client.list_resources()).resources]
        assert listed == ["notes://ideas.txt", "notes://welcome.md"]
        [welcome] = (await client.read_resource("notes://welcome.md")).contents
        assert isinstance(welcome, types.TextResourceContents)
        assert welcome.text.startswith("# Welcome")


def test_the_demo_database_is_the_one_make_shop_db_builds(tmp_path: Path) -> None:
    build = runpy.run_path(str(EXAMPLES / "demo" / "make_shop_db.py"))["build"]
    build(tmp_path / "shop.db")
    assert _dump(tmp_path / "shop.db") == _dump(EXAMPLES / "demo" / "data" / "shop.db")


def _dump(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return list(db.iterdump())
