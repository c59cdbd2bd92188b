"""The plugin in a real App, driven by the SDK's client in both protocol eras (`mcp_resources.testing`)."""

from __future__ import annotations

import warnings
from pathlib import Path

import mcp_types as types
import pytest
from mcp import MCPDeprecationWarning, MCPError

from mcp_resources.testing import Notifications, app_from_toml, connect, serve_toml

pytestmark = pytest.mark.anyio
MODES = ["legacy", "auto"]  # legacy: the 2025-11-25 handshake Claude Desktop speaks; auto: 2026-07-28

CONFIG = """
[providers.hello]
type = "hello"
greeting = "Hi"
names = ["Grace", "Ada", "Alan Turing"]

[notifiers.beat]
type = "heartbeat"
uris = ["hello://Ada"]
seconds = 0.05
"""


@pytest.mark.parametrize("mode", MODES)
async def test_greetings_are_listed_read_and_completed(tmp_path: Path, mode: str) -> None:
    # entry_points=True: load installed plugins, this one included, as the real server does.
    async with app_from_toml(CONFIG, tmp_path, entry_points=True) as app, connect(app, mode=mode) as client:
        listed = [r.uri for r in (await client.list_resources()).resources]
        assert listed[:3] == ["hello://Ada", "hello://Alan%20Turing", "hello://Grace"]

        [text] = (await client.read_resource("hello://Ada")).contents
        assert isinstance(text, types.TextResourceContents)
        assert (text.text, text.mime_type) == ("Hi, Ada!\n", "text/plain")
        [anyone] = (await client.read_resource("hello://Linus%20T")).contents  # through the template
        assert isinstance(anyone, types.TextResourceContents)
        assert anyone.text == "Hi, Linus T!\n"

        [template] = [
            t for t in (await client.list_resource_templates()).resource_templates if t.name == "greeting"
        ]
        assert template.uri_template == "hello://{name}"
        ref = types.ResourceTemplateReference(type="ref/resource", uri=template.uri_template)
        completion = await client.complete(ref, {"name": "name", "value": "a"})
        assert completion.completion.values == ["Ada", "Alan Turing"]

        for bad in ("hello://a%2Fb", "hello://", "hello://%ff", "hello://x?y=1"):
            with pytest.raises(MCPError) as caught:  # a clear -32602 naming the URI...
                await client.read_resource(bad)
            assert (caught.value.error.code, caught.value.error.data["uri"]) == (-32602, bad)
        assert (await client.read_resource("hello://Grace")).contents  # ...and the server keeps serving


@pytest.mark.parametrize("mode", MODES)
async def test_the_packaged_prompt_renders_with_the_filter(tmp_path: Path, mode: str) -> None:
    async with app_from_toml(CONFIG, tmp_path, entry_points=True) as app, connect(app, mode=mode) as client:
        [welcome] = [p for p in (await client.list_prompts()).prompts if p.name == "welcome"]
        assert welcome.title == "Welcome someone"
        assert [(a.name, a.required) for a in welcome.arguments or []] == [("name", True), ("tone", False)]

        result = await client.get_prompt("welcome", {"name": "Ada", "tone": "formal"})
        [message] = result.messages
        assert isinstance(message.content, types.TextContent)
        assert message.content.text.startswith("Welcome, Ada!\n")
        assert "a formal welcome note" in message.content.text

        ref = types.PromptReference(type="ref/prompt", name="welcome")
        assert (await client.complete(ref, {"name": "tone", "value": "p"})).completion.values == ["playful"]
        with pytest.raises(MCPError) as caught:
            await client.get_prompt("welcome", {"name": "Ada", "tone": "grumpy"})
        assert caught.value.error.code == -32602


@pytest.mark.parametrize("mode", MODES)
async def test_the_heartbeat_reaches_subscribers(tmp_path: Path, mode: str) -> None:
    async with serve_toml(CONFIG, tmp_path, entry_points=True) as service:
        seen = Notifications()
        async with connect(service, mode=mode, message_handler=seen) as client:
            if mode == "legacy":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", MCPDeprecationWarning)
                    await client.subscribe_resource("hello://Ada")
                await seen.wait_updated("hello://Ada")
            else:
                async with client.listen(resource_subscriptions=["hello://Ada"]):
                    await seen.wait_updated("hello://Ada")


async def test_config_mistakes_name_the_key(tmp_path: Path) -> None:
    from mcp_resources import ConfigError

    bad = '[providers.hello]\ntype = "hello"\nnames = ["a/b"]\ngreting = "Yo"\n'
    with pytest.raises(ConfigError) as caught:
        async with app_from_toml(bad, tmp_path, entry_points=True):
            pass
    problems = "\n".join(caught.value.problems)
    assert "providers.hello.names: 'a/b' is not a usable name" in problems
    assert "providers.hello.greting: unknown key; did you mean 'greeting'?" in problems
