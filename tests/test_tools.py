"""Resources as tools (`[server] tools = true`): the real server over stdio, in both protocol eras."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from conftest import make_shop, make_tree, sqlite_config
from mcp import Client, MCPError

from mcp_resources.testing import stdio_server_params, write_config

pytestmark = pytest.mark.anyio
MODES = ["legacy", "auto"]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
BIG = "".join(f"{i:05d} line of the big file\n" for i in range(300))


def _config(tmp_path: Path, tools: bool = True) -> Path:
    make_tree(
        tmp_path / "docs",
        {"guide": {"intro.md": "# Intro\n"}, "logo": PNG, "big.txt": BIG, "a.txt": "A\n", ".env": "TOKEN=x"},
    )
    (tmp_path / "outside.txt").write_text("outside")
    make_shop(tmp_path / "shop.db", customers=5, orders=5)
    return write_config(
        f"[server]\npage_size = 3\ntools = {'true' if tools else 'false'}\n"
        '[providers.docs]\ntype = "filesystem"\nroot = "docs"\nmax_read_bytes = "4KiB"\n' + sqlite_config(),
        tmp_path,
    )


def _json(result: types.CallToolResult) -> Any:
    assert not result.is_error, result.content
    [block] = result.content
    assert isinstance(block, types.TextContent)
    return json.loads(block.text)


def _error_text(result: types.CallToolResult) -> str:
    assert result.is_error
    [block] = result.content
    assert isinstance(block, types.TextContent)
    return block.text


@pytest.mark.parametrize("mode", MODES)
async def test_the_tools_serve_the_same_catalogue_as_the_resources(tmp_path: Path, mode: str) -> None:
    async with Client(stdio_server_params(_config(tmp_path)), mode=mode) as client:  # type: ignore[arg-type]
        assert client.server_capabilities.tools is not None
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == {"list_resources", "list_resource_templates", "read_resource"}
        for tool in tools.values():
            assert tool.annotations == types.ToolAnnotations(
                read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
            )
            assert tool.input_schema["type"] == "object" and tool.description
        assert tools["read_resource"].input_schema["required"] == ["uri"]

        # Every page of list_resources is the resources/list page of the same cursor.
        cursor: str | None = None
        listed_by_tool, listed = [], []
        while True:
            page = _json(await client.call_tool("list_resources", {"cursor": cursor} if cursor else {}))
            wire = await client.list_resources(cursor=cursor)
            assert [r["uri"] for r in page["resources"]] == [r.uri for r in wire.resources]
            listed_by_tool += page["resources"]
            listed += wire.resources
            cursor = page.get("nextCursor")
            assert cursor == wire.next_cursor
            if cursor is None:
                break
        assert len(listed) > 3 and "docs://.env" not in [r["uri"] for r in listed_by_tool]
        assert listed_by_tool[0] == listed[0].model_dump(by_alias=True, exclude_none=True)

        templates = _json(await client.call_tool("list_resource_templates", {}))["resourceTemplates"]
        wire_templates = (await client.list_resource_templates()).resource_templates
        assert [t["uriTemplate"] for t in templates] == [t.uri_template for t in wire_templates]
        assert "shop://query{?sql,limit,offset,format}" in [t["uriTemplate"] for t in templates]

        read = await client.call_tool("read_resource", {"uri": "docs://guide/intro.md"})
        assert not read.is_error
        [text] = read.content
        assert isinstance(text, types.TextContent) and text.text == "# Intro\n"
        assert text.meta and text.meta["mcp-resources/untrusted"] is True

        [blob] = (await client.call_tool("read_resource", {"uri": "docs://logo"})).content
        assert isinstance(blob, types.EmbeddedResource)
        assert isinstance(blob.resource, types.BlobResourceContents)
        assert (blob.resource.mime_type, base64.b64decode(blob.resource.blob)) == ("image/png", PNG)

        # A big file comes in windows; the note after each window names the next one.
        uri: str | None = "docs://big.txt"
        collected, windows = "", 0
        while uri:
            first, *notes = (await client.call_tool("read_resource", {"uri": uri})).content
            assert isinstance(first, types.TextContent) and first.meta
            collected += first.text
            windows += 1
            uri = first.meta["mcp-resources/window"]["next"]
            if uri:
                [note] = notes
                assert isinstance(note, types.TextContent) and f"Read {uri} for the next part" in note.text
        assert collected == BIG and windows > 1

        rows = await client.call_tool(
            "read_resource", {"uri": "shop://query?sql=SELECT%20count(*)%20AS%20n%20FROM%20customers"}
        )
        assert _json(rows)["rows"] == [[5]]


@pytest.mark.parametrize("mode", MODES)
async def test_refusals_are_tool_errors_and_the_server_keeps_serving(tmp_path: Path, mode: str) -> None:
    async with Client(stdio_server_params(_config(tmp_path)), mode=mode) as client:  # type: ignore[arg-type]
        for uri, message in (
            ("docs://.env", "Access denied"),
            ("docs://../outside.txt", ""),
            ("docs://%2e%2e/outside.txt", ""),
            ("docs:///etc/passwd", ""),
            ("docs://nope.txt", "Resource not found"),
            ("elsewhere://x", "Resource not found"),
            ("docs://big.txt?offset=nope", ""),
            ("shop://query?sql=SELECT%20v%20FROM%20secrets", "Not authorized"),
            ("shop://query?sql=DELETE%20FROM%20customers", "Only SELECT queries are allowed"),
        ):
            text = _error_text(await client.call_tool("read_resource", {"uri": uri}))
            with pytest.raises(MCPError) as caught:  # the same refusal as resources/read gives
                await client.read_resource(uri)
            error = caught.value.error
            assert error.data and error.data["uri"] == uri
            details = ", ".join(f"{key}: {value}" for key, value in error.data.items())
            assert text == f"{error.message} ({details})" and text.startswith(message)
            assert str(tmp_path) not in text and "secret" not in text.replace("secrets", "")

        assert (
            _error_text(await client.call_tool("read_resource", {}))
            == "Missing required argument 'uri' (argument: uri)"
        )
        assert (
            _error_text(await client.call_tool("read_resource", {"uri": 7}))
            == "Argument 'uri' must be a string (argument: uri)"
        )
        assert _error_text(await client.call_tool("list_resources", {"path": "x"})) == (
            "Unknown argument 'path'; the arguments are: cursor (argument: path)"
        )
        assert "Invalid cursor" in _error_text(await client.call_tool("list_resources", {"cursor": "bogus"}))
        with pytest.raises(MCPError) as caught:
            await client.call_tool("write_file", {"uri": "docs://a.txt"})
        assert (caught.value.error.code, caught.value.error.data) == (-32602, {"tool": "write_file"})

        [after] = (await client.call_tool("read_resource", {"uri": "docs://a.txt"})).content
        assert isinstance(after, types.TextContent) and after.text == "A\n"
    assert (tmp_path / "shop.db").is_file() and (tmp_path / "docs" / "a.txt").read_text() == "A\n"


@pytest.mark.parametrize("mode", MODES)
async def test_no_tools_unless_asked_for(tmp_path: Path, mode: str) -> None:
    async with Client(stdio_server_params(_config(tmp_path, tools=False)), mode=mode) as client:  # type: ignore[arg-type]
        assert client.server_capabilities.tools is None
        with pytest.raises(MCPError) as caught:
            await client.list_tools()
        assert caught.value.error.code == types.METHOD_NOT_FOUND
