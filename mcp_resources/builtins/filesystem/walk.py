"""Sorted, keyset-paginated traversal of the visible files under a root (FS-4).

Files are ordered by their path as a tuple of components, folder by folder.
A cursor is the last path visited, so resuming walks straight down the
cursor's folders (listing only those) and continues after it: a page costs
the folders on the way plus the page itself, never the whole tree, and files
added or removed elsewhere do not shift later pages. Each page also stops
after a number of scanned entries or a time budget, returning what it has and
a cursor, so a tree of hidden or excluded files cannot stall a request.
Only entries a page returns are `stat`ed.
"""

from __future__ import annotations

import bisect
import os
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Generator
from dataclasses import dataclass

from mcp_resources.builtins.filesystem.policy import Policy
from mcp_resources.builtins.filesystem.sandbox import Refused, Sandbox
from mcp_resources.uris import addressable

__all__ = ["Entry", "FolderCache", "Page", "list_page", "scan_folder", "visible_folders"]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_DIR, _FILE, _LINK = "dir", "file", "link"


@dataclass(frozen=True, slots=True)
class Entry:
    """A visible regular file or folder; `stat` is `None` for folders."""

    name: str
    is_dir: bool
    stat: os.stat_result | None


@dataclass(frozen=True, slots=True)
class Page:
    """Files of one page (path, stat) and the path to resume after (`None`: done)."""

    files: list[tuple[tuple[str, ...], os.stat_result]]
    resume_after: tuple[str, ...] | None


class _OutOfBudget(Exception):
    """The page scanned as much as it may."""


def _kind(entry: os.DirEntry[str]) -> str | None:
    try:
        if entry.is_dir(follow_symlinks=False):
            return _DIR
        if entry.is_symlink():
            return _LINK
        if entry.is_file(follow_symlinks=False):
            return _FILE
    except OSError:
        pass
    return None


