"""The three ways through a log file: the tail, forward from an offset, and a time bisection.

All of them run in a worker thread, stop at the read's limits (lines, bytes,
lines looked at, time) and say which limit stopped them, so a cut answer is
never mistaken for a complete one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import BinaryIO

from mcp_resources.builtins.logs.formats import LogFormat
from mcp_resources.builtins.logs.lines import (
    Budget,
    Pread,
    RawLine,
    complete_end,
    lines_backward,
    lines_forward,
)
from mcp_resources.builtins.logs.records import Filter, Pipeline, Record, adopt, leading_orphans

__all__ = ["Limits", "Scan", "forward", "seek_time", "skip_lines", "tail", "tail_stream"]

_BATCH = 512
_PROBE = 1 << 16


@dataclass(frozen=True, slots=True)
class Limits:
    """What one read may return and look through."""

    lines: int
    bytes: int
    scan: int
    line_bytes: int
    """Bytes kept of one line before decoding (the rest is skipped)."""


@dataclass
class Scan:
    """The records found and why the scan stopped."""

    records: list[Record] = field(default_factory=list)
    end: int = 0
    """Where a forward reader goes on: the start of the first line not looked at."""
    stopped: str | None = None
    """`lines`, `bytes`, `scan` or `time` when a limit cut the answer; None at the end of the data."""
    scanned: int = 0
    used: int = 0

    def take(self, record: Record, limits: Limits) -> bool:
        """Add `record` unless a limit is reached (then record why and return False)."""
        size = len(record.text) + 1
        if len(self.records) >= limits.lines:
            self.stopped = "lines"
            return False
        if self.used + size > limits.bytes and self.records:
            self.stopped = "bytes"
            return False
        self.records.append(record)
        self.used += size
        return True


def tail(
    read: Pread, size: int, live: bool, flt: Filter, pipeline: Pipeline, limits: Limits, budget: Budget
) -> Scan:
    """The last `limits.lines` records passing `flt`, looking through at most `limits.scan` lines."""
    scan = Scan(end=complete_end(read, size) if live else size)
    # A rotated file's unterminated last line counts: pretend a newline follows it.
    unterminated = not live and size > 0 and read(1, size - 1) != b"\n"
    end = size + 1 if unterminated else scan.end
    pending: list[Record] = []
    want = None if flt.active else limits.lines
    for found in lines_backward(read, end, limits.line_bytes, budget, want):
        wanted = limits.lines - len(scan.records)
        if not flt.active and wanted <= 0:
            break
        batch = found if flt.active else found[-wanted:]  # unfiltered: only the lines still wanted
        records = pipeline.records(batch)
        ready = records
        if pipeline.parse:
            adopt(pending, records)
            orphans = leading_orphans(records)
            ready, pending = records[orphans:] + pending, records[:orphans]
        if not _take_reversed(scan, pipeline.select(ready, flt), limits):
            break
        scan.scanned += len(batch)
        if scan.scanned >= limits.scan:
            scan.stopped = "scan"
            break
    else:
        _take_reversed(scan, pipeline.select(pending, flt), limits)  # lines above the file's first record
        if not budget():
            scan.stopped = "time"
    scan.records.reverse()
    return scan


def _take_reversed(scan: Scan, records: list[Record], limits: Limits) -> bool:
    return all(scan.take(record, limits) for record in reversed(records))


def tail_stream(stream: BinaryIO, flt: Filter, pipeline: Pipeline, limits: Limits, budget: Budget) -> Scan:
    """The tail of a file that can only be read forward (`.gz`): O(file) time, O(answer) memory."""
    kept: deque[Record] = deque(maxlen=limits.lines)
    scan = Scan()
    previous: Record | None = None
    for batch in _batches(lines_forward(stream, 0, limits.line_bytes, budget, final=True)):
        records = pipeline.records(batch, previous)
        previous = records[-1]
        kept.extend(pipeline.select(records, flt))
        scan.scanned += len(batch)
        scan.end = batch[-1].end + 1
    if not budget():
        scan.stopped = "time"
    for record in reversed(kept):
        if not scan.take(record, limits):
            break
    scan.records.reverse()
    return scan


def forward(
    stream: BinaryIO,
    offset: int,
    flt: Filter,
    pipeline: Pipeline,
    limits: Limits,
    budget: Budget,
    *,
    stop: int | None = None,
    final: bool = False,
) -> Scan:
    """Records passing `flt` from `offset` on (up to the line starting at `stop`, if given)."""
    scan = Scan(end=offset)
    previous: Record | None = None
    for found in _batches(lines_forward(stream, offset, limits.line_bytes, budget, final=final)):
        # Unfiltered, only the lines still wanted, and one more to tell whether more follow.
        batch = found if flt.active else found[: limits.lines - len(scan.records) + 1]
        records = pipeline.records(batch, previous)
        previous = records[-1]
        cut_short = False
        if stop is not None and records[-1].offset >= stop:
            records, cut_short = [r for r in records if r.offset < stop], True
        if scan.scanned + len(records) > limits.scan:
            records, cut_short = records[: limits.scan - scan.scanned], True
            scan.stopped = "scan"
        kept = {id(r) for r in pipeline.select(records, flt)}
        for record in records:
            if id(record) in kept and not scan.take(record, limits):
                return scan
            scan.scanned += 1
            scan.end = record.end + 1
        if cut_short:
            return scan
    if not budget():
        scan.stopped = "time"
    return scan


def _batches(lines: Iterator[RawLine]) -> Iterator[list[RawLine]]:
    while batch := list(islice(lines, _BATCH)):
        yield batch


def skip_lines(stream: BinaryIO, count: int, budget: Budget) -> int | None:
    """The offset of line `count` (0-based) from the start, or None past the end or the time limit."""
    stream.seek(0)
    offset = 0
    while count > 0:
        block = stream.read(_PROBE)
        if not block or not budget():
            return None
        found = block.count(b"\n")
        if found < count:
            count -= found
            offset += len(block)
            continue
        index = -1
        for _ in range(count):
            index = block.index(b"\n", index + 1)
        return offset + index + 1
    return offset


def seek_time(read: Pread, end: int, since: float, fmt: LogFormat, budget: Budget) -> int:
    """A line start at or before the first record at or after `since`, by bisection on timestamps.

    Assumes times grow through the file, as logs do; a few lines out of order
    only shift the start slightly earlier, and the filter drops them.
    """
    lo, hi = 0, end
    while hi - lo > _PROBE and budget():
        mid = (lo + hi) // 2
        probe = _first_time(read, mid, hi, fmt)
        if probe is None:
            hi = mid
        elif probe[0] < since:
            lo = probe[1]
        else:
            hi = mid
    return lo


def _first_time(read: Pread, start: int, stop: int, fmt: LogFormat) -> tuple[float, int] | None:
    block = read(min(_PROBE, stop - start), start)
    newline = block.find(b"\n")
    if newline < 0:
        return None
    offset = start + newline + 1
    for raw in block[newline + 1 :].split(b"\n")[:-1]:
        parsed = fmt.parse(raw.decode("utf-8", "replace"))
        if parsed is not None and parsed.time is not None:
            return parsed.time, offset
        offset += len(raw) + 1
    return None
