"""The SDK's `Dispatcher` contract over our stdio pipes, with plain asyncio tasks.

The SDK's `JSONRPCDispatcher` serves every transport (HTTP streams, context
snapshots per message, OpenTelemetry spans) and pays for it on each request:
an anyio task started through a wrapper coroutine, a cancel scope, two
events and a context object; for a small read that was a sixth of the
server's work. On a pipe none of it is needed: here a request is one
asyncio task and one small `Inbound`. The contract is the SDK's, point by
point (`mcp.shared.dispatcher.Dispatcher`, and the JSON-RPC dispatcher's
choices where the protocol leaves them open):

- `initialize` is answered before the next message is read;
- a request the client cancels is interrupted and never answered;
- one still running at shutdown is cancelled and answered "Connection closed";
- a handler's exception is answered as the SDK answers it;
- notifications are offered to the intercept in order, then handled in a task each;
- the server's own requests to the client (`outbound.py`) time out, report
  progress and are cancelled at the client when abandoned.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from functools import partial
from typing import Any

import anyio
import anyio.abc
from mcp.shared.dispatcher import (
    CallOptions,
    OnNotify,
    OnNotifyIntercept,
    OnRequest,
    coerce_request_id,
    run_notify_intercept,
)
from mcp.shared.exceptions import MCPError
from mcp.shared.jsonrpc_dispatcher import (
    cancelled_request_id_from_params,
    handler_exception_to_error_data,
    progress_token_from_params,
)
from mcp.shared.message import MessageMetadata, SessionMessage
from mcp_types import (
    ErrorData,
    JSONRPCError,
    JSONRPCMessage,
    JSONRPCNotification,
    JSONRPCRequest,
    JSONRPCResponse,
    RequestId,
)

from mcp_resources.transports.inbound import Inbound
from mcp_resources.transports.lines import MessageReader
from mcp_resources.transports.outbound import CLOSED, ServerRequests, contained
from mcp_resources.transports.pipes import MessageWriter

__all__ = ["PipeDispatcher"]

log = logging.getLogger(__name__)

_SHUTDOWN_WRITE_S = 1.0
"""How long answering "Connection closed" to a request still running at shutdown may take."""


class PipeDispatcher:
    """The SDK's `Dispatcher` over our stdio reader and writer (see the module's docstring)."""

    def __init__(
        self,
        reader: MessageReader,
        writer: MessageWriter,
        *,
        inline_methods: frozenset[str] = frozenset({"initialize"}),
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._inline = inline_methods
        self._in_flight: dict[RequestId, tuple[Inbound, asyncio.Task[None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._requests = ServerRequests(self._send, self.notify, self._start)
        self._running = False
        self._closed = False

    async def run(
        self,
        on_request: OnRequest,
        on_notify: OnNotify,
        on_notify_intercept: OnNotifyIntercept | None = None,
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Serve the client's messages until its input ends; then cancel what still runs, and close."""
        self._running = True
        task_status.started()
        try:
            async for item in self._reader:
                if isinstance(item, Exception):
                    log.debug("transport yielded exception: %r", item)  # skipped, as by the SDK
                    continue
                message = item.message
                if isinstance(message, JSONRPCRequest):
                    await self._request(message, item.metadata, on_request)
                elif isinstance(message, JSONRPCNotification):
                    self._notification(message, item.metadata, on_notify, on_notify_intercept)
                elif isinstance(message, JSONRPCResponse):
                    self._requests.answered(message.id, message.result)
                else:
                    self._requests.answered(message.id, message.error)
        finally:
            self._running = False
            self._closed = True
            self._requests.close()
            for task in self._tasks:
                task.cancel()
            with anyio.CancelScope(shield=True):
                while self._tasks:
                    await asyncio.wait(set(self._tasks))
            await self._writer.aclose()

    def _start(self, work: Awaitable[None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _request(self, request: JSONRPCRequest, metadata: MessageMetadata, handle: OnRequest) -> None:
        inbound = Inbound(self, request.id, metadata, progress_token_from_params(request.params))
        key = coerce_request_id(request.id)
        task = self._start(self._answer(request, key, inbound, handle))
        # A duplicate id takes the entry over, as in the SDK.
        self._in_flight[key] = (inbound, task)
        if request.method in self._inline:
            # Nothing more is read until it is answered: the next request sees its effect.
            await asyncio.shield(task)

    async def _answer(
        self, request: JSONRPCRequest, key: RequestId, inbound: Inbound, handle: OnRequest
    ) -> None:
        answering = False
        try:
            try:
                result = await handle(inbound, request.method, request.params)
            finally:
                inbound.close()
                if (entry := self._in_flight.get(key)) is not None and entry[0] is inbound:
                    del self._in_flight[key]
            if not inbound.cancelled:
                answering = True
                await self._deliver(self._writer.send_result(request.id, result))
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if inbound.interrupted and task is not None and task.uncancel() == 0:
                return  # the client's own cancel, and nothing else: settled, unanswered
            if not answering and not inbound.cancelled:
                with anyio.move_on_after(_SHUTDOWN_WRITE_S, shield=True):
                    await self._send(JSONRPCError(jsonrpc="2.0", id=request.id, error=CLOSED))
            raise
        except Exception as exc:
            error = handler_exception_to_error_data(exc)
            if error is None:
                log.exception("handler for %r raised", request.method)
                error = ErrorData(code=0, message=str(exc))  # the SDK's answer, kept for parity
            if not inbound.cancelled:
                await self._send(JSONRPCError(jsonrpc="2.0", id=request.id, error=error))

    def _notification(
        self,
        note: JSONRPCNotification,
        metadata: MessageMetadata,
        on_notify: OnNotify,
        intercept: OnNotifyIntercept | None,
    ) -> None:
        if note.method == "notifications/cancelled":
            rid = cancelled_request_id_from_params(note.params)
            if rid is not None and (entry := self._in_flight.pop(coerce_request_id(rid), None)) is not None:
                # Out of the table here: a task cancelled before its first step runs none of its own code.
                inbound, task = entry
                inbound.cancel_requested.set()
                inbound.interrupted = True
                task.cancel()
        elif note.method == "notifications/progress":
            self._requests.progressed(note.params or {})
        if run_notify_intercept(intercept, note.method, note.params):
            return
        handle = partial(on_notify, Inbound(self, None, metadata), note.method, note.params)
        self._start(contained(handle, f"notification handler for {note.method!r}"))

    async def _send(self, message: JSONRPCMessage) -> None:
        await self._deliver(self._writer.send(SessionMessage(message)))

    async def _deliver(self, write: Awaitable[None]) -> None:
        try:
            await write
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            log.debug("dropped a message: stdout is closed")

    async def notify(
        self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None
    ) -> None:
        """Send a notification to the client (dropped once the connection is closed)."""
        if self._closed:
            log.debug("dropped %s: dispatcher closed", method)
        elif params is None:  # no `"params": null`, which JSON-RPC forbids
            await self._send(JSONRPCNotification(jsonrpc="2.0", method=method))
        else:
            await self._send(JSONRPCNotification(jsonrpc="2.0", method=method, params=dict(params)))

    async def send_raw_request(
        self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None
    ) -> dict[str, Any]:
        """Send a request to the client and await its result (see `ServerRequests.request`)."""
        if self._closed:
            raise MCPError.from_error_data(CLOSED)
        if not self._running:
            raise RuntimeError("PipeDispatcher.send_raw_request called before run()")
        return await self._requests.request(method, params, opts or {})
