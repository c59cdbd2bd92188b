"""Reads: sniffed MIME types, charsets, exact windows that never cut a character, folders."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Tree, fs_config
from mcp import Client, MCPError

from mcp_resources.testing import app_from_toml, connect

pytestmark = pytest.mark.anyio
KIB = 1024


async def read_all_windows(client: Client, uri: str) -> tuple[bytes, int]:
    """Follow `next` links from `uri`; returns the reassembled bytes and the window count."""
    data, windows = b"", 0
    while uri:
        first, *rest = (await client.read_resource(uri)).contents
        data += base64.b64decode(first.blob) if hasattr(first, "blob") else first.text.encode()
        windows += 1
        window = (first.meta or {}).get("mcp-resources/window") or {}
        uri = window.get("next")
        assert [n.uri for n in rest] == ([uri] if uri else [])  # the notice names the next window
    return data, windows


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_text_binary_empty_and_extensionless(tree: Callable[[Tree], Path], mode: str) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
    root = tree({"a.md": "# Hé\n", "empty": "", "img": png, "script": "#!/bin/sh\necho hi\n"})
    async with app_from_toml(fs_config(), root.parent) as app, connect(app, mode=mode) as client:  # type: ignore[arg-type]
        [md] = (await client.read_resource("docs://a.md")).contents
        [empty] = (await client.read_resource("docs://empty")).contents
        [img] = (await client.read_resource("docs://img")).contents
        [script] = (await client.read_resource("docs://script")).contents
    assert (md.mime_type, md.text) == ("text/markdown", "# Hé\n")
    assert md.meta and md.meta["mcp-resources/size"] == 6 and "mcp-resources/window" not in md.meta
    assert md.meta["mcp-resources/lastModified"].endswith("Z")
    # Provenance and an untrusted marker on every content.
    assert md.meta["mcp-resources/provider"] == "docs" and md.meta["mcp-resources/untrusted"] is True
    assert img.meta["mcp-resources/provider"] == "docs"
    assert (empty.mime_type, empty.text) == ("text/plain", "")
    assert (img.mime_type, base64.b64decode(img.blob)) == ("image/png", png)
    assert (script.mime_type, script.text) == ("text/plain", "#!/bin/sh\necho hi\n")


async def test_legacy_charset_is_decoded_and_reported(tree: Callable[[Tree], Path]) -> None:
    text = "Привет, мир! Это проверка кодировки windows-1251 для русского текста. " * 10
    root = tree({"ru.txt": text.encode("cp1251")})
    async with app_from_toml(fs_config(), root.parent) as app, connect(app) as client:
        [content] = (await client.read_resource("docs://ru.txt")).contents
    assert content.text == text
    assert content.meta and content.meta["mcp-resources/charset"] == "cp1251"


async def test_a_large_text_file_reassembles_exactly_and_never_splits_a_character(
    tree: Callable[[Tree], Path],
) -> None:
    text = "".join(f"{i:05d} ünïcödé — 日本語 🙂\n" for i in range(4000))  # multi-byte everywhere
    root = tree({"big.txt": text})
    async with app_from_toml(fs_config(max_read_bytes=16 * KIB), root.parent) as app, connect(app) as client:
        data, windows = await read_all_windows(client, "docs://big.txt")
    assert data.decode("utf-8") == text
    assert windows >= len(text.encode()) // (16 * KIB)


async def test_a_large_binary_file_reassembles_exactly(tree: Callable[[Tree], Path]) -> None:
    payload = b"\x89PNG\r\n\x1a\n" + bytes(i * 7 % 256 for i in range(100 * KIB))
    root = tree({"img.png": payload})
    async with app_from_toml(fs_config(max_read_bytes=32 * KIB), root.parent) as app, connect(app) as client:
        data, windows = await read_all_windows(client, "docs://img.png")
    assert data == payload and windows == 4


async def test_explicit_byte_window(tree: Callable[[Tree], Path]) -> None:
    root = tree({"abc.txt": "abcdefghijklmnopqrstuvwxyz"})
    async with app_from_toml(fs_config(), root.parent) as app, connect(app) as client:
        first, notice = (await client.read_resource("docs://abc.txt?offset=3&length=5")).contents
        [last] = (await client.read_resource("docs://abc.txt?offset=20&length=100")).contents
        [at_end] = (await client.read_resource("docs://abc.txt?offset=26")).contents
        with pytest.raises(MCPError) as caught:
            await client.read_resource("docs://abc.txt?offset=27")
    assert first.text == "defgh"
    assert first.meta["mcp-resources/window"] == {
        "offset": 3,
        "length": 5,
        "size": 26,
        "next": "docs://abc.txt?offset=8&length=5",
    }
    assert notice.uri == "docs://abc.txt?offset=8&length=5"
    assert last.text == "uvwxyz" and last.meta["mcp-resources/window"]["next"] is None
    assert at_end.text == ""
    error = caught.value.error
    assert (error.code, error.data) == (-32602, {"uri": "docs://abc.txt?offset=27", "argument": "offset"})
    assert "past the end of the file (26 bytes)" in error.message


async def test_a_window_starting_inside_a_character_moves_to_the_next_one(
    tree: Callable[[Tree], Path],
) -> None:
    root = tree({"e.txt": "éééé"})  # each é is 2 bytes
    async with app_from_toml(fs_config(), root.parent) as app, connect(app) as client:
        content, _ = (await client.read_resource("docs://e.txt?offset=1&length=4")).contents
    # Bytes 1-4 hold half of the first é, the second, and half of the third: only whole ones come back.
    assert content.text == "é"
    assert content.meta["mcp-resources/window"] == {
        "offset": 2,
        "length": 2,
        "size": 8,
        "next": "docs://e.txt?offset=4&length=4",
    }


async def test_line_windows(tree: Callable[[Tree], Path]) -> None:
    root = tree({"log.txt": "".join(f"line {i}\n" for i in range(1, 101)), "nolf.txt": "a\nb\nlast"})
    async with app_from_toml(fs_config(), root.parent) as app, connect(app) as client:
        first, notice = (await client.read_resource("docs://log.txt?line=10&count=3")).contents
        [tail] = (await client.read_resource("docs://log.txt?line=99&count=50")).contents
        [last] = (await client.read_resource("docs://nolf.txt?line=3&count=1")).contents
        with pytest.raises(MCPError) as past:
            await client.read_resource("docs://log.txt?line=101")
    assert first.text == "line 10\nline 11\nline 12\n"
    assert first.meta["mcp-resources/window"]["next"] == "docs://log.txt?line=13&count=3"
    assert notice.uri == "docs://log.txt?line=13&count=3"
    assert tail.text == "line 99\nline 100\n" and tail.meta["mcp-resources/window"]["next"] is None
    assert last.text == "last"
    assert past.value.error.code == -32602 and "past the end" in past.value.error.message


async def test_line_windows_respect_the_byte_cap(tree: Callable[[Tree], Path]) -> None:
    long_line = "x" * 3000 + "\n"
    root = tree({"wide.txt": long_line * 10, "huge_line.txt": "y" * 10000})
    async with app_from_toml(fs_config(max_read_bytes=KIB * 8), root.parent) as app, connect(app) as client:
        content, _ = (await client.read_resource("docs://wide.txt?line=1&count=10")).contents
        single, _ = (await client.read_resource("docs://huge_line.txt?line=1&count=1")).contents
    assert content.text == long_line * 2  # only whole lines that fit in 8 KiB
    assert content.meta["mcp-resources/window"]["next"] == "docs://wide.txt?line=3&count=10"
    # A line longer than a window: its first 8 KiB, then continue by bytes.
    assert single.text == "y" * 8192
    assert single.meta["mcp-resources/window"]["next"] == "docs://huge_line.txt?offset=8192&length=8192"


async def test_line_windows_need_text(tree: Callable[[Tree], Path]) -> None:
    root = tree({"bin": b"\x00\x01\x02" * 10})
    async with app_from_toml(fs_config(), root.parent) as app, connect(app) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource("docs://bin?line=1")
    assert caught.value.error.code == -32602 and "offset and length" in caught.value.error.message


async def test_a_folder_reads_as_a_json_listing(tree: Callable[[Tree], Path]) -> None:
    root = tree({"guide": {"b.md": "b", "a.md": "aa", "img": {}, ".hidden": "h"}})
    async with app_from_toml(fs_config(), root.parent) as app, connect(app) as client:
        [folder] = (await client.read_resource("docs://guide/")).contents
        [same] = (await client.read_resource("docs://guide")).contents
        [window] = (await client.read_resource("docs://guide/?offset=1&length=1")).contents
        [root_listing] = (await client.read_resource("docs://")).contents
    body = json.loads(folder.text)
    assert folder.mime_type == "application/json" and json.loads(same.text)["entries"] == body["entries"]
    assert [(e["name"], e["type"], e["uri"]) for e in body["entries"]] == [
        ("a.md", "file", "docs://guide/a.md"),
        ("b.md", "file", "docs://guide/b.md"),
        ("img", "folder", "docs://guide/img/"),
    ]
    assert body["entries"][0]["size"] == 2
    assert [e["name"] for e in json.loads(window.text)["entries"]] == ["b.md"]
    assert json.loads(window.text)["next"] == "docs://guide/?offset=2&length=1"
    assert [e["name"] for e in json.loads(root_listing.text)["entries"]] == ["guide"]


async def test_missing_files_are_not_found_with_the_uri(tree: Callable[[Tree], Path]) -> None:
    root = tree({"a.txt": "a"})
    async with app_from_toml(fs_config(), root.parent) as app, connect(app, mode="legacy") as client:
        for uri in ("docs://nope.txt", "docs://a.txt/inside", "docs://nope/deeper.txt"):
            with pytest.raises(MCPError) as caught:
                await client.read_resource(uri)
            assert (caught.value.error.code, caught.value.error.data) == (-32602, {"uri": uri})


async def test_templates_and_path_completion(tree: Callable[[Tree], Path]) -> None:
    import mcp_types as types

    root = tree({"guide": {"intro.md": "i", "install.md": "i", "images": {}, ".secret": "s"}, "go.txt": "g"})
    async with app_from_toml(fs_config(), root.parent) as app, connect(app) as client:
        templates = (await client.list_resource_templates()).resource_templates
        ref = types.ResourceTemplateReference(type="ref/resource", uri="docs://{+path}")
        top = await client.complete(ref, {"name": "path", "value": "g"})
        inside = await client.complete(ref, {"name": "path", "value": "guide/in"})
        hidden = await client.complete(ref, {"name": "path", "value": "guide/."})
        window_ref = types.ResourceTemplateReference(
            type="ref/resource", uri="docs://{+path}{?offset,length}"
        )
        other_arg = await client.complete(window_ref, {"name": "offset", "value": ""})
        with pytest.raises(MCPError) as escape:
            await client.complete(ref, {"name": "path", "value": "../"})
    assert [t.uri_template for t in templates] == [
        "docs://{+path}",
        "docs://{+path}{?offset,length}",
        "docs://{+path}{?line,count}",
    ]
    assert top.completion.values == ["go.txt", "guide/"]
    assert inside.completion.values == ["guide/install.md", "guide/intro.md"]
    assert hidden.completion.values == [] and other_arg.completion.values == []
    assert escape.value.error.code == -32602
