"""MCP's stdio framing on asyncio pipes: one JSON-RPC message per line, no thread per message.

The SDK's stdio transport reads each line and writes and flushes each reply
through worker threads: three thread hops a request, about 0.9 ms of a 1 KiB
read on a small VM, plus a task and a queue each way. Here the event loop
itself reads stdin and writes stdout (non-blocking pipes), with no task or
queue of its own: bytes are split into lines as they arrive and each line
is validated into a `SessionMessage` exactly as the SDK does when the server
asks for it (`lines.py`; invalid JSON is passed on as the exception, which
the server logs and skips), and what the server sends in one turn of the
event loop goes out in at most two `write(2)`s (the first message at once,
the rest of the burst together).

Backpressure both ways: reading pauses while parsed lines wait for the
server, and a client that stops reading fills the pipe and then a bounded
buffer, after which the server's writes wait instead of growing memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import io
import logging
import os
import stat
from collections.abc import AsyncIterator
from typing import Any

import anyio
from mcp.shared.message import SessionMessage
from mcp_types import JSONRPCError, JSONRPCResponse, RequestId
from pydantic_core import to_json

from mcp_resources.transports.lines import LineReader, MessageReader, Unanswered

__all__ = ["MessageWriter", "is_pipe", "pipe_streams"]

log = logging.getLogger(__name__)

_WRITE_BUFFER = 4 << 20
"""Bytes queued for a client that does not read before the server's writes wait."""
_PIPE_SIZE = 1 << 20
"""Asked-for pipe capacity: a 1 MiB reply fits in one write instead of sixteen wake-ups."""
_DRAIN_TIMEOUT_S = 5.0
_COPY_UP_TO = 64 << 10


def is_pipe(fd: int) -> bool:
    """Whether `fd` is a pipe or socket, which asyncio can read and write without threads."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class _Drain(asyncio.Protocol):
    """Tells the writer when the client is not keeping up, and when the pipe is gone."""

    def __init__(self) -> None:
        self._room: asyncio.Event | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def pause_writing(self) -> None:
        """The buffer is over its limit: writers wait."""
        self._room = asyncio.Event()

    def resume_writing(self) -> None:
        """The buffer drained: writers go on."""
        if self._room is not None:
            self._room.set()
            self._room = None

    def connection_lost(self, exc: Exception | None) -> None:
        """The client went away (EPIPE) or the transport closed: nothing waits any more."""
        if exc is not None:
            log.info("stdout closed: %s", exc)
        self.resume_writing()
        if not self.closed.done():
            self.closed.set_result(None)

    async def room(self) -> None:
        """Return once the client has read enough (at once if it keeps up)."""
        if self._room is not None:
            await self._room.wait()


class MessageWriter:
    """The server's write stream: the first message of a loop iteration is written at once,
    later ones of the same iteration together with it at its end (one `write(2)` for a burst)."""

    def __init__(self, transport: asyncio.WriteTransport, drain: _Drain, unanswered: Unanswered) -> None:
        self._transport = transport
        self._drain = drain
        self._unanswered = unanswered
        self._loop = asyncio.get_running_loop()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._batching = False
        self._closed = False

    async def send(self, item: SessionMessage) -> None:
        """Write `item` (or queue it behind this iteration's first); waits while the client is behind."""
        if self._closed:
            raise anyio.ClosedResourceError
        message = item.message
        if isinstance(message, JSONRPCResponse | JSONRPCError):
            self._unanswered.drop(message.id)
        # The SDK's model_dump_json(by_alias=True, exclude_unset=True), as bytes: no decode and re-encode.
        await self._write(message.__pydantic_serializer__.to_json(message, by_alias=True, exclude_unset=True))

    async def send_result(self, request_id: RequestId, result: dict[str, Any]) -> None:
        """A request's result, as `send` writes its `JSONRPCResponse` (same bytes), without the model."""
        if self._closed:
            raise anyio.ClosedResourceError
        self._unanswered.drop(request_id)
        await self._write(to_json({"jsonrpc": "2.0", "id": request_id, "result": result}))

    async def _write(self, data: bytes) -> None:
        await self._drain.room()
        if self._transport.is_closing():
            return  # the client is gone (EPIPE): drop, as there is no one to tell
        if not self._batching:
            # Written now rather than at the end of the iteration: a reply leaves ~8% sooner.
            self._batching = True
            self._loop.call_soon(self.flush)
            if len(data) < _COPY_UP_TO:
                self._transport.write(data + b"\n")
            else:  # a second write(2) costs less than copying a big reply
                self._transport.write(data)
                self._transport.write(b"\n")
            return
        self._pending += (data, b"\n")
        self._pending_size += len(data)
        if self._pending_size > _WRITE_BUFFER:  # a sender that never yields still meets backpressure
            self.flush()

    def flush(self) -> None:
        """Hand what is queued to the pipe; the next message starts a new batch."""
        self._batching = False
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._pending_size = 0
            if not self._transport.is_closing():
                self._transport.write(data)

    async def aclose(self) -> None:
        """No more messages; what is queued still goes out."""
        self._closed = True
        self.flush()

    async def __aenter__(self) -> MessageWriter:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _enlarge(fd: int) -> None:
    with contextlib.suppress(OSError, AttributeError):  # Linux only; best effort within the user's quota
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)


@contextlib.asynccontextmanager
async def pipe_streams(read_fd: int, write_fd: int) -> AsyncIterator[tuple[MessageReader, MessageWriter]]:
    """The server's read and write streams over two pipes (see `is_pipe`), for `Server.run`.

    The transports get copies of the descriptors, which they close; the
    originals stay open (the caller owns them) and are left blocking again.
    What the server wrote is still sent on the way out, for up to 5 seconds
    if the client is slow to read it.
    """
    loop = asyncio.get_running_loop()
    _enlarge(write_fd)
    lines = LineReader()
    drain = _Drain()
    read_transport, _ = await loop.connect_read_pipe(lambda: lines, io.FileIO(os.dup(read_fd), "rb"))
    write_transport, _ = await loop.connect_write_pipe(lambda: drain, io.FileIO(os.dup(write_fd), "wb"))
    write_transport.set_write_buffer_limits(high=_WRITE_BUFFER)
    unanswered = Unanswered()
    drain.closed.add_done_callback(lambda _: unanswered.give_up())  # no one left to answer
    writer = MessageWriter(write_transport, drain, unanswered)
    try:
        yield MessageReader(lines, unanswered), writer
    finally:
        writer.flush()
        read_transport.close()
        write_transport.close()  # closes once what is buffered has been written
        with anyio.CancelScope(shield=True):
            with anyio.move_on_after(_DRAIN_TIMEOUT_S):
                await drain.closed
            if not drain.closed.done():
                write_transport.abort()  # a client that stopped reading: give up on the rest
            await asyncio.gather(lines.closed, drain.closed)  # both have let go of their descriptors
        for fd in (read_fd, write_fd):
            with contextlib.suppress(OSError):
                os.set_blocking(fd, True)
