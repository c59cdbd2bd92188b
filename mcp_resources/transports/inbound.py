"""The `DispatchContext` of one message from a stdio client (see `dispatch.py`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import anyio
from mcp.shared.dispatcher import CallOptions, Outbound
from mcp.shared.exceptions import NoBackChannelError
from mcp.shared.message import MessageMetadata
from mcp.shared.transport_context import TransportContext
from mcp_types import ProgressToken, RequestId

__all__ = ["Inbound"]

log = logging.getLogger(__name__)

_PIPE = TransportContext(kind="jsonrpc", can_send_request=True)
"""A pipe is duplex: a request may be answered by a request of the server's (the SDK's default)."""


class Inbound:
    """One request (or notification) from the client: its id, its back-channel, whether it was cancelled.

    Made for every request, so it is small: the cancel event the protocol asks
    for is only made if someone looks at it (the client cancels, or a handler asks).
    """

    __slots__ = ("_cancel", "_closed", "_outbound", "_token", "interrupted", "message_metadata", "request_id")

    transport: TransportContext = _PIPE

    def __init__(
        self,
        outbound: Outbound,
        request_id: RequestId | None,
        metadata: MessageMetadata,
        token: ProgressToken | None = None,
    ) -> None:
        self._outbound = outbound
        self.request_id = request_id
        """The request's JSON-RPC id; None for a notification."""
        self.message_metadata = metadata
        """What the transport attached to the message (nothing, on stdio)."""
        self._token = token
        self._cancel: anyio.Event | None = None
        self._closed = False
        self.interrupted = False
        """Whether the dispatcher cancelled the handler's task because the client cancelled the request."""

    @property
    def cancel_requested(self) -> anyio.Event:
        """Set when the client sends `notifications/cancelled` for this request."""
        if self._cancel is None:
            self._cancel = anyio.Event()
        return self._cancel

    @property
    def cancelled(self) -> bool:
        """Whether the client cancelled this request: it is then never answered."""
        return self._cancel is not None and self._cancel.is_set()

    @property
    def can_send_request(self) -> bool:
        """Whether a request to the client may still be sent on its behalf (not once it is answered)."""
        return not self._closed

    def close(self) -> None:
        """The request is done: its back-channel closes."""
        self._closed = True

    async def notify(
        self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None
    ) -> None:
        """Send a notification to the client, unless this request is done."""
        if self._closed:
            log.debug("dropped %s: its request is done", method)
            return
        await self._outbound.notify(method, params, opts)

    async def send_raw_request(
        self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None
    ) -> dict[str, Any]:
        """Send a request to the client while handling this one, and await its result."""
        if self._closed:
            raise NoBackChannelError(method)
        return await self._outbound.send_raw_request(method, params, opts)

    async def progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        """Report progress to the client, if it asked for it with a progress token (else nothing)."""
        if self._token is None:
            return
        params: dict[str, Any] = {"progressToken": self._token, "progress": progress}
        if total is not None:
            params["total"] = total
        if message is not None:
            params["message"] = message
        await self.notify("notifications/progress", params)
