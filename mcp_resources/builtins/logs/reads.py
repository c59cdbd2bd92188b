"""One read of one log file, in a worker thread: open it safely, pick the way through, follow cursors.

Files are opened through the root's descriptor, one `openat(O_NOFOLLOW |
O_NONBLOCK)` per path component, and only regular files are read (LOG-1).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from typing import BinaryIO, Protocol

from mcp_resources.builtins.logs.catalog import LogFile
from mcp_resources.builtins.logs.cursor import Cursor, stream_reader
from mcp_resources.builtins.logs.lines import Pread, file_reader, open_stream
from mcp_resources.builtins.logs.records import Pipeline
from mcp_resources.builtins.logs.request import LogRequest
from mcp_resources.builtins.logs.scanning import (
    Limits,
    Scan,
    forward,
    seek_time,
    skip_lines,
    tail,
    tail_stream,
)
from mcp_resources.errors import ClientError, InvalidRequest

__all__ = ["Deadline", "FileRead", "Opener", "read_file"]


class Deadline:
    """A time budget: calling it says whether time is left."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def __call__(self) -> bool:
        """True while time is left."""
        return time.monotonic() < self.at


@dataclass
class FileRead:
    """What a read found, and where a follower goes on."""

    scan: Scan
    size: int
    mtime: float
    cursor: Cursor | None = None
    """Where new lines will start (live files only)."""
    gap: bool = False
    """A follow cursor's position was lost to rotation: the read restarted at the live file's start."""


class Opener(Protocol):
    """Opens catalog files safely (the provider does)."""

    def open(self, file: LogFile) -> tuple[int, os.stat_result]:
        """An open descriptor of `file` and its stat; raises `ClientError` subclasses."""

    def siblings(self, file: LogFile) -> list[LogFile]:
        """The rotated files of the live `file`, newest first."""


def read_file(
    opener: Opener,
    file: LogFile,
    req: LogRequest,
    pipeline: Pipeline,
    limits: Limits,
    deadline: Deadline,
    uri: str,
    *,
    nowait: bool = False,
) -> FileRead:
    """Read `file` as `req` asks (in a worker thread; `nowait`: a tail from cached data only)."""
    fd, st = opener.open(file)
    try:
        stream = open_stream(fd, file.compressed)
        read = file_reader(fd, nowait=nowait)
        live = file.age == 0 and not file.compressed
        if req.mode == "cursor":
            return _follow(opener, file, st, stream, req, pipeline, limits, deadline, uri)
        scan = _scan(read, st, stream, file, req, pipeline, limits, deadline)
        cursor = Cursor.at(st.st_ino, scan.end, read) if live else None
        return FileRead(scan, st.st_size, st.st_mtime, cursor)
    finally:
        os.close(fd)


def _scan(
    read: Pread,
    st: os.stat_result,
    stream: BinaryIO,
    file: LogFile,
    req: LogRequest,
    pipeline: Pipeline,
    limits: Limits,
    deadline: Deadline,
) -> Scan:
    flt, final = req.filter, file.age > 0
    if req.mode == "tail":
        limits = replace(limits, lines=min(limits.lines, req.tail))
        if file.compressed:
            return tail_stream(stream, flt, pipeline, limits, deadline)
        return tail(read, st.st_size, file.age == 0, flt, pipeline, limits, deadline)
    if req.mode == "lines":
        start = skip_lines(stream, req.line - 1, deadline)
        if start is None:
            return Scan(stopped=None if deadline() else "time")
        return forward(stream, start, flt, pipeline, replace(limits, lines=req.count), deadline, final=final)
    if req.mode == "bytes":
        start = _line_start(stream, req.offset)
        return forward(
            stream, start, flt, pipeline, limits, deadline, stop=req.offset + req.length, final=final
        )
    start = 0  # since: bisect where the file can be read backwards and has timestamps
    if not file.compressed and pipeline.format.has_time and flt.since is not None:
        start = seek_time(read, st.st_size, flt.since, pipeline.format, deadline)
    return forward(stream, start, flt, pipeline, limits, deadline, final=final)


