"""Follow cursors: where a reader stopped, valid across rotation.

A cursor names a position in a file by the file's inode, the byte offset and
a checksum of up to 64 bytes before the offset. To continue, the live file is
tried first (same inode, long enough, same bytes before the offset). If it
fails, the file was rotated: renamed away (`app.log` → `app.log.1`, found by
inode) or copied and truncated (`copytruncate`: `app.log.1` holds the same
bytes, found by checksum). The reader then gets the rest of that file, every
newer rotated file, and the live file from its start: no line lost, none
repeated. Only when no file holds the position (deleted, or compressed in a
way that changed it) does the read restart at the live file's start, and it
says so (`gap`).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from mcp_resources.errors import InvalidRequest

__all__ = ["Cursor", "checksum", "stream_reader"]

_CURSOR = re.compile(r"^([0-9a-f]{1,16})-([0-9a-f]{1,16})-([0-9a-f]{8})$")
_CHECKED = 64


def checksum(read: Callable[[int, int], bytes], offset: int) -> int | None:
    """The checksum of the bytes before `offset` (`read(length, offset)`), None if the file is shorter."""
    start = max(0, offset - _CHECKED)
    data = read(offset - start, start)
    if len(data) != offset - start:
        return None
    return zlib.crc32(data)


def stream_reader(stream: BinaryIO) -> Callable[[int, int], bytes]:
    """`read(length, offset)` over a seekable stream (a `.gz` file decompresses up to `offset`)."""

    def read(length: int, offset: int) -> bytes:
        stream.seek(offset)
        return stream.read(length)

    return read


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in a log file (see the module docstring)."""

    inode: int
    offset: int
    crc: int

    @classmethod
    def at(cls, inode: int, offset: int, read: Callable[[int, int], bytes]) -> Cursor:
        """The cursor for `offset` in the open file read by `read` (whose inode is `inode`)."""
        return cls(inode, offset, checksum(read, offset) or 0)

    def __str__(self) -> str:
        return f"{self.inode:x}-{self.offset:x}-{self.crc:08x}"

    @classmethod
    def parse(cls, text: str, uri: str) -> Cursor:
        """A cursor from its text, as returned by an earlier read."""
        found = _CURSOR.match(text)
        if found is None:
            raise InvalidRequest(
                "Invalid cursor: use the `cursor` value from an earlier read's metadata",
                uri=uri,
                argument="cursor",
            )
        return cls(int(found[1], 16), int(found[2], 16), int(found[3], 16))

    def continues(self, inode: int, read: Callable[[int, int], bytes], *, same_inode: bool) -> bool:
        """Whether the open file read by `read` holds this position (`same_inode`: also the inode)."""
        if same_inode and inode != self.inode:
            return False
        return checksum(read, self.offset) == self.crc
