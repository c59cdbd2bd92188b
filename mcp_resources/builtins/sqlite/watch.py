"""Change notifications for a SQLite database: its file and its WAL, confirmed by SQLite itself.

The folder holding the database is watched (not recursively) for the database,
`-wal` and `-journal` files. A batch of their events is one check: the files'
identity spots a replaced database or a writer coming or going; `PRAGMA
data_version` (a counter SQLite bumps when another connection commits) says
whether anything was committed and
`PRAGMA schema_version` tells a schema change (a new or dropped table) from a
data change. A data change announces every table, view and the schema as
updated; a schema change also `list_changed`. Batches come at most every
`DEBOUNCE_MS` (see `folderwatch`), so a writer committing 1,000 transactions a
second yields about ten rounds a second, and the round after its last commit
announces the final state.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import anyio

from mcp_resources.builtins.sqlite.engine import open_mode
from mcp_resources.components import Publish, ResourcesListChanged, ResourceUpdated
from mcp_resources.doorbell import Stopper
from mcp_resources.folderwatch import DEBOUNCE_MS, STEP_MS, Batch, watch_generation

if TYPE_CHECKING:
    from mcp_resources.builtins.sqlite.provider import SqliteProvider

__all__ = ["DatabaseWatcher"]

log = logging.getLogger(__name__)
Fingerprint = tuple[tuple[int, int, int] | None, ...]


class DatabaseWatcher:
    """Publishes `updated`/`list_changed` for one provider's database."""

    def __init__(self, provider: SqliteProvider) -> None:
        self.provider = provider
        self.path = provider.config.path
        self.names = {self.path.name + suffix for suffix in ("", "-wal", "-journal")}

    def fingerprint(self) -> Fingerprint:
        """(inode, size, mtime) of the database and its WAL; None for a missing file."""
        found: list[tuple[int, int, int] | None] = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{self.path}{suffix}")
            except OSError:
                found.append(None)
            else:
                found.append((st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(found)

    async def run(self, publish: Publish, started: Callable[[], None]) -> None:
        """Watch until cancelled; `started()` once the watch is in place."""
        provider = self.provider
        known = self.fingerprint()
        data_version = await provider.catalog_db.scalar("PRAGMA data_version")
        send, receive = anyio.create_memory_object_stream[Batch](math.inf)
        async with anyio.create_task_group() as tg, send, receive:
            stop = Stopper()
            folder = str(self.path.parent)
            await tg.start(watch_generation, [folder], stop, send.send_nowait, STEP_MS, DEBOUNCE_MS)
            started()
            async for batch in receive:
                if not any(os.path.basename(path) in self.names for _, path in batch):
                    continue
                now = self.fingerprint()
                if now == known and provider.db.immutable:
                    continue  # an immutable open only changes with the files
                if now[0] is None:
                    log.warning("database %s is gone; still serving what was open", self.path)
                    known = now
                    continue
                data_version = await self._changed(publish, known, now, data_version)
                known = now
            tg.cancel_scope.cancel()

    async def _changed(
        self, publish: Publish, before: Fingerprint, now: Fingerprint, data_version: int
    ) -> int:
        provider = self.provider
        known_schema = provider.catalog.schema_version
        replaced = before[0] is None or now[0] is None or before[0][0] != now[0][0]
        fresh = replaced or open_mode(self.path) != provider.db.mode
        if fresh:
            # A new file, or a writer came or went (see engine.open_mode): start over.
            await provider.reopen()
        # Size and mtime can stay the same across two commits within one clock tick, so
        # SQLite's own counter decides; the fingerprint only spots a new file or writer.
        current = await provider.catalog_db.scalar("PRAGMA data_version")
        if not fresh and not provider.db.immutable and current == data_version:
            return int(current)  # files touched, nothing committed
        schema = int(await provider.catalog_db.scalar("PRAGMA schema_version"))
        schema_changed = schema != known_schema
        if schema_changed and not fresh:
            await provider.reload_catalog()
        provider.generation += 1
        if schema_changed or replaced:
            await publish(ResourcesListChanged())
        await publish(ResourceUpdated(provider.schema_uri()))
        for table in provider.catalog.tables.values():
            await publish(ResourceUpdated(provider.table_uri(table.name)))
        return int(current)
