"""Change notifications in both eras, in-process: real files, real watchfiles, the SDK's client."""

from __future__ import annotations

import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import anyio.to_thread
import mcp_types as types
import pytest
from conftest import TEST_PLUGINS, Tree, fs_config
from mcp import MCPDeprecationWarning, MCPError
from mcp.client.subscriptions import ResourcesListChanged, ResourceUpdated

from mcp_resources.server import Service
from mcp_resources.testing import Notifications, connect, serve_toml

pytestmark = pytest.mark.anyio


@contextmanager
def legacy_api() -> Iterator[None]:
    # resources/subscribe is the handshake era's API; the SDK marks it deprecated for 2026-07-28.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        yield


@pytest.fixture
async def service(tree: Callable[[Tree], Path]) -> AsyncIterator[Service]:
    root = tree(
        {
            "a.txt": "a",
            "z.txt": "z",
            "zzz.txt": "marker",
            "sub": {"s.txt": "s"},
            ".env": "S=1",
            "build": {"o.txt": "o"},
        }
    )
    async with serve_toml(fs_config(exclude=["build/"]), root.parent) as service:
        yield service


@pytest.fixture
def root(service: Service, tree: Callable[[Tree], Path]) -> Path:
    return tree({})


async def test_capabilities_say_changes_are_delivered(service: Service) -> None:
    for mode in ("legacy", "auto"):
        async with connect(service, mode=mode) as client:  # type: ignore[arg-type]
            resources = client.server_capabilities.resources
            assert resources and resources.subscribe and resources.list_changed


async def test_legacy_subscribe_modify_create_delete_unsubscribe(service: Service, root: Path) -> None:
    seen = Notifications()
    async with connect(service, mode="legacy", message_handler=seen) as client:
        with legacy_api():
            await client.subscribe_resource("docs://a.txt")
            await client.subscribe_resource("docs://z.txt")
        (root / "a.txt").write_text("a2")
        await seen.wait_updated("docs://a.txt")

        (root / "sub" / "new.txt").write_text("new")
        await seen.wait_list_changed()

        (root / "a.txt").unlink()  # a deleted subscribed file is an update too: reading it now fails
        await seen.wait_for(lambda m: seen.updated("docs://a.txt") == ["docs://a.txt"] * 2)

        with legacy_api():
            await client.unsubscribe_resource("docs://z.txt")
            await client.unsubscribe_resource("docs://z.txt")  # idempotent
            await client.subscribe_resource("docs://zzz.txt")
        (root / "z.txt").write_text("z2")
        (root / "zzz.txt").write_text("marker2")
        # Events go out in URI order, batch by batch: had z.txt's been sent, it would be here already.
        await seen.wait_updated("docs://zzz.txt")
    assert seen.updated("docs://z.txt") == []


async def test_modern_listen_updates_and_list_changes(service: Service, root: Path) -> None:
    async with connect(service) as client:
        assert client.protocol_version == "2026-07-28"
        async with client.listen(resource_subscriptions=["docs://a.txt"], resources_list_changed=True) as sub:
            (root / "a.txt").write_text("a2")
            with anyio.fail_after(10):
                assert await sub.__anext__() == ResourceUpdated(uri="docs://a.txt")
            (root / "created.txt").write_text("x")
            with anyio.fail_after(10):
                assert await sub.__anext__() == ResourcesListChanged()


async def test_spellings_and_windows_of_one_resource_are_all_told(service: Service, root: Path) -> None:
    (root / "my file.txt").write_text("x")
    seen = Notifications()
    async with connect(service, mode="legacy", message_handler=seen) as client:
        with legacy_api():
            await client.subscribe_resource("docs://my file.txt")
            await client.subscribe_resource("docs://my%20file.txt?offset=0&length=10")
        assert service.notifier.subscription_count() == 2
        (root / "my file.txt").write_text("y")
        await seen.wait_for(lambda m: len(seen.updated()) >= 2)
    # A set: the file's creation just above may be announced too, if its batch comes late.
    assert set(seen.updated()) == {"docs://my file.txt", "docs://my%20file.txt?offset=0&length=10"}
    async with connect(service) as client:
        uri = "docs://my%20file.txt?line=1&count=5"
        async with client.listen(resource_subscriptions=[uri]) as sub:
            (root / "my file.txt").write_text("z")
            with anyio.fail_after(10):
                assert await sub.__anext__() == ResourceUpdated(uri=uri)


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("docs://../outside.txt", "'..' path segment"),
        ("docs://missing.txt", "Resource not found"),
        ("docs://.env", "Access denied"),
        ("docs://build/o.txt", "Access denied"),
        ("nowhere://x", "Resource not found"),
    ],
)
async def test_subscriptions_are_validated_like_reads(service: Service, uri: str, message: str) -> None:
    async with connect(service, mode="legacy") as client:
        with legacy_api(), pytest.raises(MCPError) as caught:
            await client.subscribe_resource(uri)
        assert (caught.value.error.code, caught.value.error.data["uri"]) == (-32602, uri)
        assert message in caught.value.error.message
    async with connect(service) as client:
        with pytest.raises(MCPError) as caught:
            async with client.listen(resource_subscriptions=["docs://a.txt", uri]):
                pass
        assert (caught.value.error.code, caught.value.error.data["uri"]) == (-32602, uri)
    assert service.notifier.subscription_count() == 0


