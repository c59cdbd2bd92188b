"""The inbound half of our stdio transport: stdin's bytes into lines, lines into messages.

`LineReader` is the asyncio protocol of the stdin pipe: it splits bytes into
lines as they arrive, as the SDK's transport reads them (a lone CR also ends
a line; a last line without its newline still counts), and pauses the pipe
while too many lines wait. `MessageReader` is the server's read stream: it
validates each line into a `SessionMessage` exactly as the SDK does, in the
task that receives it. It can look ahead to the client's first request and
hand back what it read on the way (`opening_request`), which `eras.py`
uses to choose the protocol era without a relay. At the end of input it
waits (a bounded while) for the server to answer the requests it delivered:
`printf '...' | mcp-resources serve` gets its answers, where the SDK's
transport cancels what is still running and answers "Connection closed".
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import cast

import anyio
import mcp_types as types
from mcp.shared.dispatcher import coerce_request_id
from mcp.shared.jsonrpc_dispatcher import cancelled_request_id_from_params
from mcp.shared.message import SessionMessage

log = logging.getLogger(__name__)

__all__ = ["LineReader", "MessageReader", "Unanswered"]

_PAUSE_AT_LINES = 64
"""Parsed lines waiting for the server before stdin is no longer read."""
_KEPT_BEFORE_FIRST_REQUEST = 8
"""Messages before the client's first request that are kept for the server (the SDK keeps as many)."""
_ANSWER_GRACE_S = 10.0
"""How long, after the end of input, requests still running get to be answered."""
_OPEN_ENDED = frozenset({"subscriptions/listen"})
"""Requests answered only when the client ends them: not waited for at the end of input."""


class Unanswered:
    """Ids of the client's requests the server has not answered yet.

    The reader adds each request it delivers (and drops one the client
    cancels, which is never answered); the writer drops each it answers.
    Ids are compared as the dispatcher correlates them: "7" and 7 are one.
    """

    def __init__(self) -> None:
        self._ids: set[types.RequestId] = set()
        self._none_left = asyncio.Event()
        self._none_left.set()
        self._gone = False

    def add(self, request_id: types.RequestId) -> None:
        """A request was delivered to the server."""
        if not self._gone:
            self._ids.add(coerce_request_id(request_id))
            self._none_left.clear()

    def drop(self, request_id: types.RequestId | None) -> None:
        """A request was answered, or cancelled by the client."""
        if request_id is not None:
            self._ids.discard(coerce_request_id(request_id))
        if not self._ids:
            self._none_left.set()

    def give_up(self) -> None:
        """Nothing can be answered any more (stdout is gone): stop waiting."""
        self._gone = True
        self._ids.clear()
        self._none_left.set()

    async def settled(self) -> None:
        """Return once every request delivered so far is answered."""
        await self._none_left.wait()


class LineReader(asyncio.Protocol):
    """Collects stdin into lines; pauses the pipe while too many wait."""

    def __init__(self) -> None:
        self._partial: list[bytes] = []
        self._lines: deque[bytes] = deque()
        self._done = False
        self._waiter: asyncio.Future[None] | None = None
        self._transport: asyncio.ReadTransport | None = None
        self._paused = False
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport, to pause and resume it."""
        self._transport = cast("asyncio.ReadTransport", transport)  # not every loop's subclasses it

    def data_received(self, data: bytes) -> None:
        """Split `data` into lines; the tail waits for the rest of its line."""
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            if self._partial:
                self._partial.append(data[start:end])
                self._add(b"".join(self._partial))
                self._partial.clear()
            else:
                self._add(data[start:end])
            start = end + 1
        if start < len(data):
            self._partial.append(data[start:] if start else data)
        if len(self._lines) >= _PAUSE_AT_LINES and self._transport and not self._paused:
            self._paused = True
            self._transport.pause_reading()
        self._wake()

    def _add(self, line: bytes) -> None:
        # The SDK reads text with universal newlines: a lone CR also ends a line (CRLF ends one).
        if b"\r" in line:
            parts = line.split(b"\r")
            if not parts[-1]:
                parts.pop()
            self._lines.extend(parts)
        else:
            self._lines.append(line)

    def eof_received(self) -> bool:
        """End of input: a last line without its newline still counts, as in the SDK."""
        self._finish()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """The pipe closed (or failed): no more lines."""
        self._finish()
        if not self.closed.done():
            self.closed.set_result(None)

    def _finish(self) -> None:
        if self._partial:
            self._add(b"".join(self._partial))
            self._partial.clear()
        self._done = True
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def readline(self) -> bytes | None:
        """The next line without its newline; None at end of input."""
        while not self._lines:
            if self._done:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self._paused and len(self._lines) <= _PAUSE_AT_LINES // 2 and self._transport:
            self._paused = False
            self._transport.resume_reading()
        return self._lines.popleft()


class MessageReader:
    """The server's read stream: each line of stdin as a `SessionMessage`, or the exception it raised.

    Lines are validated in the task that receives them: no task or queue of its own.
    """

    def __init__(self, lines: LineReader, unanswered: Unanswered | None = None) -> None:
        self._lines = lines
        self._closed = False
        self._held: deque[SessionMessage | Exception] = deque()
        self._unanswered = unanswered or Unanswered()

    async def opening_request(self) -> types.JSONRPCRequest | None:
        """Read up to the client's first request and return it (None: input ended first).

        What was read stays held and is received again, in order, as the SDK's
        own look-ahead replays it: the first request and up to eight messages
        before it (later ones are dropped, as there).
        """
        while True:
            try:
                item = await self._read()
            except anyio.EndOfStream:
                return None
            if isinstance(item, SessionMessage) and isinstance(item.message, types.JSONRPCRequest):
                self._held.append(item)
                return item.message
            if len(self._held) < _KEPT_BEFORE_FIRST_REQUEST:
                self._held.append(item)
            else:
                log.debug("dropped a message received before the first request: %r", item)

    async def receive(self) -> SessionMessage | Exception:
        """The next message; `anyio.EndOfStream` at end of input."""
        if self._closed:
            raise anyio.ClosedResourceError
        if self._held:
            return self._held.popleft()
        return await self._read()

    async def _read(self) -> SessionMessage | Exception:
        line = await self._lines.readline()
        if line is None:
            with anyio.move_on_after(_ANSWER_GRACE_S):
                await self._unanswered.settled()
            raise anyio.EndOfStream
        try:
            # As the SDK: the text is decoded with replacement characters, then validated.
            message = types.jsonrpc_message_adapter.validate_json(
                line.decode("utf-8", "replace"), by_name=False
            )
        except Exception as exc:
            return exc  # the server logs it and reads on
        if isinstance(message, types.JSONRPCRequest):
            if message.method not in _OPEN_ENDED:
                self._unanswered.add(message.id)
        elif isinstance(message, types.JSONRPCNotification) and message.method == "notifications/cancelled":
            self._unanswered.drop(cancelled_request_id_from_params(message.params))
        return SessionMessage(message)

    def __aiter__(self) -> MessageReader:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        """Stop reading (the pipe itself is closed by `pipe_streams`)."""
        self._closed = True

    async def __aenter__(self) -> MessageReader:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
