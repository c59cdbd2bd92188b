"""Listing: sorted, keyset-paginated, stable under change, O(page), filtered by policy."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Tree, fs_config
from mcp import Client

from mcp_resources.builtins.filesystem.policy import Policy
from mcp_resources.builtins.filesystem.sandbox import Sandbox
from mcp_resources.builtins.filesystem.scan import FolderCache
from mcp_resources.builtins.filesystem.walk import list_page
from mcp_resources.cursors import encode_cursor
from mcp_resources.testing import app_from_toml, connect

pytestmark = pytest.mark.anyio


async def all_uris(client: Client) -> list[str]:
    uris, cursor = [], None
    while True:
        page = await client.list_resources(cursor=cursor)
        uris += [r.uri for r in page.resources]
        cursor = page.next_cursor
        if cursor is None:
            return uris


def numbered(count: int, width: int = 3) -> dict[str, str]:
    return {f"f{i:0{width}d}.txt": str(i) for i in range(count)}


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_pages_cover_the_tree_in_path_order(tree: Callable[[Tree], Path], mode: str) -> None:
    root = tree({"b": numbered(5), "a": {"z": numbered(3), "y.txt": "y"}, "c.txt": "c", "empty": {}})
    toml = "[server]\npage_size = 4\n" + fs_config()
    async with app_from_toml(toml, root.parent) as app, connect(app, mode=mode) as client:  # type: ignore[arg-type]
        first = await client.list_resources()
        assert len(first.resources) == 4 and first.next_cursor
        uris = await all_uris(client)
    expected = [
        "a/y.txt",
        *(f"a/z/f{i:03d}.txt" for i in range(3)),
        *(f"b/f{i:03d}.txt" for i in range(5)),
        "c.txt",
    ]
    assert uris == [f"docs://{p}" for p in expected]


async def test_resources_carry_name_title_mime_size_and_mtime(tree: Callable[[Tree], Path]) -> None:
    root = tree({"guide": {"intro.md": "# Intro\n"}, "logo": b"\x89PNG\r\n\x1a\n" + b"\x00" * 32})
    os.utime(root / "guide" / "intro.md", (1_700_000_000, 1_700_000_000))
    async with app_from_toml(fs_config(), root.parent) as app, connect(app) as client:
        intro, logo = (await client.list_resources()).resources
    assert (intro.uri, intro.name, intro.title, intro.mime_type, intro.size) == (
        "docs://guide/intro.md",
        "guide/intro.md",
        "intro.md",
        "text/markdown",
        8,
    )
    assert intro.annotations and intro.annotations.last_modified == "2023-11-14T22:13:20Z"
    assert datetime.fromisoformat(intro.annotations.last_modified).year == 2023
    assert (logo.mime_type, logo.size) == ("image/png", 40)


async def test_pages_are_stable_when_files_come_and_go(tree: Callable[[Tree], Path]) -> None:
    root = tree({"d1": numbered(10), "d2": numbered(10), "d3": numbered(10)})
    toml = "[server]\npage_size = 8\n" + fs_config()
    async with app_from_toml(toml, root.parent) as app, connect(app) as client:
        seen: list[str] = []
        page = await client.list_resources()
        seen += [r.uri for r in page.resources]
        # Changes before the cursor, at it and after it.
        (root / "d1" / "f000.txt").unlink()
        (root / "d1" / "f000b.txt").write_text("new, before the cursor")
        (root / "d2" / "f005.txt").unlink()
        (root / "d3" / "new.txt").write_text("new, after the cursor")
        cursor = page.next_cursor
        while cursor:
            page = await client.list_resources(cursor=cursor)
            seen += [r.uri for r in page.resources]
            cursor = page.next_cursor
    assert len(seen) == len(set(seen)), "a file was listed twice"
    survivors = {f"docs://d{d}/f{i:03d}.txt" for d in (1, 2, 3) for i in range(10)} - {
        "docs://d1/f000.txt",
        "docs://d2/f005.txt",
    }
    assert survivors <= set(seen), "a file present all along was skipped"
    assert "docs://d3/new.txt" in seen


async def test_a_cursor_survives_deletion_of_the_folder_it_points_into(tree: Callable[[Tree], Path]) -> None:
    root = tree({"a": numbered(6), "b": numbered(3)})
    toml = "[server]\npage_size = 3\n" + fs_config()
    async with app_from_toml(toml, root.parent) as app:
        page = await app.list_resources()
        for f in (root / "a").iterdir():
            f.unlink()
        (root / "a").rmdir()
        rest = await app.list_resources(page.next_cursor)
    assert [r.uri for r in rest.resources] == [f"docs://b/f{i:03d}.txt" for i in range(3)]


def settle(root: Path) -> None:
    """Give every folder under `root` an old mtime: settled, so the folder cache may keep it."""
    for folder, _, _ in os.walk(root):
        os.utime(folder, (1_700_000_000, 1_700_000_000))


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[object]]:
    """`start()` begins recording every real `os.scandir` call; returns the record."""
    calls: list[object] = []
    real_scandir = os.scandir

    def counting_scandir(path: object) -> object:
        calls.append(path)
        return real_scandir(path)  # type: ignore[arg-type]

    def start() -> list[object]:
        monkeypatch.setattr(os, "scandir", counting_scandir)
        return calls

    return start


async def test_the_first_page_of_a_big_tree_reads_only_the_folders_on_its_way(
    tree: Callable[[Tree], Path], scans: Callable[[], list[object]]
) -> None:
    root = tree(
        {f"dir{d:02d}": {f"sub{s}": numbered(50) for s in range(4)} for d in range(30)}
    )  # 6,000 files
    settle(root)
    async with app_from_toml(fs_config(), root.parent) as app:
        calls = scans()
        page = await app.list_resources()
        first_page_scans = len(calls)
        calls.clear()
        await app.list_resources(page.next_cursor)
        second_page_scans = len(calls)
    assert len(page.resources) == 100
    # Page 1: root, dir00, sub0, sub1, and sub2 to see that more follows: 5 of the tree's 151
    # folders. Page 2 walks back down to dir00/sub1 and reads sub2 from the folder cache,
    # then scans sub3 and peeks into dir01/sub0.
    assert (first_page_scans, second_page_scans) == (5, 3)


async def test_hidden_gitignore_include_exclude_and_depth(tree: Callable[[Tree], Path]) -> None:
    root = tree(
        {
            ".gitignore": "build/\n*.log\n!keep.log\n",
            ".hidden.md": "h",
            "keep.log": "k",
            "drop.log": "d",
            "build": {"out.md": "o"},
            "docs": {".gitignore": "draft*\n", "a.md": "a", "draft1.md": "d", "notes.txt": "n"},
            "deep": {"l2": {"l3": {"l4.md": "deep"}}},
            "tmp": {"x.md": "x"},
        }
    )
    toml = fs_config(include=["*.md", "*.log"], exclude=["tmp/"], max_depth=3)
    async with app_from_toml(toml, root.parent) as app, connect(app) as client:
        uris = await all_uris(client)
    assert uris == ["docs://docs/a.md", "docs://keep.log"]


async def test_gitignore_can_be_switched_off(tree: Callable[[Tree], Path]) -> None:
    root = tree({".gitignore": "*.log\n", "app.log": "x"})
    async with app_from_toml(fs_config(gitignore=False), root.parent) as app, connect(app) as client:
        assert await all_uris(client) == ["docs://app.log"]


async def test_a_page_stops_on_its_scan_budget_and_still_progresses(tree: Callable[[Tree], Path]) -> None:
    root = tree({f"d{i:02d}": {"x.txt": "x"} for i in range(20)})
    sandbox = Sandbox(root)
    policy = Policy(sandbox, hidden=False, include=[], exclude=[], deny=[], gitignore=False)
    try:
        found, after, pages = [], None, 0
        while True:
            page = list_page(sandbox, policy, after, 100, allow_hardlinks=False, max_depth=8, max_scanned=3)
            found += ["/".join(p) for p, _ in page.files]
            pages += 1
            if page.resume_after is None:
                break
            after = page.resume_after
    finally:
        sandbox.close()
    assert found == [f"d{i:02d}/x.txt" for i in range(20)] and pages > 5


async def test_a_tampered_cursor_is_invalid_params(tree: Callable[[Tree], Path]) -> None:
    from mcp import MCPError

    root = tree(numbered(3))
    async with app_from_toml(fs_config(), root.parent) as app, connect(app) as client:
        for cursor in ("garbage", encode_cursor("docs", "../../etc"), encode_cursor("nope", None)):
            with pytest.raises(MCPError) as caught:
                await client.list_resources(cursor=cursor)
            assert caught.value.error.code == -32602 and caught.value.error.message == "Invalid cursor"


async def test_a_big_flat_folder_is_sorted_once_and_rescanned_when_it_changes(
    tree: Callable[[Tree], Path], scans: Callable[[], list[object]]
) -> None:
    root = tree({"flat": numbered(3000, width=4)})
    settle(root)
    async with app_from_toml(fs_config(), root.parent) as app:
        calls = scans()
        uris, cursor, pages = [], None, 0
        while True:
            page = await app.list_resources(cursor)
            uris += [r.uri for r in page.resources]
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break
        assert uris == [f"docs://flat/f{i:04d}.txt" for i in range(3000)]
        # Each folder is scanned once, not once per page.
        assert pages == 30 and len(calls) == 2
        (root / "flat" / "f0000a.txt").write_text("new")
        first = await app.list_resources()
    assert [r.uri for r in first.resources][:2] == ["docs://flat/f0000.txt", "docs://flat/f0000a.txt"]


def test_the_folder_cache_keeps_settled_folders_small_ones_within_a_budget(tmp_path: Path) -> None:
    cache = FolderCache()
    cache.BIG, cache.MAX_BIG, cache.MAX_SMALL_ENTRIES = 4, 1, 5
    folders = {}
    for name in ("a", "b", "c", "recent", "big"):
        (tmp_path / name).mkdir()
        if name != "recent":
            os.utime(tmp_path / name, (1_700_000_000, 1_700_000_000))
        folders[name] = os.stat(tmp_path / name)
    small, big = [("x", "file"), ("y", "file")], [("n", "file")] * 4
    cache.put(folders["big"], big)
    for name in ("a", "b", "c", "recent"):
        cache.put(folders[name], small)
    # a was dropped to keep 5 small entries at most, the big folder stayed;
    # a folder changed within the last second is not kept
    kept = [cache.get(folders[name]) for name in ("a", "b", "c", "recent", "big")]
    assert kept == [None, small, small, None, big]
    os.utime(tmp_path / "b", (1_700_000_001, 1_700_000_001))
    assert cache.get(os.stat(tmp_path / "b")) is None  # changed since: scanned again
    cache.put(folders["a"], big)  # a second big folder: the least recently used one goes
    assert [cache.get(folders[name]) for name in ("a", "big")] == [big, None]


async def test_names_no_uri_can_carry_are_skipped_not_fatal(tree: Callable[[Tree], Path]) -> None:
    root = tree({"ok.txt": "ok", "sp ace ü.txt": "fine"})
    for raw in (b"bad\xff.txt", b"new\nline.txt", b"back\\slash.txt", b"tab\there.txt"):
        os.close(os.open(os.path.join(os.fsencode(root), raw), os.O_WRONLY | os.O_CREAT, 0o644))
    os.mkdir(os.path.join(os.fsencode(root), b"dir\xfe"))
    async with app_from_toml(fs_config(), root.parent) as app, connect(app) as client:
        uris = await all_uris(client)
        [folder] = (await client.read_resource("docs://")).contents
    assert uris == ["docs://ok.txt", "docs://sp%20ace%20%C3%BC.txt"]
    assert "ok.txt" in folder.text and "bad" not in folder.text
