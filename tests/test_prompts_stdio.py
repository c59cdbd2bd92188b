"""Prompts end to end: the server spawned over stdio, the SDK's client, both eras, hot reload."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from conftest import fs_config, make_shop, sqlite_config
from mcp import Client, MCPError
from mcp.client.subscriptions import PromptsListChanged

from mcp_resources.testing import Notifications, stdio_server_params, write_config

pytestmark = pytest.mark.anyio

ASK = """{#---
title = "Ask the docs"
[arguments.question]
[arguments.page]
default = "guide.md"
complete = { from = "template", template = "docs://{+path}", variable = "path" }
---#}
{% include "_style.j2" %}
Question: {{ question }}
{{ resource("docs://" ~ page) }}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "guide.md").write_text("# Guide\nPress the red button.\n")
    (root / "faq.md").write_text("# FAQ\nNo.\n")
    make_shop(tmp_path / "shop.db")
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "ask.md.j2").write_text(ASK)
    (prompts / "_style.j2").write_text("Answer briefly.\n")
    toml = '[prompts]\ndirs = ["prompts"]\n' + fs_config(watch=False) + sqlite_config(watch=False)
    return write_config(toml, tmp_path)


async def use(client: Client) -> None:
    """List, get (with an include and embedded resources of two providers), complete, errors."""
    names = [p.name for p in (await client.list_prompts()).prompts]
    assert "ask" in names and "explain-table" in names
    ask = (await client.get_prompt("ask", {"question": "What now?"})).messages
    assert [m.content.type for m in ask] == ["text", "resource"]
    assert ask[0].content.text == "Answer briefly.\nQuestion: What now?"  # type: ignore[union-attr]
    embedded = ask[1].content.resource  # type: ignore[union-attr]
    assert isinstance(embedded, types.TextResourceContents) and "red button" in embedded.text
    table = (await client.get_prompt("explain-table", {"table": "shop://tables/orders"})).messages
    assert "shop://tables/orders" in table[0].content.text  # type: ignore[union-attr]
    assert table[1].content.resource.uri == "shop://tables/orders"  # type: ignore[union-attr]
    ref = types.PromptReference(type="ref/prompt", name="ask")
    assert (await client.complete(ref, {"name": "page", "value": "f"})).completion.values == ["faq.md"]
    with pytest.raises(MCPError) as caught:
        await client.get_prompt("ask", {"page": "faq.md"})
    assert (caught.value.error.code, caught.value.error.data) == (
        -32602,
        {"prompt": "ask", "argument": "question"},
    )


async def prompt_names(client: Client) -> set[str]:
    return {p.name for p in (await client.list_prompts()).prompts}


async def test_handshake_era_with_hot_reload(config: Path) -> None:
    prompts = config.parent / "prompts"
    seen = Notifications()
    async with Client(stdio_server_params(config), mode="legacy", message_handler=seen) as client:
        assert client.server_capabilities.prompts and client.server_capabilities.prompts.list_changed
        await use(client)
        # Edit: the new text is served and clients are told.
        async with told(seen):
            put((prompts / "ask.md.j2"), ASK.replace("Question:", "Q:"))
        ask = (await client.get_prompt("ask", {"question": "x"})).messages
        assert ask[0].content.text.endswith("Q: x")  # type: ignore[union-attr]
        # Add, break, remove.
        async with told(seen):
            put((prompts / "new.j2"), "brand new")
        assert "new" in await prompt_names(client)
        async with told(seen):
            put((prompts / "new.j2"), "{% if %}")
        assert "new" not in await prompt_names(client) and "ask" in await prompt_names(client)
        async with told(seen):
            (prompts / "ask.md.j2").unlink()
        assert "ask" not in await prompt_names(client)
        # A new subfolder is watched; an edited partial changes the prompts that include it.
        async with told(seen):
            (prompts / "sub").mkdir()
            put((prompts / "sub" / "p.j2"), '{% include "_style.j2" %}')
        async with told(seen):
            put((prompts / "_style.j2"), "Answer at length.\n")
        [message] = (await client.get_prompt("sub/p")).messages
        assert message.content.text == "Answer at length."  # type: ignore[union-attr]
        async with told(seen):
            put((prompts / "sub" / "q.j2"), "in the new folder")
        assert "sub/q" in await prompt_names(client)


def put(path: Path, text: str) -> None:
    """Write `path` in one step, as editors do (never seen empty or half written by the watcher)."""
    watched = next(p for p in path.parents if p.name == "prompts")
    staging = watched.parent / f".{path.name}.tmp"  # outside the watched folder
    staging.write_text(text)
    os.replace(staging, path)


@asynccontextmanager
async def told(seen: Notifications) -> AsyncIterator[None]:
    """Make a change in the block; wait for the `prompts/list_changed` it causes."""
    before = seen.prompt_list_changes()
    yield
    await seen.wait_prompt_list_changes(before + 1)


async def test_2026_era_with_hot_reload(config: Path) -> None:
    prompts = config.parent / "prompts"
    async with Client(stdio_server_params(config)) as client:
        assert client.protocol_version == "2026-07-28"
        await use(client)
        async with client.listen(prompts_list_changed=True) as changes:
            put((prompts / "second.j2"), "two")
            with anyio.fail_after(10):
                assert await changes.__anext__() == PromptsListChanged()
            assert "second" in await prompt_names(client)
            (prompts / "second.j2").unlink()
            with anyio.fail_after(10):
                assert await changes.__anext__() == PromptsListChanged()
            assert "second" not in await prompt_names(client)