def _line_start(stream: BinaryIO, offset: int) -> int:
    """`offset` if a line starts there, else the start of the next line."""
    if offset == 0:
        return 0
    stream.seek(offset - 1)
    if stream.read(1) == b"\n":
        return offset
    position = offset
    while chunk := stream.readline(1 << 16):
        position += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return position


def _follow(
    opener: Opener,
    file: LogFile,
    st: os.stat_result,
    stream: BinaryIO,
    req: LogRequest,
    pipeline: Pipeline,
    limits: Limits,
    deadline: Deadline,
    uri: str,
) -> FileRead:
    """Lines after a cursor, across rotations (see `cursor.py`)."""
    cursor = Cursor.parse(req.cursor or "", uri)
    if file.age > 0 or file.compressed:
        raise InvalidRequest("cursor reads follow live files only", uri=uri, argument="cursor")
    read = stream_reader(stream)
    if cursor.offset <= st.st_size and cursor.continues(st.st_ino, read, same_inode=True):
        scan = forward(stream, cursor.offset, req.filter, pipeline, limits, deadline)
        return FileRead(scan, st.st_size, st.st_mtime, Cursor.at(st.st_ino, scan.end, read))
    rotated = opener.siblings(file)
    found = _find_rotated(opener, rotated, cursor)
    gap = found is None
    merged = Scan(end=0)
    # The rest of the file holding the position, then every newer rotated file, oldest first.
    segments = (
        [] if found is None else [(rotated[found], cursor.offset), *[(f, 0) for f in rotated[:found][::-1]]]
    )
    for older, start in segments:
        part = _read_rotated(opener, older, start, req, pipeline, limits, deadline)
        merged.records.extend(part.scan.records)
        merged.scanned += part.scan.scanned
        merged.used += part.scan.used
        if part.scan.stopped is not None:
            merged.stopped = part.scan.stopped
            merged.end = part.scan.end
            return FileRead(merged, st.st_size, st.st_mtime, part.cursor, gap)
        limits = replace(
            limits, lines=limits.lines - len(part.scan.records), bytes=limits.bytes - part.scan.used
        )
    scan = forward(stream, 0, req.filter, pipeline, limits, deadline)
    merged.records.extend(scan.records)
    merged.stopped, merged.end = scan.stopped, scan.end
    merged.scanned += scan.scanned
    return FileRead(merged, st.st_size, st.st_mtime, Cursor.at(st.st_ino, scan.end, read), gap)


def _find_rotated(opener: Opener, rotated: list[LogFile], cursor: Cursor) -> int | None:
    """The index of the rotated file holding the cursor's position: by inode, else by content."""
    for same_inode in (True, False):
        for index, older in enumerate(rotated):
            if older.compressed and same_inode:
                continue  # compressing made a new inode
            try:
                fd, st = opener.open(older)
            except ClientError:
                continue
            try:
                if st.st_ino != cursor.inode and same_inode:
                    continue
                if cursor.continues(
                    st.st_ino, stream_reader(open_stream(fd, older.compressed)), same_inode=False
                ):
                    return index
            finally:
                os.close(fd)
    return None


def _read_rotated(
    opener: Opener,
    older: LogFile,
    start: int,
    req: LogRequest,
    pipeline: Pipeline,
    limits: Limits,
    deadline: Deadline,
) -> FileRead:
    fd, st = opener.open(older)
    try:
        stream = open_stream(fd, older.compressed)
        scan = forward(stream, start, req.filter, pipeline, limits, deadline, final=True)
        return FileRead(scan, st.st_size, st.st_mtime, Cursor.at(st.st_ino, scan.end, stream_reader(stream)))
    finally:
        os.close(fd)
