"""The conformance plugin, installed, served by the real App and driven by the SDK's real client.

`scripts/conformance` runs the official suite (2025-11-25) against it over HTTP;
these tests check the same fixtures in both protocol eras, in-process, over
stdio, and over HTTP on 2026-07-28.
"""

from __future__ import annotations

import base64
import json
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client, MCPDeprecationWarning, MCPError
from mcp.client.subscriptions import ResourceUpdated
from mcp_resources_conformance.provider import EXAMPLE_TEXT, STATIC_TEXT

from mcp_resources.testing import (
    Notifications,
    app_from_toml,
    connect,
    serve_toml,
    spawn_http,
    stdio_server_params,
)

pytestmark = pytest.mark.anyio
MODES = ["legacy", "auto"]
CONFIG = Path(__file__).parent.parent / "mcp-resources.toml"
TOML = CONFIG.read_text(encoding="utf-8")
WATCHED = "test://watched-resource"


def fast_watch(toml: str) -> str:
    """The plugin's config with `watched-resource` changing every 50 ms."""
    return toml.replace('type = "conformance"\n', 'type = "conformance"\nwatched_interval_s = 0.05\n', 1)


@contextmanager
def legacy_api() -> Iterator[None]:
    # resources/subscribe is the handshake era's API; the SDK marks it deprecated for 2026-07-28.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        yield


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of each chunk of a PNG, checking the signature and every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        position += 12 + length
    return chunks


async def error_of(call: Any) -> types.ErrorData:
    with pytest.raises(MCPError) as caught:
        await call
    return caught.value.error


@pytest.mark.parametrize("mode", MODES)
async def test_resources_and_template(tmp_path: Path, mode: Any) -> None:
    async with app_from_toml(TOML, tmp_path, entry_points=True) as app, connect(app, mode=mode) as client:
        listed = (await client.list_resources()).resources
        assert [(r.uri, r.mime_type) for r in listed] == [
            ("test://example-resource", "text/plain"),
            ("test://static-binary", "image/png"),
            ("test://static-text", "text/plain"),
            (WATCHED, "text/plain"),
        ]
        assert all(r.description for r in listed)

        [text] = (await client.read_resource("test://static-text")).contents
        assert isinstance(text, types.TextResourceContents)
        assert (text.uri, text.mime_type, text.text) == ("test://static-text", "text/plain", STATIC_TEXT)

        [blob] = (await client.read_resource("test://static-binary")).contents
        assert isinstance(blob, types.BlobResourceContents) and blob.mime_type == "image/png"
        chunks = png_chunks(base64.b64decode(blob.blob))
        assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
        assert struct.unpack(">II", chunks[0][1][:8]) == (1, 1)
        assert len(zlib.decompress(chunks[1][1])) == 1 + 3  # one row: filter byte + one RGB pixel

        [template] = (await client.list_resource_templates()).resource_templates
        assert template.uri_template == "test://template/{id}/data"
        [data] = (await client.read_resource("test://template/123/data")).contents
        assert isinstance(data, types.TextResourceContents) and data.mime_type == "application/json"
        assert json.loads(data.text) == {"id": "123", "templateTest": True, "data": "Data for ID: 123"}

        ref = types.ResourceTemplateReference(type="ref/resource", uri=template.uri_template)
        assert (await client.complete(ref, {"name": "id", "value": "4"})).completion.values == ["456"]
        wrong = await error_of(client.complete(ref, {"name": "other", "value": ""}))
        assert (wrong.code, wrong.data) == (-32602, {"uri": template.uri_template, "argument": "other"})

        for uri in ("test://nothing", "test://template/../data", "test://template/a%2Fb/data"):
            missing = await error_of(client.read_resource(uri))
            assert (missing.code, missing.data) == (-32602, {"uri": uri}), uri
        bad_cursor = await error_of(client.list_resources(cursor="not-a-cursor"))
        assert bad_cursor.code == -32602


