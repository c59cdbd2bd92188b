"""What the filesystem watcher watches, and which events a batch of changes becomes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from conftest import Tree, fs_config
from watchfiles import Change

from mcp_resources.builtins.filesystem.watch import FolderWatcher
from mcp_resources.components import ResourcesListChanged, ResourceUpdated
from mcp_resources.folderwatch import watch_error
from mcp_resources.testing import app_from_toml

pytestmark = pytest.mark.anyio

LAYOUT: Tree = {
    "a.txt": "a",
    "docs": {"guide.md": "g", "deep": {"x.md": "x"}},
    ".git": {"HEAD": "ref"},
    "node_modules": {"lib": {"i.js": "i"}},
    ".env": "S=1",
    "keys": {"server.pem": "k"},
}


Factory = Callable[..., Awaitable[FolderWatcher]]


@pytest.fixture
async def watcher_for(tree: Callable[[Tree], Path]) -> AsyncIterator[Factory]:
    """`await watcher_for(**options)`: a watcher over the LAYOUT root, its folders scanned."""
    root = tree(LAYOUT)
    async with AsyncExitStack() as stack:

        async def make(**options: Any) -> FolderWatcher:
            toml = fs_config(exclude=["node_modules/"], **options)
            app = await stack.enter_async_context(app_from_toml(toml, root.parent))
            watcher = FolderWatcher(app.providers[0])
            watcher.folders = watcher._scan(())
            return watcher

        yield make


async def test_only_visible_folders_are_watched(
    tree: Callable[[Tree], Path], tmp_path: Path, watcher_for: Factory
) -> None:
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", tree({}) / "linked")  # never watched, even when links are followed
    for follow in (False, True):
        watcher = await watcher_for(follow_symlinks=follow)
        assert watcher.folders == {(), ("docs",), ("docs", "deep"), ("keys",)}


async def test_a_batch_becomes_one_list_change_and_one_update_per_uri(
    tree: Callable[[Tree], Path], watcher_for: Factory
) -> None:
    root = tree({})
    (root / "docs" / "new.md").write_text("n")
    watcher = await watcher_for()
    r = str(root)
    seen = watcher._interpret(
        {
            (Change.modified, f"{r}/a.txt"),
            (Change.added, f"{r}/docs/new.md"),
            (Change.modified, f"{r}/docs/new.md"),
            (Change.deleted, f"{r}/docs/gone.md"),
            (Change.modified, f"{r}/.env"),  # hidden and secret
            (Change.added, f"{r}/.git/HEAD"),  # hidden folder
            (Change.modified, f"{r}/node_modules/lib/i.js"),  # excluded
            (Change.modified, f"{r}/keys/server.pem"),  # secret
            (Change.modified, f"{r}/docs"),  # a folder's own mtime
            (Change.modified, "/elsewhere/file.txt"),  # outside the root
            (Change.added, f"{r}/docs/vanished.md"),  # created and gone again
        }
    )
    assert seen.events == [
        ResourcesListChanged(),
        ResourceUpdated("docs://"),
        ResourceUpdated("docs://a.txt"),
        ResourceUpdated("docs://docs/"),
        ResourceUpdated("docs://docs/gone.md"),
        ResourceUpdated("docs://docs/new.md"),
    ]


async def test_modifications_alone_change_no_listing(
    tree: Callable[[Tree], Path], watcher_for: Factory
) -> None:
    watcher = await watcher_for()
    seen = watcher._interpret({(Change.modified, f"{tree({})}/docs/guide.md")})
    assert seen.events == [ResourceUpdated("docs://docs/"), ResourceUpdated("docs://docs/guide.md")]


async def test_folders_coming_and_going_update_the_watched_set(
    tree: Callable[[Tree], Path], watcher_for: Factory
) -> None:
    root = tree({})
    watcher = await watcher_for()
    (root / "fresh" / "inner").mkdir(parents=True)
    (root / "node_modules" / "more").mkdir()
    added = watcher._interpret({(Change.added, f"{root}/fresh"), (Change.added, f"{root}/node_modules/more")})
    removed = watcher._interpret({(Change.deleted, f"{root}/docs")})
    assert added.added == {("fresh",), ("fresh", "inner")}
    assert added.events == [ResourcesListChanged(), ResourceUpdated("docs://")]
    assert removed.removed == {("docs",), ("docs", "deep")}


async def test_a_changed_gitignore_rescans(tree: Callable[[Tree], Path], watcher_for: Factory) -> None:
    watcher = await watcher_for()
    seen = watcher._interpret({(Change.modified, f"{tree({})}/.gitignore")})
    assert seen.rescan and seen.events == [ResourcesListChanged()]


async def test_links_are_announced_only_when_followed_and_inside(
    tree: Callable[[Tree], Path], tmp_path: Path, watcher_for: Factory
) -> None:
    root = tree({})
    (tmp_path / "outside.txt").write_text("o")
    os.symlink("a.txt", root / "inside_link")
    os.symlink(tmp_path / "outside.txt", root / "outside_link")
    batch = {(Change.modified, f"{root}/inside_link"), (Change.modified, f"{root}/outside_link")}
    followed = [ResourceUpdated("docs://"), ResourceUpdated("docs://inside_link")]
    for follow, expected in ((False, []), (True, followed)):
        watcher = await watcher_for(follow_symlinks=follow)
        assert watcher._interpret(batch).events == expected


def test_the_os_watch_limit_gets_a_message_that_says_what_to_do() -> None:
    raw = OSError('OS file watch limit reached. about ["/srv/x"] (Io(Os { code: 28 }) (os error 28))')
    message = str(watch_error(raw, 9000))
    assert (
        "9000 folders" in message and "fs.inotify.max_user_watches" in message and "watch = false" in message
    )
    other = OSError("something else")
    assert watch_error(other, 1) is other
