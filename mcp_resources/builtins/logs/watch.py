"""Change notifications for logs: appends, rotations and new files.

The folders holding the served files (and those the globs could put new
files in) are watched, each on its own. A batch of events rescans the
catalog: each served file that changed gets one `updated` (and so does the
merged view), and files coming or going (a new log, a rotation making
`app.log.1`) make one `list_changed`. Batches come at most every
`DEBOUNCE_MS` (see `folderwatch`), so a log written 10,000 lines a second
yields about ten `updated` a second, and the batch after the last write
announces the final state.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import anyio

from mcp_resources.builtins.logs.catalog import LogFile
from mcp_resources.components import Publish, ResourcesListChanged, ResourceUpdated
from mcp_resources.doorbell import Stopper
from mcp_resources.folderwatch import DEBOUNCE_MS, STEP_MS, Batch, watch_generation

if TYPE_CHECKING:
    from mcp_resources.builtins.logs.provider import LogsProvider

__all__ = ["LogWatcher"]

log = logging.getLogger(__name__)


class LogWatcher:
    """Publishes `updated`/`list_changed` for one logs provider."""

    def __init__(self, provider: LogsProvider) -> None:
        self.provider = provider
        self.root = provider.sandbox.real

    def folders(self, catalog: dict[str, LogFile]) -> list[str]:
        """The root, every folder holding a served file, and every folder the globs name."""
        folders = {self.root}
        for file in catalog.values():
            folders.add(os.path.join(self.root, *file.parts[:-1]))
        for glob in self.provider.config.files:
            parts = glob.split("/")[:-1]
            if parts and not any(c in p for p in parts for c in "*?["):
                folders.add(os.path.join(self.root, *parts))
        return sorted(f for f in folders if os.path.isdir(f))

    async def run(self, publish: Publish, started: Callable[[], None]) -> None:
        """Watch until cancelled; `started()` once the watches are in place."""
        provider = self.provider
        known = dict(provider.catalog)
        send, receive = anyio.create_memory_object_stream[Batch](math.inf)
        async with anyio.create_task_group() as tg, send, receive:
            folders = self.folders(known)
            stop = Stopper()
            await tg.start(watch_generation, folders, stop, send.send_nowait, STEP_MS, DEBOUNCE_MS)
            started()
            async for batch in receive:
                catalog = await provider.run_sync(provider.rescan)
                changed = {
                    path[len(self.root) + 1 :] for _, path in batch if path.startswith(self.root + "/")
                }
                updated = [name for name in catalog if name in changed]
                if set(catalog) != set(known):
                    await publish(ResourcesListChanged())
                if any(catalog[n].age == 0 for n in updated) or set(catalog) != set(known):
                    await publish(ResourceUpdated(provider.prefix))
                for name in updated:
                    await publish(ResourceUpdated(provider.file_uri(name)))
                known = catalog
                now = self.folders(catalog)
                if now != folders:
                    # New folders: the next generation watches before the old one stops.
                    log.debug("logs %r: watching %d folders", provider.name, len(now))
                    old, stop = stop, Stopper()
                    await tg.start(watch_generation, now, stop, send.send_nowait, STEP_MS, DEBOUNCE_MS)
                    old.set()
                    folders = now
            tg.cancel_scope.cancel()