class FolderCache:
    """Sorted entries of big folders, reused while the folder's mtime is unchanged.

    Sorting a folder of 100,000 names costs tens of milliseconds; every page
    of a listing inside it would pay that again. Only folders whose mtime is
    over a second old are kept, so an entry added within the filesystem's
    timestamp granularity is never missed.
    """

    MIN_ENTRIES = 2000
    MAX_FOLDERS = 32
    SETTLED_NS = 1_000_000_000

    def __init__(self) -> None:
        self._folders: OrderedDict[tuple[int, int], tuple[int, list[tuple[str, str]]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, st: os.stat_result) -> list[tuple[str, str]] | None:
        """The cached entries of the folder `st` describes, if still current."""
        with self._lock:
            hit = self._folders.get((st.st_dev, st.st_ino))
            if hit is None or hit[0] != st.st_mtime_ns:
                return None
            self._folders.move_to_end((st.st_dev, st.st_ino))
            return hit[1]

    def put(self, st: os.stat_result, entries: list[tuple[str, str]]) -> None:
        """Remember a big, settled folder's sorted entries."""
        if len(entries) < self.MIN_ENTRIES or time.time_ns() - st.st_mtime_ns < self.SETTLED_NS:
            return
        with self._lock:
            self._folders[st.st_dev, st.st_ino] = (st.st_mtime_ns, entries)
            while len(self._folders) > self.MAX_FOLDERS:
                self._folders.popitem(last=False)


class _Walker:
    def __init__(
        self, sandbox: Sandbox, policy: Policy, cache: FolderCache | None, *, allow_hardlinks: bool
    ) -> None:
        self.sandbox = sandbox
        self.policy = policy
        self.cache = cache
        self.allow_hardlinks = allow_hardlinks

    def typed(self, fd: int) -> list[tuple[str, str]]:
        """(name, kind) of the files, links and folders in the folder open at `fd`, sorted."""
        st = os.fstat(fd)
        if self.cache is not None and (hit := self.cache.get(st)) is not None:
            return hit
        # A fresh open file description: scandir(fd) would share the directory
        # offset with every other thread scanning the same descriptor. Types
        # are read while it is open (d_type, or an fstatat relative to it).
        scan_fd = os.open(".", _DIR_FLAGS, dir_fd=fd)
        try:
            with os.scandir(scan_fd) as it:
                typed = [
                    (entry.name, kind)
                    for entry in it
                    if addressable(entry.name) and (kind := _kind(entry)) is not None
                ]
        finally:
            os.close(scan_fd)
        # Gone already: FIFOs, sockets and devices (never listed, never opened) and
        # names no URI can carry (not UTF-8, control characters, backslashes).
        typed.sort()
        if self.cache is not None:
            self.cache.put(st, typed)
        return typed

    def visible(self, path: tuple[str, ...], kind: str) -> bool:
        """Whether policy lets a client see `path` (a folder or a file)."""
        return (self.policy.dir_reason(path) if kind == _DIR else self.policy.file_reason(path)) is None

    def file_stat(self, fd: int, folder: tuple[str, ...], name: str, kind: str) -> os.stat_result | None:
        """Stat of a servable file (a followed link's target), else `None`."""
        try:
            if kind == _LINK:
                return self._link_target((*folder, name))
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except (OSError, Refused):
            return None  # vanished or unreadable while scanning
        if not stat.S_ISREG(st.st_mode) or (st.st_nlink > 1 and not self.allow_hardlinks):
            return None
        return st

    def _link_target(self, path: tuple[str, ...]) -> os.stat_result | None:
        # Links to folders are not walked: that is how loops and duplicates are avoided.
        if not self.sandbox.follow_symlinks:
            return None
        target = self.sandbox.resolve_link(path)
        if self.policy.path_reason(target, is_dir=False) is not None:
            return None
        st = self.sandbox.lstat(target)
        if not stat.S_ISREG(st.st_mode) or (st.st_nlink > 1 and not self.allow_hardlinks):
            return None
        return st


def scan_folder(
    sandbox: Sandbox,
    policy: Policy,
    parts: tuple[str, ...],
    *,
    allow_hardlinks: bool,
    cache: FolderCache | None = None,
) -> list[Entry]:
    """The visible files and folders directly in folder `parts`, sorted by name."""
    walker = _Walker(sandbox, policy, cache, allow_hardlinks=allow_hardlinks)
    entries = []
    with sandbox.directory(parts) as fd:
        for name, kind in walker.typed(fd):
            if not walker.visible((*parts, name), kind):
                continue
            if kind == _DIR:
                entries.append(Entry(name, True, None))
            elif (st := walker.file_stat(fd, parts, name, kind)) is not None:
                entries.append(Entry(name, False, st))
    return entries


class _Pager:
    """One page of the keyset walk; see the module docstring."""

    def __init__(
        self,
        walker: _Walker,
        after: tuple[str, ...] | None,
        max_depth: int,
        max_scanned: int,
        budget_s: float,
    ):
        self.walker = walker
        self.after = after
        self.last = after
        self.max_depth = max_depth
        self.max_scanned = max_scanned
        self.deadline = time.monotonic() + budget_s
        self.scanned = 0
        self.files: list[tuple[tuple[str, ...], os.stat_result]] = []

    def walk(self, fd: int, folder: tuple[str, ...], resume: tuple[str, ...]) -> Generator[None, None, None]:
        """Yield once per file appended to `files`, in path order after `resume`."""
        entries = self.walker.typed(fd)
        start = 0
        if resume:
            start = bisect.bisect_left(entries, (resume[0],))
            inside = (
                len(resume) > 1
                and start < len(entries)
                and entries[start] == (resume[0], _DIR)
                and self.walker.visible((*folder, resume[0]), _DIR)
            )
            if inside:
                yield from self.descend(fd, folder, resume[0], resume[1:])
                start += 1
            else:
                start = bisect.bisect_right(entries, (resume[0], "\uffff"))
        for index in range(start, len(entries)):  # no slice: cached folders can be huge
            name, kind = entries[index]
            self.scanned += 1
            # Stop early only after progress, or a huge folder would return the same cursor forever.
            if (
                self.scanned > self.max_scanned or time.monotonic() > self.deadline
            ) and self.last != self.after:
                raise _OutOfBudget
            path = (*folder, name)
            if not self.walker.visible(path, kind):
                pass
            elif kind == _DIR:
                if len(path) < self.max_depth:
                    yield from self.descend(fd, folder, name, ())
            elif (st := self.walker.file_stat(fd, folder, name, kind)) is not None:
                self.files.append((path, st))
                self.last = path
                yield None
            self.last = path

    def descend(
        self, fd: int, folder: tuple[str, ...], name: str, resume: tuple[str, ...]
    ) -> Generator[None, None, None]:
        """Walk the subfolder `name` of the folder open at `fd`."""
        try:
            child = os.open(name, _DIR_FLAGS, dir_fd=fd)
        except OSError:
            return  # vanished or replaced by a link since the scan
        try:
            yield from self.walk(child, (*folder, name), resume)
        finally:
            os.close(child)


def visible_folders(
    sandbox: Sandbox,
    policy: Policy,
    start: tuple[str, ...] = (),
    *,
    max_depth: int,
    cache: FolderCache | None = None,
) -> set[tuple[str, ...]]:
    """`start` and every visible folder below it (what the watcher watches)."""
    walker = _Walker(sandbox, policy, cache, allow_hardlinks=False)
    found: set[tuple[str, ...]] = set()

    def visit(fd: int, folder: tuple[str, ...]) -> None:
        found.add(folder)
        if len(folder) >= max_depth - 1:
            return
        for name, kind in walker.typed(fd):
            path = (*folder, name)
            if kind != _DIR or not walker.visible(path, kind):
                continue
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError:
                continue  # vanished, or replaced by a link, since the scan
            try:
                visit(child, path)
            finally:
                os.close(child)

    with sandbox.directory(start) as fd:
        visit(fd, start)
    return found


def list_page(
    sandbox: Sandbox,
    policy: Policy,
    after: tuple[str, ...] | None,
    limit: int,
    *,
    allow_hardlinks: bool,
    max_depth: int,
    cache: FolderCache | None = None,
    max_scanned: int = 50_000,
    budget_s: float = 2.0,
) -> Page:
    """Up to `limit` visible files after the path `after`, in path order."""
    walker = _Walker(sandbox, policy, cache, allow_hardlinks=allow_hardlinks)
    pager = _Pager(walker, after, max_depth, max_scanned, budget_s)
    files = pager.files
    # Walk one file past the page, so the last page says it is the last.
    steps = pager.walk(sandbox.fd, (), after or ())
    try:
        for _ in steps:
            if len(files) > limit:
                del files[limit:]
                return Page(files, files[-1][0])
    except _OutOfBudget:
        if len(files) > limit:
            del files[limit:]
            return Page(files, files[-1][0])
        return Page(files, pager.last)
    finally:
        steps.close()
    return Page(files, None)