@pytest.mark.parametrize("mode", MODES)
async def test_prompts(tmp_path: Path, mode: Any) -> None:
    async with app_from_toml(TOML, tmp_path, entry_points=True) as app, connect(app, mode=mode) as client:
        listed = {p.name: p for p in (await client.list_prompts()).prompts}
        assert sorted(listed) == [
            "test_prompt_with_arguments",
            "test_prompt_with_embedded_resource",
            "test_prompt_with_image",
            "test_simple_prompt",
        ]
        assert all(p.description for p in listed.values())
        with_arguments = listed["test_prompt_with_arguments"].arguments or []
        assert [(a.name, a.required) for a in with_arguments] == [("arg1", True), ("arg2", True)]

        [simple] = (await client.get_prompt("test_simple_prompt")).messages
        assert isinstance(simple.content, types.TextContent)
        assert (simple.role, simple.content.text) == ("user", "This is a simple prompt for testing.")

        arguments = {"arg1": "hello", "arg2": "world"}
        [filled] = (await client.get_prompt("test_prompt_with_arguments", arguments)).messages
        assert isinstance(filled.content, types.TextContent)
        assert filled.content.text == "Prompt with arguments: arg1='hello', arg2='world'"

        uri = "test://example-resource"
        resource, note = (
            await client.get_prompt("test_prompt_with_embedded_resource", {"resourceUri": uri})
        ).messages
        assert isinstance(resource.content, types.EmbeddedResource)
        assert isinstance(resource.content.resource, types.TextResourceContents)
        assert (resource.content.resource.uri, resource.content.resource.text) == (uri, EXAMPLE_TEXT)
        assert isinstance(note.content, types.TextContent)
        assert note.content.text == "Please process the embedded resource above."

        image, ask = (await client.get_prompt("test_prompt_with_image")).messages
        assert isinstance(image.content, types.ImageContent) and image.content.mime_type == "image/png"
        [(blob_content)] = (await client.read_resource("test://static-binary")).contents
        assert isinstance(blob_content, types.BlobResourceContents)
        assert image.content.data == blob_content.blob
        assert (
            isinstance(ask.content, types.TextContent)
            and ask.content.text == "Please analyze the image above."
        )

        ref = types.PromptReference(type="ref/prompt", name="test_prompt_with_embedded_resource")
        completed = await client.complete(ref, {"name": "resourceUri", "value": "test://static"})
        assert completed.completion.values == ["test://static-binary", "test://static-text"]
        ref = types.PromptReference(type="ref/prompt", name="test_prompt_with_arguments")
        assert (await client.complete(ref, {"name": "arg1", "value": "test"})).completion.values == []

        missing = await error_of(client.get_prompt("test_prompt_with_arguments", {"arg1": "only one"}))
        assert (missing.code, missing.data) == (
            -32602,
            {"prompt": "test_prompt_with_arguments", "argument": "arg2"},
        )
        outside = await error_of(
            client.get_prompt("test_prompt_with_embedded_resource", {"resourceUri": "file:///etc/passwd"})
        )
        assert outside.code == -32602 and outside.data["uri"] == "file:///etc/passwd"


async def test_the_watched_resource_changes_and_both_eras_are_told(tmp_path: Path) -> None:
    async with serve_toml(fast_watch(TOML), tmp_path, entry_points=True) as service:
        seen = Notifications()
        async with connect(service, mode="legacy", message_handler=seen) as client:
            [before] = (await client.read_resource(WATCHED)).contents
            with legacy_api():
                await client.subscribe_resource(WATCHED)
            await seen.wait_updated(WATCHED)
            [after] = (await client.read_resource(WATCHED)).contents
            assert isinstance(before, types.TextResourceContents) and isinstance(
                after, types.TextResourceContents
            )
            assert before.text != after.text and after.text.startswith("Revision ")
        async with connect(service) as client, client.listen(resource_subscriptions=[WATCHED]) as sub:
            with anyio.fail_after(10):
                assert await sub.__anext__() == ResourceUpdated(uri=WATCHED)


async def test_installed_plugin_serves_its_config_over_stdio() -> None:
    async with Client(stdio_server_params(CONFIG), mode="legacy") as client:
        assert client.server_capabilities.resources
        assert client.server_capabilities.resources.subscribe
        image, _ = (await client.get_prompt("test_prompt_with_image")).messages
        assert isinstance(image.content, types.ImageContent)
        assert image.content.mime_type == "image/png"


async def test_its_config_over_http_in_the_era_the_suite_does_not_test() -> None:
    # The official suite speaks 2025-11-25; this is the same server, config and plugin on 2026-07-28.
    async with spawn_http(CONFIG) as server, Client(server.url) as client:
        assert client.protocol_version == "2026-07-28"
        [text] = (await client.read_resource("test://static-text")).contents
        assert isinstance(text, types.TextResourceContents)
        assert text.text == STATIC_TEXT
        image, _ = (await client.get_prompt("test_prompt_with_image")).messages
        assert isinstance(image.content, types.ImageContent)
        async with client.listen(resource_subscriptions=[WATCHED]) as sub:
            with anyio.fail_after(10):  # the config's interval is 1 s
                assert await sub.__anext__() == ResourceUpdated(uri=WATCHED)
