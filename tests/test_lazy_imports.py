"""Start-up imports only what the config uses: unused built-ins, the SDK and pydantic stay out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import stdio_client

from mcp_resources.testing import stdio_server_params, write_config

pytestmark = pytest.mark.anyio


def modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has imported after running `code`."""
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def tops(modules: set[str], *names: str) -> set[str]:
    """Those of `modules` in the packages `names`."""
    return {m for m in modules if m.split(".")[0] in names}


def test_importing_the_package_imports_neither_the_sdk_nor_pydantic() -> None:
    loaded = modules_after("import mcp_resources")
    assert tops(loaded, "mcp", "mcp_types", "pydantic", "anyio", "pluggy") == set()
    assert "mcp_resources.components" in modules_after("from mcp_resources import ResourceProvider")


def test_the_prompt_worker_starts_without_the_sdk_pydantic_or_anyio() -> None:
    loaded = modules_after("import mcp_resources.prompts.worker")
    assert tops(loaded, "mcp", "mcp_types", "pydantic", "anyio") == set()


def test_builtins_whose_types_are_not_used_are_listed_but_not_imported() -> None:
    loaded = modules_after(
        "from mcp_resources.plugins import load_plugins\nload_plugins(entry_points=False, needed={'filesystem'})"
    )
    assert "mcp_resources.builtins.filesystem" in loaded
    assert not {
        m for m in loaded if m.startswith(("mcp_resources.builtins.sqlite", "mcp_resources.builtins.logs"))
    }
    assert tops(loaded, "sqlglot", "aiosqlite") == set()


def test_what_load_plugins_says_of_builtins_left_unimported() -> None:
    script = (
        "import json\nfrom mcp_resources.plugins import load_plugins\n"
        "p = load_plugins(entry_points=False, needed={'filesystem'})\n"
        "print(json.dumps([[[i.name, i.provider_types] for i in p.plugins], sorted(p.provider_types), p.unloaded]))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    listed, registered, unloaded = json.loads(out)
    assert listed == [
        ["filesystem", ["filesystem"]],
        ["sqlite", ["sqlite"]],
        ["logs", ["logs"]],
        ["prompt-library", []],
    ]
    assert registered == ["filesystem"] and unloaded == {"sqlite": "sqlite", "logs": "logs"}


async def test_a_filesystem_only_server_imports_no_sql_logs_prompt_rendering_or_http_code(
    tmp_path: Path,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("alpha\n")
    config = write_config('[providers.docs]\ntype = "filesystem"\nroot = "docs"\n', tmp_path)
    params = stdio_server_params(config)
    params.args = ["-X", "importtime", *params.args]  # every import is logged to stderr
    errors = tmp_path / "stderr.log"
    with errors.open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
            assert (await client.read_resource("docs://a.txt")).contents[0].text == "alpha\n"
            assert len((await client.list_resources()).resources) == 1
            assert (await client.list_prompts()).prompts  # the built-in prompt library is served
    served = {
        line.rsplit("|", 1)[1].strip()
        for line in errors.read_text().splitlines()
        if line.startswith("import time:")
    }
    assert "mcp_resources.builtins.filesystem.provider" in served  # the log is complete
    ours = ("mcp_resources.builtins.sqlite", "mcp_resources.builtins.logs", "mcp_resources.transports.http")
    assert {m for m in served if m.startswith(ours)} == set()
    assert tops(served, "sqlglot", "aiosqlite", "jinja2") == set()  # jinja2 runs in prompt workers only
    # Nor what only HTTP serving, binary content or `install-claude --dry-run` use.
    assert {m for m in served if m.startswith("mcp_resources.http")} == set()
    assert tops(served, "filetype", "difflib") == set()
    # re2 and uvicorn do come in, but not through us: pathspec (gitignore patterns) picks re2 as
    # its fastest backend when installed, and the SDK's own package imports uvicorn.
    assert tops(served, "re2", "uvicorn") <= tops(modules_after("import mcp, pathspec"), "re2", "uvicorn")
