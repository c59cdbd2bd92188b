"""End to end over stdio, both eras: real files change, real notifications arrive."""

from __future__ import annotations

import warnings
from pathlib import Path

import anyio
import pytest
from conftest import TEST_PLUGINS, make_tree
from mcp import Client, MCPDeprecationWarning
from mcp.client.subscriptions import ResourcesListChanged, ResourceUpdated

from mcp_resources.testing import Notifications, stdio_server_params, write_config

pytestmark = pytest.mark.anyio


@pytest.fixture
def config(tmp_path: Path) -> Path:
    make_tree(tmp_path / "root", {"a.txt": "a1", "b.txt": "b1", "zz.txt": "marker", "sub": {"c.txt": "c1"}})
    return write_config(
        f'[plugins]\ndirs = ["{TEST_PLUGINS}"]\n'
        '[providers.docs]\ntype = "filesystem"\nroot = "root"\n'
        '[notifiers.tick]\ntype = "interval"\nuri = "docs://sub/c.txt"\nseconds = 0.05\ncrash_after = 3\n',
        tmp_path,
    )


async def test_handshake_era(config: Path) -> None:
    root = config.parent / "root"
    seen = Notifications()
    async with Client(stdio_server_params(config), mode="legacy", message_handler=seen) as client:
        caps = client.server_capabilities.resources
        assert caps and caps.subscribe and caps.list_changed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await client.subscribe_resource("docs://a.txt")
            await client.subscribe_resource("docs://b.txt")
            await client.subscribe_resource("docs://zz.txt")

            (root / "a.txt").write_text("a2")
            await seen.wait_updated("docs://a.txt")

            (root / "new.txt").write_text("n")
            await seen.wait_list_changed()
            changes = seen.list_changes()
            (root / "new.txt").unlink()
            await seen.wait_for(lambda m: seen.list_changes() > changes)

            await client.unsubscribe_resource("docs://b.txt")
            (root / "b.txt").write_text("b2")
            (root / "zz.txt").write_text("marker2")  # sent after b.txt's would have been
            await seen.wait_updated("docs://zz.txt")
            assert seen.updated("docs://b.txt") == []

            # The interval notifier crashes after 3 events; the App restarts it and they resume.
            await client.subscribe_resource("docs://sub/c.txt")
            await seen.wait_for(lambda m: len(seen.updated("docs://sub/c.txt")) >= 7)


async def test_2026_era(config: Path) -> None:
    root = config.parent / "root"
    async with Client(stdio_server_params(config)) as client:
        assert client.protocol_version == "2026-07-28"
        caps = client.server_capabilities.resources
        assert caps and caps.subscribe and caps.list_changed
        async with client.listen(
            resource_subscriptions=["docs://a.txt", "docs://zz.txt"], resources_list_changed=True
        ) as sub:
            (root / "a.txt").write_text("a2")
            with anyio.fail_after(10):
                assert await sub.__anext__() == ResourceUpdated(uri="docs://a.txt")
            (root / "new.txt").write_text("n")
            with anyio.fail_after(10):
                assert await sub.__anext__() == ResourcesListChanged()
            (root / "new.txt").unlink()
            with anyio.fail_after(10):
                assert await sub.__anext__() == ResourcesListChanged()
        # After the stream ends nothing more is sent for a.txt; a new stream sees only its own.
        tick, marker = ResourceUpdated(uri="docs://sub/c.txt"), ResourceUpdated(uri="docs://zz.txt")
        async with client.listen(resource_subscriptions=["docs://zz.txt", "docs://sub/c.txt"]) as sub:
            (root / "a.txt").write_text("a3")
            (root / "zz.txt").write_text("marker2")
            events = []
            with anyio.fail_after(15):
                # The interval notifier crashes every 3 ticks; 7 ticks span two restarts.
                while events.count(tick) < 7 or marker not in events:
                    events.append(await sub.__anext__())
        assert ResourceUpdated(uri="docs://a.txt") not in events
