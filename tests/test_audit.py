"""The audit log over stdio, and its chain check on hand-made damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client, MCPError

from mcp_resources.audit import AuditLog, verify_chain
from mcp_resources.errors import ConfigError
from mcp_resources.testing import stdio_server_params

pytestmark = pytest.mark.anyio


async def test_stdio_reads_are_audited_as_the_local_principal(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("alpha")
    config = tmp_path / "mcp-resources.toml"
    config.write_text(
        '[prompts]\nlibrary = false\n[audit]\npath = "audit.jsonl"\n'
        '[providers.docs]\ntype = "filesystem"\nroot = "docs"\n'
    )
    async with Client(stdio_server_params(config), mode="legacy") as client:
        await client.read_resource("docs://a.txt")
        with pytest.raises(MCPError):
            await client.read_resource("docs://../escape")
    entries = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(e["principal"], e["method"], e["uri"], e["outcome"]) for e in entries] == [
        ("local", "resources/read", "docs://a.txt", "ok"),
        ("local", "resources/read", "docs://../escape", "invalid_params"),
    ]
    assert verify_chain(tmp_path / "audit.jsonl").broken_at is None


def test_reordered_and_inserted_lines_break_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for n in range(3):
        log.record("resources/read", "p", "ok", uri=f"x://{n}", bytes=n)
    log.close()
    lines = path.read_text().splitlines(keepends=True)
    assert verify_chain(path).entries == 3
    path.write_text("".join([lines[1], lines[0], lines[2]]))
    assert verify_chain(path).broken_at == 1
    path.write_text("".join([lines[0], lines[0], *lines[1:]]))
    assert verify_chain(path).broken_at == 2
    path.write_text("".join([*lines, "not json\n"]))
    report = verify_chain(path)
    assert (report.broken_at, report.problem) == (4, "not a JSON audit entry")
    # A damaged last line stops a server from continuing the chain, with the fix.
    with pytest.raises(ConfigError, match="audit verify"):
        AuditLog(path)
