"""The server's own requests to a stdio client, waiting for their answers (see `dispatch.py`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

import anyio
import anyio.lowlevel
from mcp.shared.dispatcher import CallOptions, ProgressFnT, coerce_request_id
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT, ErrorData, JSONRPCMessage, JSONRPCRequest, RequestId

__all__ = ["CLOSED", "ServerRequests", "contained"]

log = logging.getLogger(__name__)

CLOSED = ErrorData(code=CONNECTION_CLOSED, message="Connection closed")
"""What a waiting request gets when the connection closes (and a handler still running at shutdown)."""
_CANCEL_WRITE_S = 5.0
"""How long the courtesy `notifications/cancelled` for a request we abandon may take to go out."""

Send = Callable[[JSONRPCMessage], Awaitable[None]]
Notify = Callable[[str, Mapping[str, Any] | None], Awaitable[None]]


class ServerRequests:
    """Requests the server sent and awaits: ids, answers, progress, timeouts and courtesy cancels.

    As the SDK's dispatcher does it: an id the caller chose is used verbatim
    (and refused while in flight), the id doubles as the progress token, a
    request timed out or abandoned by its caller is cancelled at the client,
    and all waiters get "Connection closed" when the connection ends.
    """

    def __init__(self, send: Send, notify: Notify, start: Callable[[Awaitable[None]], object]) -> None:
        self._send = send
        self._notify = notify
        self._start = start
        self._waiting: dict[RequestId, tuple[asyncio.Future[Any], ProgressFnT | None]] = {}
        self._last_id = 0

    async def request(
        self, method: str, params: Mapping[str, Any] | None, opts: CallOptions
    ) -> dict[str, Any]:
        """Send a request and await its result; `MCPError` for the client's error, a timeout or a close."""
        request_id, key = self._new_id(opts.get("request_id"))
        out = dict(params) if params is not None else {}
        on_progress = opts.get("on_progress")
        if on_progress is not None:
            out["_meta"] = {**(out.get("_meta") or {}), "progressToken": request_id}
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[key] = (answer, on_progress)
        abandon = opts.get("cancel_on_abandon", True)
        written = False
        try:
            await anyio.lowlevel.checkpoint_if_cancelled()
            written = True  # from here a cancelled write may have gone out: it counts as sent
            if out:
                await self._send(JSONRPCRequest(jsonrpc="2.0", id=request_id, method=method, params=out))
            else:  # no `"params": null`, which JSON-RPC forbids
                await self._send(JSONRPCRequest(jsonrpc="2.0", id=request_id, method=method))
            with anyio.fail_after(opts.get("timeout")):
                outcome = await answer
        except TimeoutError:
            if abandon:
                await self._cancel(request_id, f"timed out after {opts.get('timeout')}s", shield=False)
            raise MCPError(code=REQUEST_TIMEOUT, message=f"Request {method!r} timed out") from None
        except asyncio.CancelledError:
            if written and abandon:
                await self._cancel(request_id, "caller cancelled", shield=True)
            raise
        finally:
            self._waiting.pop(key, None)
        if isinstance(outcome, ErrorData):
            raise MCPError(code=outcome.code, message=outcome.message, data=outcome.data)
        return outcome  # type: ignore[no-any-return]

    def answered(self, request_id: RequestId | None, outcome: dict[str, Any] | ErrorData) -> None:
        """The client answered one of our requests (an answer nobody waits for is dropped)."""
        waiting = self._waiting.get(coerce_request_id(request_id)) if request_id is not None else None
        if waiting is None or waiting[0].done():
            log.debug("dropping response for unknown/late request id %r", request_id)
            return
        waiting[0].set_result(outcome)

    def progressed(self, params: Mapping[str, Any]) -> None:
        """The client reported progress on one of our requests: its callback runs in a task of its own."""
        token, progress = params.get("progressToken"), _number(params.get("progress"))
        if progress is None or isinstance(token, bool) or not isinstance(token, str | int):
            return
        waiting = self._waiting.get(coerce_request_id(token))
        if waiting is None or waiting[1] is None:
            return
        message = params.get("message")
        report = partial(
            waiting[1], progress, _number(params.get("total")), message if isinstance(message, str) else None
        )
        self._start(contained(report, "progress callback"))

    def close(self) -> None:
        """The connection ended: every waiter gets "Connection closed"."""
        for answer, _ in self._waiting.values():
            if not answer.done():
                answer.set_result(CLOSED)
        self._waiting.clear()

    def _new_id(self, chosen: RequestId | None) -> tuple[RequestId, RequestId]:
        if chosen is not None:
            key = coerce_request_id(chosen)  # "7" and 7 are one id when the answer comes back
            if key in self._waiting:
                raise ValueError(f"request id {chosen!r} is already in flight")
            return chosen, key
        self._last_id += 1
        while self._last_id in self._waiting:  # skip ids a caller chose
            self._last_id += 1
        return self._last_id, self._last_id

    async def _cancel(self, request_id: RequestId, reason: str, *, shield: bool) -> None:
        with anyio.move_on_after(_CANCEL_WRITE_S, shield=shield):
            await self._notify("notifications/cancelled", {"requestId": request_id, "reason": reason})


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


async def contained(call: Callable[[], Awaitable[None]], what: str) -> None:
    """Run `call` in the task awaiting this, logging what it raises: a failing callback costs only itself."""
    try:
        await call()
    except Exception:
        log.exception("%s raised", what)
