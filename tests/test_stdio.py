"""End to end: `mcp-resources serve` spawned over stdio, driven by the SDK's client in both eras."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import mcp_types as types
import pytest
from conftest import INITIALIZE, TEST_PLUGINS, make_tree
from mcp import Client, MCPError
from mcp.client.stdio import stdio_client

from mcp_resources.testing import stdio_server_params, write_config

pytestmark = pytest.mark.anyio
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """Two filesystem providers, a noisy one-off plugin, and a file a few windows long."""
    make_tree(
        tmp_path / "docs",
        {
            "guide": {"intro.md": "# Intro\n", "install.md": "pip install\n"},
            "logo": PNG,
            "big.txt": "".join(f"{i:06d} ünïcödé line\n" for i in range(20000)),
            ".env": "TOKEN=x",
        },
    )
    make_tree(tmp_path / "notes", {"a.txt": "A\n", "b.txt": "B\n"})
    make_tree(tmp_path / "plugins", {"noisy.py": "print('a plugin printing to stdout')\n"})
    (tmp_path / "outside.txt").write_text("outside")
    return write_config(
        "[server]\npage_size = 3\n"
        '[plugins]\ndirs = ["plugins"]\n'
        '[providers.docs]\ntype = "filesystem"\nroot = "docs"\nmax_read_bytes = "64KiB"\n'
        '[providers.notes]\ntype = "filesystem"\nroot = "notes"\n',
        tmp_path,
    )


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_serve_over_stdio(config: Path, mode: str) -> None:
    async with Client(stdio_server_params(config), mode=mode) as client:  # type: ignore[arg-type]
        assert client.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")

        uris, cursor, pages = [], None, 0
        while True:
            page = await client.list_resources(cursor=cursor)
            uris += [r.uri for r in page.resources]
            pages += 1
            cursor = page.next_cursor
            if not cursor:
                break
        assert uris == [
            "docs://big.txt",
            "docs://guide/install.md",
            "docs://guide/intro.md",
            "docs://logo",
            "notes://a.txt",
            "notes://b.txt",
        ]
        assert pages == 2

        [intro] = (await client.read_resource("docs://guide/intro.md")).contents
        assert (intro.mime_type, intro.text) == ("text/markdown", "# Intro\n")
        [logo] = (await client.read_resource("docs://logo")).contents
        assert (logo.mime_type, base64.b64decode(logo.blob)) == ("image/png", PNG)

        text, uri = b"", "docs://big.txt"
        while uri:
            first, *_ = (await client.read_resource(uri)).contents
            text += first.text.encode()
            uri = first.meta["mcp-resources/window"]["next"]
        assert text == (config.parent / "docs" / "big.txt").read_bytes()

        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        assert "notes://{+path}{?line,count}" in templates
        ref = types.ResourceTemplateReference(type="ref/resource", uri="docs://{+path}")
        completion = await client.complete(ref, {"name": "path", "value": "guide/i"})
        assert completion.completion.values == ["guide/install.md", "guide/intro.md"]

        for attack in (
            "docs://../outside.txt",
            "docs://%2e%2e/outside.txt",
            "docs://%252e%252e/outside.txt",
            "docs://..%5Coutside.txt",
            "docs://a%00b",
            "docs:///etc/passwd",
            "docs://.env",
            "docs://big.txt?offset=nope",
            "elsewhere://x",
        ):
            with pytest.raises(MCPError) as caught:
                await client.read_resource(attack)
            assert (caught.value.error.code, caught.value.error.data["uri"]) == (-32602, attack)
            assert "outside" not in caught.value.error.message
        assert (await client.read_resource("notes://a.txt")).contents[0].text == "A\n"


def spawn(config: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "mcp_resources", "serve", str(config), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def initialize(proc: subprocess.Popen[bytes]) -> dict[str, object]:
    assert proc.stdin and proc.stdout
    proc.stdin.write((json.dumps(INITIALIZE) + "\n").encode())
    proc.stdin.flush()
    reply = json.loads(proc.stdout.readline())
    assert reply["id"] == 1 and reply["result"]["serverInfo"]["name"] == "mcp-resources"
    return reply


def test_clean_exit_on_end_of_input_with_only_protocol_on_stdout(config: Path) -> None:
    proc = spawn(config)
    initialize(proc)
    out, err = proc.communicate(timeout=20)  # closes stdin
    assert proc.returncode == 0
    assert out == b""  # nothing after the reply: the noisy plugin printed to stderr
    assert b"a plugin printing to stdout" in err and b"shutting down" in err


def test_the_stdio_transport_is_the_one_asked_for(config: Path) -> None:
    # .ci/run runs the stdio tests a second time with MCP_RESOURCES_STDIO_TRANSPORT=sdk.
    expected = os.environ.get("MCP_RESOURCES_STDIO_TRANSPORT", "own")
    proc = spawn(config, "--log-level", "info")
    initialize(proc)
    _, err = proc.communicate(timeout=20)
    assert f"serving over stdio ({expected} transport)".encode() in err


def test_clean_exit_on_sigterm(config: Path) -> None:
    proc = spawn(config)
    initialize(proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert b"received SIGTERM, shutting down" in err


def test_start_up_errors_exit_2_with_a_clear_message(tmp_path: Path) -> None:
    config = write_config('[providers.docs]\ntype = "filesystem"\nroot = "nope"\nhiden = true\n', tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "mcp_resources", "serve", str(config)],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"mcp-resources: error: {config}: providers.docs.root: folder '{tmp_path / 'nope'}' does not exist; "
        "create it or fix the path",
        f"mcp-resources: error: {config}: providers.docs.hiden: unknown key; did you mean 'hidden'?",
    ]


def test_console_script_is_installed(config: Path) -> None:
    script = Path(sys.executable).parent / "mcp-resources"
    result = subprocess.run([str(script), "check", str(config)], capture_output=True, text=True, timeout=20)
    assert result.returncode == 0, result.stderr
    assert "provider docs: filesystem at docs://" in result.stdout
    assert os.access(script, os.X_OK)


async def test_prints_and_child_processes_never_reach_the_protocol(tmp_path: Path) -> None:
    config = write_config(
        f'[plugins]\ndirs = ["{TEST_PLUGINS}"]\n'
        '[providers.m]\ntype = "memory"\nprint_on_read = true\nitems = { a = "alpha" }\n',
        tmp_path,
    )
    errors = tmp_path / "stderr.log"
    with errors.open("w") as errlog:
        transport = stdio_client(stdio_server_params(config), errlog=errlog)
        async with Client(transport, mode="legacy") as client:
            for _ in range(3):
                assert (await client.read_resource("m://a")).contents[0].text == "alpha"
    log = errors.read_text()
    assert "a careless print while reading m://a" in log and "a child process writing to stdout" in log