async def test_subscriptions_are_deduplicated_capped_and_released(tree: Callable[[Tree], Path]) -> None:
    root = tree({f"f{i}.txt": str(i) for i in range(4)})
    toml = "[server]\nmax_subscriptions = 3\n" + fs_config()
    async with serve_toml(toml, root.parent) as service:
        async with connect(service, mode="legacy") as client:
            with legacy_api():
                for _ in range(2):
                    for i in range(3):
                        await client.subscribe_resource(f"docs://f{i}.txt")
                assert service.notifier.subscription_count() == 3
                with pytest.raises(MCPError, match="Too many subscriptions"):
                    await client.subscribe_resource("docs://f3.txt")
        # The client went away: its subscriptions went with it.
        assert service.notifier.subscription_count() == 0
        async with connect(service) as client, client.listen(resource_subscriptions=["docs://f0.txt"]):
            assert service.notifier.stream_count() == 1
        assert service.notifier.stream_count() == 0
        async with connect(service) as client:
            with pytest.raises(MCPError, match="Too many resource subscriptions"):
                async with client.listen(resource_subscriptions=[f"docs://f{i}.txt" for i in range(4)]):
                    pass


async def test_hidden_excluded_and_secret_files_raise_no_events(service: Service, root: Path) -> None:
    async with connect(service) as client:
        listen = client.listen(resource_subscriptions=["docs://z.txt"], resources_list_changed=True)
        async with listen as sub:
            (root / ".env").write_text("S=2")
            (root / ".hidden_new").write_text("h")
            (root / "build" / "p.txt").write_text("p")
            (root / ".git").mkdir()
            (root / ".git" / "HEAD").write_text("ref")
            (root / "z.txt").write_text("z2")  # the marker: a list change for the others would come first
            with anyio.fail_after(10):
                assert await sub.__anext__() == ResourceUpdated(uri="docs://z.txt")


async def test_a_burst_is_coalesced_and_every_subscribed_change_arrives(tree: Callable[[Tree], Path]) -> None:
    root = tree({"burst": {f"f{i:04d}.txt": "v1" for i in range(300)}})
    async with serve_toml(fs_config(), root.parent) as service:
        seen = Notifications()
        async with connect(service, mode="legacy", message_handler=seen) as client:
            with legacy_api():
                for i in range(300):
                    await client.subscribe_resource(f"docs://burst/f{i:04d}.txt")
            for i in range(300):
                (root / "burst" / f"n{i:04d}.txt").write_text("new")
            for i in range(300):
                (root / "burst" / f"f{i:04d}.txt").write_text("v2")
            await seen.wait_for(lambda m: len(set(seen.updated())) == 300)
        # A batch announces its list change before its updates, so all have arrived by now.
        assert 1 <= seen.list_changes() <= 10  # 300 new files: a handful of list changes, not 300


async def test_a_file_written_a_thousand_times_a_second_is_announced_at_a_bounded_rate(
    service: Service, root: Path
) -> None:
    log = root / "a.txt"

    def write_for_a_while() -> float:
        # Paces the simulated writer (load, not synchronisation): write i is due at i ms.
        start = time.monotonic()
        with log.open("a") as out:
            for i in range(1500):
                time.sleep(max(0.0, start + i / 1000 - time.monotonic()))
                out.write(f"line {i}\n")
                out.flush()
        return time.monotonic()

    seen = Notifications()
    async with connect(service, mode="legacy", message_handler=seen) as client:
        with legacy_api():
            await client.subscribe_resource("docs://a.txt")
        started = time.monotonic()
        finished = await anyio.to_thread.run_sync(write_for_a_while)
        await seen.wait_for(lambda m: max(seen.updated_at("docs://a.txt"), default=0) > finished)
    told = seen.updated_at("docs://a.txt")
    assert len(told) <= 5 + (finished - started) * 15, len(told)  # ~10 a second, not 1,000


async def test_new_folders_are_watched_too(service: Service, root: Path) -> None:
    seen = Notifications()
    async with connect(service, mode="legacy", message_handler=seen) as client:
        (root / "fresh" / "deeper").mkdir(parents=True)
        (root / "fresh" / "deeper" / "f.txt").write_text("1")
        await seen.wait_list_changed()
        with legacy_api():
            await client.subscribe_resource("docs://fresh/deeper/f.txt")
        (root / "fresh" / "deeper" / "f.txt").write_text("2")
        await seen.wait_updated("docs://fresh/deeper/f.txt")


async def test_a_crashing_watcher_is_restarted_and_events_resume(tree: Callable[[Tree], Path]) -> None:
    root = tree({"a.txt": "a"})
    toml = (
        f'[plugins]\ndirs = ["{TEST_PLUGINS}"]\n'
        '[notifiers.tick]\ntype = "interval"\nuri = "docs://a.txt"\nseconds = 0.02\ncrash_after = 3\n'
        + fs_config()
    )
    async with serve_toml(toml, root.parent) as service:
        seen = Notifications()
        async with connect(service, mode="legacy", message_handler=seen) as client:
            with legacy_api():
                await client.subscribe_resource("docs://a.txt")
            await seen.wait_for(lambda m: len(seen.updated()) >= 8)
        state = service.app.watchers["notifiers.tick"]
        assert state.restarts >= 2 and "crashed on purpose" in (state.last_error or "")
        assert service.app.watchers["providers.docs"].restarts == 0  # the others are untouched


async def test_no_watching_means_no_subscribe_capability(tree: Callable[[Tree], Path]) -> None:
    root = tree({"a.txt": "a"})
    async with serve_toml(fs_config(watch=False), root.parent) as service:
        for mode in ("legacy", "auto"):
            async with connect(service, mode=mode) as client:  # type: ignore[arg-type]
                resources = client.server_capabilities.resources
                assert resources and not resources.subscribe and not resources.list_changed
        async with connect(service, mode="legacy") as client:
            with legacy_api(), pytest.raises(MCPError) as caught:
                await client.subscribe_resource("docs://a.txt")
            assert caught.value.error.code == types.METHOD_NOT_FOUND
