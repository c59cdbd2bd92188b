"""Change events for a filesystem root, from watchfiles, for the folders a client can see.

Each visible folder is watched on its own (not recursively): the kernel is
never asked to follow a symlink out of the root, and hidden, excluded or
ignored folders (`.git/`, `node_modules/`) cost no watches and raise no
events. When folders appear, a new watcher over the new set is started before
the old one stops, so nothing changes unobserved in between.

watchfiles groups the kernel's events into batches: a batch ends once no new
change arrives for `step` ms, or after `debounce` ms of continuous change.
Each batch becomes at most one `ResourceUpdated` per changed file (and per
folder whose entries changed) plus one `ResourcesListChanged` if files came
or went, so a 1,000-file checkout is a handful of messages to a client, while
every subscribed file that changed is still told so, after its last change.
"""

from __future__ import annotations

import logging
import math
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio
import anyio.from_thread
import anyio.to_thread
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectSendStream
from watchfiles import Change

from mcp_resources.builtins.filesystem.sandbox import Refused
from mcp_resources.builtins.filesystem.walk import visible_folders
from mcp_resources.components import ChangeEvent, Publish, ResourcesListChanged, ResourceUpdated
from mcp_resources.doorbell import Stopper
from mcp_resources.folderwatch import Batch, watch_generation
from mcp_resources.uris import addressable, build_uri

if TYPE_CHECKING:
    from mcp_resources.builtins.filesystem.provider import FilesystemProvider

__all__ = ["FolderWatcher"]

log = logging.getLogger(__name__)


@dataclass
class _Interpretation:
    events: list[ChangeEvent] = field(default_factory=list)
    added: set[tuple[str, ...]] = field(default_factory=set)
    removed: set[tuple[str, ...]] = field(default_factory=set)
    rescan: bool = False


