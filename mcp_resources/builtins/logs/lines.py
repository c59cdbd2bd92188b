"""Finding lines in a log file without reading more of it than the answer needs.

A tail seeks from the end: blocks are read backwards until enough newlines
are found, so the last 100 lines of a 10 GiB file cost a block or two. A
forward read (a window, a cursor) starts at a byte offset and stops at a
line or byte budget. Each line keeps at most `cap` bytes (the reader skips the
rest), so one giant line costs a scan, never memory.

Only complete lines are served: the bytes after the last newline of a live
file are a line still being written, and are left for the next read (a
rotated file's last line counts, as nothing will be added to it).
"""

from __future__ import annotations

import functools
import gzip
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from mcp_resources.builtins.filesystem.source import WouldBlock

__all__ = [
    "Budget",
    "Pread",
    "RawLine",
    "complete_end",
    "file_reader",
    "lines_backward",
    "lines_forward",
    "open_stream",
]

_BLOCK = 1 << 16
_FIRST_BLOCK = 1 << 14
_LAST_BLOCK = 1 << 18


@dataclass(frozen=True, slots=True)
class RawLine:
    """One line as stored: its byte offset, its end (the newline's offset) and up to `cap` bytes."""

    offset: int
    end: int
    data: bytes


Budget = Callable[[], bool]
"""Called now and then during a long scan; returns False when time is up."""

Pread = Callable[[int, int], bytes]
"""`read(length, offset)` of one open file (see `file_reader`)."""


def file_reader(fd: int, *, nowait: bool = False) -> Pread:
    """`pread` on `fd`; with `nowait`, one that raises `WouldBlock` unless the data is cached."""
    if not nowait:
        return functools.partial(_pread, fd)
    return functools.partial(_pread_cached, fd)


def _pread(fd: int, length: int, offset: int) -> bytes:
    return os.pread(fd, length, offset)


def _pread_cached(fd: int, length: int, offset: int) -> bytes:
    buffer = bytearray(length)
    try:
        got = os.preadv(fd, [buffer], offset, os.RWF_NOWAIT)
    except OSError:  # EAGAIN: not cached; EOPNOTSUPP: the filesystem cannot tell
        raise WouldBlock from None
    if got < length:
        raise WouldBlock  # only part of it is cached (reads never go past the end)
    return bytes(buffer)


def complete_end(read: Pread, size: int) -> int:
    """The offset just past the last newline (the end of the last complete line), 0 if none."""
    pos, block = size, 1 << 12  # usually the last line: start small, grow for long lines
    while pos > 0:
        start = max(0, pos - block)
        found = read(pos - start, start).rfind(b"\n")
        if found >= 0:
            return start + found + 1
        pos, block = start, min(block * 4, _LAST_BLOCK)
    return 0


def lines_backward(
    read: Pread, end: int, cap: int, budget: Budget, want: int | None = None
) -> Iterator[list[RawLine]]:
    """Batches of the complete lines before `end` (a line start), last batch first, each in file order.

    Blocks grow from 16 KiB to 256 KiB: a short tail reads little, a long scan
    makes few calls. With `want`, only that many lines are made in all (the
    caller stops there). Stops early when `budget()` says time is up.
    """
    if end <= 0:
        return
    line_end = pos = end - 1  # the newline ending the line being assembled; bytes before `pos` unread
    size = _FIRST_BLOCK
    while pos > 0:
        if not budget() or (want is not None and want <= 0):
            return
        start = max(0, pos - size)
        size = min(size * 2, _LAST_BLOCK)
        block = read(pos - start, start)
        block_end, pos = pos, start
        first = block.find(b"\n")
        if first < 0:
            continue  # still inside the line ending at line_end
        pieces = block[first + 1 :].split(b"\n")
        offset = start + first + 1
        lines: list[RawLine] = []
        if want is not None and len(pieces) > want:
            offset += sum(len(p) + 1 for p in pieces[:-want])
            pieces = pieces[-want:]
        for piece in pieces[:-1]:
            lines.append(RawLine(offset, offset + len(piece), piece[:cap]))
            offset += len(piece) + 1
        last = pieces[-1]  # the line ending at line_end, which may go on past this block
        if line_end != block_end and len(last) < cap:
            last = read(min(cap, line_end - offset), offset)
        lines.append(RawLine(offset, line_end, last[:cap]))
        line_end = start + first
        if want is not None:
            want -= len(lines)
        if start == 0:
            lines.insert(0, RawLine(0, first, block[: min(first, cap)]))
            yield lines
            return
        yield lines
    yield [RawLine(0, line_end, read(min(cap, line_end), 0))]


def open_stream(fd: int, compressed: bool) -> BinaryIO:
    """A buffered reader over `fd` (which it does not close), decompressing a `.gz` file."""
    raw = io.BufferedReader(io.FileIO(fd, "rb", closefd=False), _BLOCK)
    if compressed:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def lines_forward(
    stream: BinaryIO, offset: int, cap: int, budget: Budget, *, final: bool = False
) -> Iterator[RawLine]:
    """The lines from `offset` (a line start) on; the last one only if complete or `final`.

    `stream` is seeked to `offset` (decompressing up to it for a `.gz` file).
    """
    stream.seek(offset)
    pos = offset
    count = 0
    while True:
        count += 1
        if count % 4096 == 0 and not budget():
            return
        data = stream.readline(cap)
        if not data:
            return
        start, pos = pos, pos + len(data)
        if data.endswith(b"\n"):
            yield RawLine(start, pos - 1, data[:-1])
            continue
        if len(data) < cap:  # the end of the file, in the middle of a line
            if final:
                yield RawLine(start, pos, data)
            return
        while True:  # a line longer than the cap: skip the rest of it
            rest = stream.readline(_BLOCK)
            pos += len(rest)
            if not rest or rest.endswith(b"\n"):
                break
        if rest.endswith(b"\n"):
            yield RawLine(start, pos - 1, data)
        elif final:
            yield RawLine(start, pos, data)
