"""Read-only SQLite connections (aiosqlite) with every engine-side control of SQL-1, SQL-2, SQL-5.

Each connection is opened `mode=ro` and locked down before its first query:
`PRAGMA query_only`, temp data in memory (no temp files), limits (no ATTACH,
bounded value, SQL and expression sizes), an authorizer, and a progress
handler that interrupts the running statement once its deadline passes (a
runaway query is stopped, not merely abandoned). Queries run in aiosqlite's
per-connection threads, from a small pool: a slow query holds one connection
while the event loop, pings and other providers carry on.

A database in WAL mode with no `-wal` file (no writer has it open) is opened
`immutable=1`: a plain read-only open would create `-wal` and `-shm` files
next to it, and nothing next to the database is ever created. Once a writer
appears the watcher reopens the pool normally (readers then share the
writer's `-shm`, as every SQLite reader must).
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite
import anyio

from mcp_resources.builtins.sqlite.guard import Authorizer
from mcp_resources.builtins.sqlite.pages import Page, Result, fetch
from mcp_resources.errors import InvalidRequest

__all__ = ["Database", "Result", "open_mode"]

MAX_VALUE_BYTES = 16 << 20
_LIMITS = (
    (sqlite3.SQLITE_LIMIT_ATTACHED, 0),
    (sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES),
    (sqlite3.SQLITE_LIMIT_SQL_LENGTH, 100_000),
    (sqlite3.SQLITE_LIMIT_EXPR_DEPTH, 200),
    (sqlite3.SQLITE_LIMIT_COMPOUND_SELECT, 100),
    (sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 256),
    (sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000),
    (sqlite3.SQLITE_LIMIT_FUNCTION_ARG, 100),
)
_PROGRESS_STEPS = 10_000  # VM instructions between deadline checks (well under a millisecond)
_HEAP_LIMIT = 512 << 20  # for all of SQLite in this process: a huge sort fails instead of exhausting RAM


@dataclass
class _Slot:
    """One pooled connection and the deadline its progress handler checks."""

    deadline: float = math.inf
    connection: aiosqlite.Connection | None = None


class _Guarded(sqlite3.Connection):
    """A sqlite3 connection configured by `setup` as it is created (in aiosqlite's thread)."""

    def __init__(self, *args: Any, setup: Callable[[sqlite3.Connection], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        setup(self)


def open_mode(path: Path) -> str:
    """`ro`, or `ro&immutable=1` for a WAL database no writer has open (see the module docstring)."""
    try:
        with path.open("rb") as f:
            header = f.read(20)
    except OSError:
        return "ro"
    wal = len(header) == 20 and header[18] == 2 and header[19] == 2
    return "ro&immutable=1" if wal and not Path(f"{path}-wal").exists() else "ro"


@dataclass
class Database:
    """A pool of guarded read-only connections to one file."""

    path: Path
    size: int
    time_limit_s: float
    authorizer: Authorizer
    _slots: list[_Slot] = field(default_factory=list)
    _free: list[_Slot] = field(default_factory=list)
    _available: anyio.Semaphore | None = None
    mode: str = "ro"

    @property
    def immutable(self) -> bool:
        """Opened `immutable` (see `open_mode`): SQLite assumes the file never changes."""
        return "immutable" in self.mode

    async def open(self) -> None:
        """Open every connection (fails clearly if the file is not a database)."""
        self.mode = open_mode(self.path)
        uri = f"file:{quote(str(self.path))}?mode={self.mode}"
        # fast_acquire: a free connection is taken without yielding to the loop first (the query
        # that follows yields anyway); a waiter still queues in order.
        self._available = anyio.Semaphore(self.size, fast_acquire=True)
        try:
            for _ in range(self.size):
                slot = _Slot()
                connector = aiosqlite.connect(
                    uri, uri=True, isolation_level=None, factory=self._factory(slot), cached_statements=256
                )
                slot.connection = await connector
                self._slots.append(slot)
        except BaseException:
            await self.close()
            raise
        self._free = list(self._slots)

    def _factory(self, slot: _Slot) -> Callable[..., sqlite3.Connection]:
        def setup(connection: sqlite3.Connection) -> None:
            # Fails here, at start-up, if the file is not a database.
            connection.execute("SELECT 1 FROM sqlite_schema LIMIT 0").fetchall()
            connection.execute("PRAGMA query_only = 1")
            connection.execute("PRAGMA temp_store = MEMORY")
            connection.execute(f"PRAGMA hard_heap_limit = {_HEAP_LIMIT}")
            for limit, value in _LIMITS:
                connection.setlimit(limit, value)
            connection.set_authorizer(self.authorizer)
            connection.set_progress_handler(lambda: time.monotonic() > slot.deadline, _PROGRESS_STEPS)

        def factory(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            return _Guarded(*args, setup=setup, **kwargs)

        return factory

    async def close(self) -> None:
        """Close every connection."""
        slots, self._slots, self._free = self._slots, [], []
        for slot in slots:
            if slot.connection is not None:
                await slot.connection.close()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[_Slot]:
        slot, available = await self._take()
        try:
            yield slot
        finally:
            self._give_back(slot, available)

    async def _take(self) -> tuple[_Slot, anyio.Semaphore]:
        """A free connection, its deadline set (waits for one when all are busy).

        The semaphore is returned to be released by `_give_back`: a reopen replaces it meanwhile.
        """
        available = self._available
        if available is None:
            raise RuntimeError("database not opened")
        await available.acquire()
        slot = self._free.pop()
        slot.deadline = time.monotonic() + self.time_limit_s
        return slot, available

    def _give_back(self, slot: _Slot, available: anyio.Semaphore) -> None:
        slot.deadline = math.inf
        self._free.append(slot)
        available.release()

    async def query(
        self,
        sql: str,
        params: Sequence[Any] | dict[str, Any],
        *,
        uri: str,
        limit: int,
        max_bytes: int,
        skip: int = 0,
        columns: Sequence[str] | None = None,
    ) -> Result:
        """Run one statement; at most `limit` rows and about `max_bytes` of values, after `skip` rows.

        `columns` is for the provider's own statements, which name their columns and
        return at most `limit + 1` rows (a LIMIT in the SQL): they are fetched whole in
        one trip to the connection's thread (a cursor takes at least three).
        """
        # `_take`/`_give_back` rather than `async with self._connection()`: a generator-based
        # context manager costs a few microseconds on every page.
        slot, available = await self._take()
        try:
            assert slot.connection is not None
            try:
                if columns is not None:
                    page = Page(list(columns), limit, max_bytes)
                    return page.take(await slot.connection.execute_fetchall(sql, params)) or page.result()
                cursor = await slot.connection.execute(sql, params)
                finished = False
                try:
                    result, finished = await fetch(cursor, limit, max_bytes, skip)
                    return result
                finally:
                    if not finished:  # an unfinished statement would keep its read transaction open
                        await cursor.close()
            except sqlite3.Error as exc:
                raise _client_error(exc, uri, self.time_limit_s) from None
        finally:
            self._give_back(slot, available)

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first value of the first row (for the catalog's own queries)."""
        async with self._connection() as slot:
            assert slot.connection is not None
            async with slot.connection.execute(sql, params) as cursor:
                row = await cursor.fetchone()
        return None if row is None else row[0]

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows (for the catalog's own small queries)."""
        async with self._connection() as slot:
            assert slot.connection is not None
            async with slot.connection.execute(sql, params) as cursor:
                return [tuple(row) for row in list(await cursor.fetchall())]


def _client_error(exc: sqlite3.Error, uri: str, limit_s: float) -> InvalidRequest:
    text = str(exc)
    if text == "interrupted":
        ms = round(limit_s * 1000)
        return InvalidRequest(
            f"Query interrupted: it ran past the time limit of {ms} ms", uri=uri, argument="sql"
        )
    if text.startswith(("not authorized", "access to")):
        return InvalidRequest(
            "Not authorized: the query reads a hidden or unknown table, calls a function that is not "
            "allowed, or tries to change something",
            uri=uri,
            argument="sql",
        )
    return InvalidRequest(f"SQL error: {text}", uri=uri, argument="sql")
