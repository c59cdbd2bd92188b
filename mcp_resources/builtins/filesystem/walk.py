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
import time
from collections.abc import Generator
from dataclasses import dataclass

from mcp_resources.builtins.filesystem.policy import Policy
from mcp_resources.builtins.filesystem.sandbox import Sandbox
from mcp_resources.builtins.filesystem.scan import DIR, DIR_FLAGS, FolderCache, Walker

__all__ = ["Entry", "Page", "list_page", "scan_folder", "visible_folders"]


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


def scan_folder(
    sandbox: Sandbox,
    policy: Policy,
    parts: tuple[str, ...],
    *,
    allow_hardlinks: bool,
    cache: FolderCache | None = None,
) -> list[Entry]:
    """The visible files and folders directly in folder `parts`, sorted by name."""
    walker = Walker(sandbox, policy, cache, allow_hardlinks=allow_hardlinks)
    entries = []
    with sandbox.directory(parts) as fd:
        for name, kind in walker.typed(fd):
            if not walker.visible((*parts, name), kind):
                continue
            if kind == DIR:
                entries.append(Entry(name, True, None))
            elif (st := walker.file_stat(fd, parts, name, kind)) is not None:
                entries.append(Entry(name, False, st))
    return entries


class _Pager:
    """One page of the keyset walk; see the module docstring."""

    def __init__(
        self,
        walker: Walker,
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
                and entries[start] == (resume[0], DIR)
                and self.walker.visible((*folder, resume[0]), DIR)
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
            elif kind == DIR:
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
            child = os.open(name, DIR_FLAGS, dir_fd=fd)
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
    walker = Walker(sandbox, policy, cache, allow_hardlinks=False)
    found: set[tuple[str, ...]] = set()

    def visit(fd: int, folder: tuple[str, ...]) -> None:
        found.add(folder)
        if len(folder) >= max_depth - 1:
            return
        for name, kind in walker.typed(fd):
            path = (*folder, name)
            if kind != DIR or not walker.visible(path, kind):
                continue
            try:
                child = os.open(name, DIR_FLAGS, dir_fd=fd)
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
    walker = Walker(sandbox, policy, cache, allow_hardlinks=allow_hardlinks)
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
