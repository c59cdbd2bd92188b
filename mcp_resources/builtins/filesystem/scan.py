"""Reading folders under the root: sorted entries, visibility, the stat of servable files.

Shared by listing, folder reads, completion and the watcher. A folder is read
through a fresh descriptor (never a shared one) and never `stat`s an entry
until asked, so a page touches only what it returns.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections import OrderedDict

from mcp_resources.builtins.filesystem.policy import Policy
from mcp_resources.builtins.filesystem.sandbox import Refused, Sandbox
from mcp_resources.uris import addressable

__all__ = ["DIR", "DIR_FLAGS", "FolderCache", "Walker"]

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
DIR, FILE, LINK = "dir", "file", "link"


def _kind(entry: os.DirEntry[str]) -> str | None:
    try:
        if entry.is_dir(follow_symlinks=False):
            return DIR
        if entry.is_symlink():
            return LINK
        if entry.is_file(follow_symlinks=False):
            return FILE
    except OSError:
        pass
    return None


class FolderCache:
    """Sorted entries of folders, reused while the folder's mtime is unchanged.

    Sorting a folder of 100,000 names costs tens of milliseconds, and every page
    of a keyset listing scans again the folders on its way (a third of the cost
    of listing a tree of small folders); either would be paid again per page.
    The `MAX_BIG` most recently used big folders are kept, and small ones up to
    `MAX_SMALL_ENTRIES` entries in all, so small folders never push out a big
    one. Only folders whose mtime is over two seconds old are kept, so an entry
    added within the filesystem's timestamp granularity (two seconds on FAT) is
    never missed.
    """

    BIG = 2000
    MAX_BIG = 32
    MAX_SMALL_ENTRIES = 100_000
    SETTLED_NS = 2_000_000_000

    def __init__(self) -> None:
        self._big: OrderedDict[tuple[int, int], tuple[int, list[tuple[str, str]]]] = OrderedDict()
        self._small: OrderedDict[tuple[int, int], tuple[int, list[tuple[str, str]]]] = OrderedDict()
        self._small_entries = 0
        self._lock = threading.Lock()

    def get(self, st: os.stat_result) -> list[tuple[str, str]] | None:
        """The cached entries of the folder `st` describes, if still current."""
        key = (st.st_dev, st.st_ino)
        with self._lock:
            for folders in (self._small, self._big):
                hit = folders.get(key)
                if hit is not None and hit[0] == st.st_mtime_ns:
                    folders.move_to_end(key)
                    return hit[1]
        return None

    def put(self, st: os.stat_result, entries: list[tuple[str, str]]) -> None:
        """Remember a settled folder's sorted entries."""
        if time.time_ns() - st.st_mtime_ns < self.SETTLED_NS:
            return
        key = (st.st_dev, st.st_ino)
        with self._lock:
            self._big.pop(key, None)
            if (old := self._small.pop(key, None)) is not None:
                self._small_entries -= len(old[1])
            if len(entries) >= self.BIG:
                self._big[key] = (st.st_mtime_ns, entries)
                while len(self._big) > self.MAX_BIG:
                    self._big.popitem(last=False)
                return
            self._small[key] = (st.st_mtime_ns, entries)
            self._small_entries += len(entries)
            while self._small_entries > self.MAX_SMALL_ENTRIES:
                _, (_, dropped) = self._small.popitem(last=False)
                self._small_entries -= len(dropped)


class Walker:
    """Reads folders for one listing, folder read or scan."""

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
        scan_fd = os.open(".", DIR_FLAGS, dir_fd=fd)
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
        return (self.policy.dir_reason(path) if kind == DIR else self.policy.file_reason(path)) is None

    def file_stat(self, fd: int, folder: tuple[str, ...], name: str, kind: str) -> os.stat_result | None:
        """Stat of a servable file (a followed link's target), else `None`."""
        try:
            if kind == LINK:
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
