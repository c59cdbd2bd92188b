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

import functools
import logging
import math
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
import anyio.to_thread
from anyio.abc import TaskGroup, TaskStatus
from anyio.streams.memory import MemoryObjectSendStream
from watchfiles import Change
from watchfiles._rust_notify import RustNotify

from mcp_resources.builtins.filesystem.sandbox import Refused
from mcp_resources.builtins.filesystem.walk import visible_folders
from mcp_resources.components import ChangeEvent, Publish, ResourcesListChanged, ResourceUpdated
from mcp_resources.uris import addressable, build_uri

if TYPE_CHECKING:
    from mcp_resources.builtins.filesystem.provider import FilesystemProvider

__all__ = ["FolderWatcher"]

log = logging.getLogger(__name__)
Batch = set[tuple[int, str]]
_TIMEOUT_MS = 5000  # how often an idle watcher thread checks that it should stop


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
        stop: threading.Event,
        new: set[tuple[str, ...]],
    ) -> threading.Event:
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

    async def _start_generation(self, tg: TaskGroup, send: MemoryObjectSendStream[Batch]) -> threading.Event:
        """Start a watcher over the current folders; return what stops it."""
        stop = threading.Event()
        paths = [self._path(parts) for parts in sorted(self.folders)]
        await tg.start(self._generation, paths, stop, send)
        return stop

    def _path(self, parts: tuple[str, ...]) -> str:
        return "/".join((self.root, *parts)) if parts else self.root

    async def _generation(
        self,
        paths: list[str],
        stop: threading.Event,
        send: MemoryObjectSendStream[Batch],
        *,
        task_status: TaskStatus[None],
    ) -> None:
        """Run one watcher thread until `stop` is set; started once its watches exist."""
        ready = anyio.Event()
        config = self.provider.config
        thread = functools.partial(
            _watch_thread,
            paths,
            stop,
            config.watch_step_ms,
            config.watch_debounce_ms,
            send.send_nowait,
            ready.set,
        )
        try:
            async with anyio.create_task_group() as tg:
                # Abandoned on cancel: the thread sees `stop` within one step and exits.
                tg.start_soon(functools.partial(anyio.to_thread.run_sync, thread, abandon_on_cancel=True))
                await ready.wait()
                task_status.started()
        finally:
            stop.set()

    # --- batch -> events (runs in the provider's worker thread) --------------------

    def _interpret(self, batch: Batch) -> _Interpretation:
        provider, seen = self.provider, _Interpretation()
        prefix, root = provider.prefix, self.root + "/"
        updated: set[str] = set()
        listing_changed = False
        for change, path in batch:
            if not path.startswith(root):
                continue
            parts = tuple(path[len(root) :].split("/"))
            if not all(addressable(name) for name in parts):
                continue
            if parts[-1] == ".gitignore" and provider.config.gitignore:
                seen.rescan = listing_changed = True  # what is visible may have changed
                continue
            kind = self._kind(parts, change)
            if kind is None:
                continue
            parent = build_uri(prefix, parts[:-1], folder=True)
            if kind == "folder":
                if change == Change.deleted:
                    seen.removed.update(f for f in self.folders if f[: len(parts)] == parts)
                elif change == Change.added:
                    seen.added |= self._scan_if_present(parts)
                else:
                    continue  # a folder's own metadata: its entries report themselves
                listing_changed = True
                updated.add(parent)
                continue
            listing_changed = listing_changed or change != Change.modified
            updated.update((build_uri(prefix, parts), parent))
        # The listing change first: a client that sees a later update has seen it.
        seen.events = [ResourcesListChanged()] if listing_changed else []
        seen.events += [ResourceUpdated(uri) for uri in sorted(updated)]
        return seen

    def _kind(self, parts: tuple[str, ...], change: int) -> str | None:
        """'file' or 'folder' if a client may see `parts`, else `None` (no event)."""
        provider = self.provider
        if change == Change.deleted:
            if parts in self.folders:
                return "folder"
            return "file" if provider.policy.path_reason(parts, is_dir=False) is None else None
        try:
            st = provider.sandbox.lstat(parts)  # refuses a path through a symlink
        except Refused:
            return None  # gone again, or reached through a link
        if stat.S_ISDIR(st.st_mode):
            return "folder" if provider.policy.path_reason(parts, is_dir=True) is None else None
        if stat.S_ISLNK(st.st_mode) and provider.config.follow_symlinks:
            return "file" if _visible_link(provider, parts) else None
        if not stat.S_ISREG(st.st_mode) or provider.policy.path_reason(parts, is_dir=False) is not None:
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


def _watch_thread(
    paths: list[str],
    stop: threading.Event,
    step_ms: int,
    debounce_ms: int,
    deliver: Callable[[Batch], None],
    ready: Callable[[], None],
) -> None:
    """One watcher generation: add the watches, then hand each batch to the event loop."""
    watcher = _open_watcher(paths)
    try:
        anyio.from_thread.run_sync(ready)
        while not stop.is_set():
            batch: Any = watcher.watch(debounce_ms, step_ms, _TIMEOUT_MS, stop)
            if isinstance(batch, set) and batch:
                anyio.from_thread.run_sync(deliver, batch)
    finally:
        watcher.close()


def _open_watcher(paths: list[str]) -> RustNotify:
    # A folder can vanish between the scan and here; watch the ones still there.
    for _ in range(3):
        try:
            return RustNotify(paths, False, False, 300, False, True)
        except FileNotFoundError:
            paths = [p for p in paths if os.path.isdir(p)]
    return RustNotify(paths, False, False, 300, False, True)
