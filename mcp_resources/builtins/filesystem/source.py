"""Reading an open file, optionally only from the page cache (never waiting on the disk)."""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Buffer", "FileSource", "WouldBlock"]

Buffer = bytes | bytearray
# Bytes read on the event loop even when cached: a bigger read goes to the worker thread.
_INLINE_READ_BYTES = 2 << 20


class WouldBlock(Exception):
    """The data is not in the page cache: do this read in a worker thread instead."""


@dataclass(frozen=True, slots=True)
class FileSource:
    """An open regular file to read from; `nowait` reads only what is cached."""

    fd: int
    size: int
    nowait: bool = False

    def pread(self, length: int, offset: int) -> Buffer:
        """Up to `length` bytes at `offset` (fewer only at the end of the file)."""
        if self.nowait and min(length, self.size - offset) > _INLINE_READ_BYTES:
            raise WouldBlock
        chunks: list[Buffer] = []
        total = 0
        while total < length:
            want = min(length - total, 8 << 20)
            chunk = (
                self._pread_cached(want, offset + total)
                if self.nowait
                else os.pread(self.fd, want, offset + total)
            )
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        # A window is usually one chunk: return it as is rather than copy it.
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _pread_cached(self, want: int, offset: int) -> Buffer:
        want = min(want, self.size - offset)  # the buffer is zero-filled: never bigger than needed
        if want <= 0:
            return b""
        buffer = bytearray(want)
        try:
            got = os.preadv(self.fd, [buffer], offset, os.RWF_NOWAIT)
        except OSError:  # EAGAIN: not cached; EOPNOTSUPP: the filesystem cannot tell
            raise WouldBlock from None
        if got < want and offset + got < self.size:
            raise WouldBlock  # only part of it is cached
        del buffer[got:]
        return buffer  # bytes-like; decoding and base64 take it without a copy
