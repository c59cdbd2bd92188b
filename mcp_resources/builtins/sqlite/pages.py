"""Rows of one statement gathered up to a row cap and a byte cap (for `engine.Database.query`)."""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiosqlite

__all__ = ["Page", "Result", "bound", "fetch", "row_bytes"]


@dataclass
class Result:
    """Rows of one query, cut at a row or byte cap."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: str | None = None
    """`"rows"` or `"bytes"` when more rows exist than were returned."""
    skipped: int = 0
    size: int = 0
    """Bytes of values, as the byte cap counts them (over the cap only if one row is)."""


@dataclass
class Page:
    """Rows gathered up to a row cap and a byte cap."""

    columns: list[str]
    limit: int
    max_bytes: int
    skipped: int = 0
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    size: int = 0

    def take(self, chunk: Iterable[Sequence[Any]]) -> Result | None:
        """Add fetched rows; the result once a cap is reached (None: fetch more, if any)."""
        if not self.rows and isinstance(chunk, list):
            # Fast path for a whole page fetched at once: measured from above in C (see
            # `bound`), a page well under the byte cap needs no Python-level loop over its values.
            head = chunk[: self.limit]
            measured = bound(head, self.max_bytes)
            if measured is not None:
                self.rows = [tuple(row) for row in head]
                self.size = measured
                return self.result("rows") if len(chunk) > self.limit else None
        for row in chunk:
            if len(self.rows) == self.limit:
                return self.result("rows")  # a row beyond the cap exists
            self.size += row_bytes(row)
            if self.size > self.max_bytes and self.rows:
                return self.result("bytes")
            self.rows.append(tuple(row))
        return None

    def result(self, truncated: str | None = None) -> Result:
        """What was gathered; `truncated` names the cap that cut it."""
        return Result(self.columns, self.rows, truncated, self.skipped, self.size)


async def fetch(cursor: aiosqlite.Cursor, limit: int, max_bytes: int, skip: int) -> tuple[Result, bool]:
    """The page, and whether the statement ran to its end (SQLite has then reset it).

    A short chunk means the end, so a result smaller than the caps costs no extra
    trip to the connection's thread to find out.
    """
    page = Page([d[0] for d in cursor.description or ()], limit, max_bytes)
    while page.skipped < skip:
        want = min(skip - page.skipped, 1000)
        got = len(list(await cursor.fetchmany(want)))
        page.skipped += got
        if got < want:
            return page.result(), True
    while True:
        want = min(limit + 1 - len(page.rows), 500)
        chunk = list(await cursor.fetchmany(want))
        if (result := page.take(chunk)) is not None:
            return result, False
        if len(chunk) < want:
            return page.result(), True


_BOUND_ROWS = 64  # rows marshalled at once: the copy made stays small next to the rows themselves


def bound(rows: list[Any], max_bytes: int) -> int | None:
    """At least what `row_bytes` counts for `rows`, or None once that may pass `max_bytes`.

    Marshal (format 2: no back-references, so every value is written out) writes a
    text's UTF-8, never fewer bytes than its characters, and a blob's bytes, each after
    a header; 8 more per value covers the 8 counted for a number or NULL. One C call
    per chunk: about ten times cheaper than `sys.getsizeof` value by value.
    """
    total = 0
    for start in range(0, len(rows), _BOUND_ROWS):
        part = rows[start : start + _BOUND_ROWS]
        try:
            total += len(marshal.dumps(part, 2)) + 8 * sum(map(len, part))
        except ValueError:  # a value marshal cannot write: measure row by row
            return None
        if total > max_bytes:
            return None
    return total


def row_bytes(row: Sequence[Any]) -> int:
    """About how many bytes a row's values take (8 for a number or NULL)."""
    size = 0
    for value in row:
        kind = type(value)
        size += len(value) if kind is str or kind is bytes else 8
    return size