class FolderWatcher:
    """Turns watchfiles batches under one provider's root into change events."""

    def __init__(self, provider: FilesystemProvider) -> None:
        self.provider = provider
        self.root = provider.sandbox.real
        self.folders: set[tuple[str, ...]] = set()

    async def run(self, publish: Publish, started: Callable[[], None]) -> None:
        """Watch until cancelled; `started()` once the first watcher is in place."""
        provider = self.provider
        self.folders = await provider.run_sync(self._scan, ())
        send, receive = anyio.create_memory_object_stream[Batch](math.inf)
        async with anyio.create_task_group() as tg, send, receive:
            stop = await self._start_generation(tg, send)
            started()
            async for batch in receive:
                seen = await provider.run_sync(self._interpret, batch)
                if seen.rescan:
                    seen.added |= await provider.run_sync(self._scan, ())
                    seen.removed |= self.folders - seen.added
                new = seen.added - self.folders
                if new or seen.removed & self.folders:
                    self.folders = (self.folders | new) - (seen.removed - seen.added)
                    stop = await self._regenerate(tg, send, stop, new)
                for event in seen.events:
                    await publish(event)
            tg.cancel_scope.cancel()

    async def _regenerate(
        self,
        tg: TaskGroup,
        send: MemoryObjectSendStream[Batch],
        stop: Stopper,
        new: set[tuple[str, ...]],
    ) -> Stopper:
        """Watch the current folders with a new watcher, then stop the old one.

        A folder created inside a new folder before the new watcher was in
        place raised no event: scan the new folders again until nothing new
        turns up, so no folder is left unwatched.
        """
        for _ in range(8):
            previous, stop = stop, await self._start_generation(tg, send)
            previous.set()  # the new watcher is in place: the old one may go
            found: set[tuple[str, ...]] = set()
            for folder in new:
                found |= await self.provider.run_sync(self._scan_if_present, folder)
            new = found - self.folders
            if not new:
                break
            self.folders |= new
        return stop

    def _scan_if_present(self, start: tuple[str, ...]) -> set[tuple[str, ...]]:
        try:
            return self._scan(start)
        except Refused:
            return set()  # gone already: its deletion has its own event

    def _scan(self, start: tuple[str, ...]) -> set[tuple[str, ...]]:
        provider = self.provider
        return visible_folders(provider.sandbox, provider.policy, start, max_depth=provider.config.max_depth)

    async def _start_generation(self, tg: TaskGroup, send: MemoryObjectSendStream[Batch]) -> Stopper:
        """Start a watcher over the current folders; return what stops it."""
        stop = Stopper()
        paths = [self._path(parts) for parts in sorted(self.folders)]
        config = self.provider.config
        await tg.start(
            watch_generation, paths, stop, send.send_nowait, config.watch_step_ms, config.watch_debounce_ms
        )
        return stop

    def _path(self, parts: tuple[str, ...]) -> str:
        return "/".join((self.root, *parts)) if parts else self.root

    # --- batch -> events (runs in the provider's worker thread) --------------------

    def _interpret(self, batch: Batch) -> _Interpretation:
        provider, seen = self.provider, _Interpretation()
        root = self.root + "/"
        by_folder: dict[tuple[str, ...], list[tuple[int, str]]] = {}
        for change, path in batch:
            parts = tuple(path[len(root) :].split("/")) if path.startswith(root) else ()
            # Only changes inside watched (so visible) folders, to names a URI can carry.
            if parts and parts[:-1] in self.folders and all(addressable(name) for name in parts):
                by_folder.setdefault(parts[:-1], []).append((change, parts[-1]))
        updated: set[str] = set()
        listing_changed = False
        for folder, changes in by_folder.items():
            kinds = self._kinds(folder, changes)
            folder_uri = build_uri(provider.prefix, folder, folder=True)
            for (change, name), kind in zip(changes, kinds, strict=True):
                parts = (*folder, name)
                if name == ".gitignore" and provider.config.gitignore:
                    seen.rescan = listing_changed = True  # what is visible may have changed
                elif kind == "folder" and change != Change.modified:  # a folder's own mtime says nothing
                    if change == Change.deleted:
                        seen.removed.update(f for f in self.folders if f[: len(parts)] == parts)
                    else:
                        seen.added |= self._scan_if_present(parts)
                    listing_changed = True
                    updated.add(folder_uri)
                elif kind == "file":
                    listing_changed = listing_changed or change != Change.modified
                    updated.update((build_uri(provider.prefix, parts), folder_uri))
        # The listing change first: a client that sees a later update has seen it.
        seen.events = [ResourcesListChanged()] if listing_changed else []
        seen.events += [ResourceUpdated(uri) for uri in sorted(updated)]
        return seen

    def _kinds(self, folder: tuple[str, ...], changes: list[tuple[int, str]]) -> list[str | None]:
        """For each change in `folder`: 'file' or 'folder' if a client may see it, else `None`."""
        try:
            with self.provider.sandbox.directory(folder) as fd:  # refuses a path through a symlink
                return [self._kind(fd, (*folder, name), change) for change, name in changes]
        except Refused:  # the folder itself is gone: only deletions can still mean something
            return [self._kind(-1, (*folder, name), Change.deleted) for _, name in changes]

    def _kind(self, folder_fd: int, parts: tuple[str, ...], change: int) -> str | None:
        provider = self.provider
        if change == Change.deleted:
            if parts in self.folders:
                return "folder"
            return "file" if provider.policy.file_reason(parts) is None else None
        try:
            st = os.stat(parts[-1], dir_fd=folder_fd, follow_symlinks=False)
        except OSError:
            return None  # gone again
        if stat.S_ISDIR(st.st_mode):
            return "folder" if provider.policy.dir_reason(parts) is None else None
        if stat.S_ISLNK(st.st_mode) and provider.config.follow_symlinks:
            return "file" if _visible_link(provider, parts) else None
        if not stat.S_ISREG(st.st_mode) or provider.policy.file_reason(parts) is not None:
            return None
        return "file" if st.st_nlink == 1 or provider.config.allow_hardlinks else None


def _visible_link(provider: FilesystemProvider, parts: tuple[str, ...]) -> bool:
    try:
        target = provider.sandbox.resolve_link(parts)
        return stat.S_ISREG(provider.sandbox.lstat(target).st_mode) and (
            provider.policy.path_reason(target, is_dir=False) is None
        )
    except Refused:
        return False
