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
import time
from collections.abc import Generator
from dataclasses import dataclass

from mcp_resources.builtins.filesystem.policy import Policy
from mcp_resources.builtins.filesystem.sandbox import Refused, Sandbox

__all__ = ["Entry", "Page", "list_page", "scan_folder"]

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


class _Walker:
    def __init__(self, sandbox: Sandbox, policy: Policy, *, allow_hardlinks: bool) -> None:
        self.sandbox = sandbox
        self.policy = policy
        self.allow_hardlinks = allow_hardlinks

    def names(self, fd: int, folder: tuple[str, ...]) -> list[tuple[str, str]]:
        """Visible (name, kind) in the folder open at `fd`, sorted by name; no stat calls."""
        # A fresh open file description: scandir(fd) would share the directory
        # offset with every other thread scanning the same descriptor. Types
        # are read while it is open (d_type, or an fstatat relative to it).
        scan_fd = os.open(".", _DIR_FLAGS, dir_fd=fd)
        try:
            with os.scandir(scan_fd) as it:
                typed = [(entry.name, _kind(entry)) for entry in it]
        finally:
            os.close(scan_fd)
        found = []
        for name, kind in typed:
            if kind is None:
                continue  # FIFOs, sockets, devices: never listed, never opened
            path = (*folder, name)
            hidden = self.policy.dir_reason(path) if kind == _DIR else self.policy.file_reason(path)
            if hidden is None:
                found.append((name, kind))
        found.sort()
        return found

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
    sandbox: Sandbox, policy: Policy, parts: tuple[str, ...], *, allow_hardlinks: bool
) -> list[Entry]:
    """The visible files and folders directly in folder `parts`, sorted by name."""
    walker = _Walker(sandbox, policy, allow_hardlinks=allow_hardlinks)
    entries = []
    with sandbox.directory(parts) as fd:
        for name, kind in walker.names(fd, parts):
            if kind == _DIR:
                entries.append(Entry(name, True, None))
            elif (st := walker.file_stat(fd, parts, name, kind)) is not None:
                entries.append(Entry(name, False, st))
    return entries


def list_page(
    sandbox: Sandbox,
    policy: Policy,
    after: tuple[str, ...] | None,
    limit: int,
    *,
    allow_hardlinks: bool,
    max_depth: int,
    max_scanned: int = 50_000,
    budget_s: float = 2.0,
) -> Page:
    """Up to `limit` visible files after the path `after`, in path order."""
    walker = _Walker(sandbox, policy, allow_hardlinks=allow_hardlinks)
    files: list[tuple[tuple[str, ...], os.stat_result]] = []
    deadline = time.monotonic() + budget_s
    scanned = 0
    last = after

    def walk(fd: int, folder: tuple[str, ...], resume: tuple[str, ...]) -> Generator[None, None, None]:
        nonlocal scanned, last
        entries = walker.names(fd, folder)
        start = 0
        if resume:
            start = bisect.bisect_left(entries, (resume[0],))
            inside = len(resume) > 1 and start < len(entries) and entries[start] == (resume[0], _DIR)
            if inside:
                yield from descend(fd, folder, resume[0], resume[1:])
                start += 1
            else:
                start = bisect.bisect_right(entries, (resume[0], "\uffff"))
        for name, kind in entries[start:]:
            scanned += 1
            # Stop early only after progress, or a huge folder would return the same cursor forever.
            if (scanned > max_scanned or time.monotonic() > deadline) and last != after:
                raise _OutOfBudget
            path = (*folder, name)
            if kind == _DIR:
                if len(path) < max_depth:
                    yield from descend(fd, folder, name, ())
            elif (st := walker.file_stat(fd, folder, name, kind)) is not None:
                files.append((path, st))
                last = path
                yield None
            last = path

    def descend(
        fd: int, folder: tuple[str, ...], name: str, resume: tuple[str, ...]
    ) -> Generator[None, None, None]:
        try:
            child = os.open(name, _DIR_FLAGS, dir_fd=fd)
        except OSError:
            return  # vanished or replaced by a link since the scan
        try:
            yield from walk(child, (*folder, name), resume)
        finally:
            os.close(child)

    # Walk one file past the page, so the last page says it is the last.
    pages = walk(sandbox.fd, (), after or ())
    try:
        for _ in pages:
            if len(files) > limit:
                del files[limit:]
                return Page(files, files[-1][0])
    except _OutOfBudget:
        if len(files) > limit:
            del files[limit:]
            return Page(files, files[-1][0])
        return Page(files, last)
    finally:
        pages.close()
    return Page(files, None)
