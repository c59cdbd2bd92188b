"""The protocol's stdout, written by one thread in batches instead of two thread hops a message.

The SDK's stdio transport writes each message with `await stdout.write()` and
`await stdout.flush()`, each a trip to a worker thread: about 0.3 ms a message
on a small VM, which caps a burst of 1,000 change notifications at ~3 per ms.
`BatchedStdout` is handed to the SDK as its stdout: `write()` only queues the
bytes, and one long-lived thread writes whatever has queued up with a single
`write(2)`. Order is kept; a client that stops reading fills the pipe, the
thread blocks, and once 16 MiB are queued `write()` waits (backpressure)
instead of growing without bound. On close, what is queued is still sent.

`claimed_stdout()` does what the SDK does for its own stdout: the protocol
gets a private copy of fd 1, and fd 1 itself points at stderr while serving,
so a stray `print()` or child process cannot corrupt the protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import threading
from collections.abc import AsyncIterator

import anyio

__all__ = ["BatchedStdout", "claimed_stdout"]

_MAX_QUEUED = 16 << 20
_DRAIN_TIMEOUT_S = 5.0


class BatchedStdout:
    """A write-only text stream to `fd`, for `mcp.server.stdio.stdio_server(stdout=...)`."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._loop = asyncio.get_running_loop()
        self._queue: list[bytes] = []
        self._queued = 0
        self._closing = False
        self._broken = False
        self._wake = threading.Condition()
        self._room = asyncio.Event()
        self._thread = threading.Thread(target=self._write_forever, name="mcp-resources stdout", daemon=True)
        self._thread.start()

    async def write(self, text: str) -> None:
        """Queue `text`; waits only when 16 MiB are already waiting for a slow reader."""
        while self._queued > _MAX_QUEUED and not self._broken:
            self._room.clear()
            await self._room.wait()
        data = text.encode("utf-8")
        with self._wake:
            self._queue.append(data)
            self._queued += len(data)
            self._wake.notify()

    async def flush(self) -> None:
        """Nothing to do: the writer thread sends queued bytes as soon as it can."""

    async def aclose(self) -> bool:
        """Send what is queued, then stop the writer; False if it is stuck after 5 s."""
        with self._wake:
            self._closing = True
            self._wake.notify()
        await asyncio.to_thread(self._thread.join, _DRAIN_TIMEOUT_S)
        return not self._thread.is_alive()

    def _write_forever(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._closing:
                    self._wake.wait()
                if not self._queue:
                    return
                batch, self._queue, size = b"".join(self._queue), [], self._queued
            self._write_all(batch)
            with self._wake:
                self._queued -= size
            self._loop.call_soon_threadsafe(self._room.set)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._broken:
            try:
                view = view[os.write(self._fd, view) :]
            except InterruptedError:
                continue
            except OSError:
                self._broken = True  # the client is gone (EPIPE): drop the rest


@contextlib.asynccontextmanager
async def claimed_stdout() -> AsyncIterator[BatchedStdout]:
    """The protocol's stdout for the duration; fd 1 points at stderr meanwhile."""
    private = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 3)
    os.dup2(2, 1)
    stdout = BatchedStdout(private)
    try:
        yield stdout
    finally:
        with anyio.CancelScope(shield=True):  # also on SIGTERM: what is queued still goes out
            finished = await stdout.aclose()
        os.dup2(private, 1)
        if finished:  # a writer stuck on a full pipe may still use the descriptor
            os.close(private)
