"""The README's two commands are the ones CI and the examples really use."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mcp_resources.testing import stdio_server_params

REPO = Path(__file__).parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
SHELL_BLOCKS = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)


def test_the_quick_start_has_the_demo_command_and_the_test_command() -> None:
    demo, tests = SHELL_BLOCKS[0].strip(), SHELL_BLOCKS[1].strip()
    assert demo.endswith("mcp-resources serve examples/demo/mcp-resources.toml")
    assert tests == "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert SHELL_BLOCKS[1].strip() in ci.splitlines()


EXAMPLE_CONFIGS = sorted(p.relative_to(REPO) for p in (REPO / "examples").rglob("mcp-resources*.toml"))


@pytest.mark.parametrize("config", EXAMPLE_CONFIGS, ids=str)
def test_every_example_config_checks(config: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mcp_resources", "check", str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.anyio
async def test_the_demo_serves_over_stdio() -> None:
    from mcp import Client, MCPError

    demo_db = REPO / "examples" / "demo" / "data" / "shop.db"
    before = hashlib.sha256(demo_db.read_bytes()).hexdigest()
    async with Client(
        stdio_server_params(REPO / "examples" / "demo" / "mcp-resources.toml"), mode="legacy"
    ) as client:
        assert client.server_info and client.server_info.name == "mcp-resources demo"
        listed = [r.uri for r in (await client.list_resources()).resources]
        assert "demo://README.md" in listed and "demo://.env" not in listed
        [readme] = (await client.read_resource("demo://README.md")).contents
        assert readme.mime_type == "text/markdown" and "demo://" in readme.text
        with pytest.raises(MCPError, match="Access denied"):
            await client.read_resource("demo://.env")

        assert "shop://tables/books" in listed and "shop://tables/api_keys" not in listed
        [canned] = (await client.read_resource("shop://queries/books_by_country?country=NL&n=2")).contents
        assert canned.mime_type == "application/json" and "Edsger Dijkstra" in canned.text
        with pytest.raises(MCPError, match="Not authorized"):
            await client.read_resource("shop://query?sql=SELECT%20secret%20FROM%20api_keys")

        assert {"logs://", "logs://shop-web.log", "logs://access.log", "logs://worker.jsonl"} <= set(listed)
        [errors] = (await client.read_resource("logs://shop-web.log?level=error")).contents
        assert "TimeoutError: gateway did not answer" in errors.text  # the traceback comes along
        assert "sk_live_" not in errors.text and "[REDACTED]" in errors.text
        [merged] = (await client.read_resource("logs://?level=error")).contents
        assert "worker.jsonl: " in merged.text and "access.log: " in merged.text

        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert {"answer-from-docs", "summarise-file", "explain-table", "triage-log-errors"} <= prompts
        answer = (await client.get_prompt("answer-from-docs", {"question": "Is .env served?"})).messages
        assert "Question: Is .env served?" in answer[0].content.text  # type: ignore[union-attr]
        assert answer[1].content.resource.uri == "demo://README.md"  # type: ignore[union-attr]
        triage = await client.get_prompt("triage-log-errors", {"log": "logs://shop-web.log", "since": "1w"})
        assert triage.messages[1].content.resource.uri.startswith("logs://shop-web.log?")  # type: ignore[union-attr]
    assert hashlib.sha256(demo_db.read_bytes()).hexdigest() == before  # served, never changed
