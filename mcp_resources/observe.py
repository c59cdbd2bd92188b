"""Server middleware: who is asking (access), what they got (metrics), and the audit trail.

Runs around every request, outside the error mapping, so it sees the final
JSON-RPC outcome. The caller's `Access` comes from the HTTP bearer token the
SDK's auth middleware verified (none on stdio: everything is allowed).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

import anyio
import mcp_types as types
from mcp import MCPError
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

from mcp_resources.access import LOCAL, Access, acting_as, current_access
from mcp_resources.audit import AuditLog

__all__ = ["AUDITED", "Observer", "RequestObserver", "outcome_of"]

AUDITED = frozenset(
    {
        "resources/read",
        "resources/subscribe",
        "resources/unsubscribe",
        "subscriptions/listen",
        "prompts/get",
        "tools/call",
    }
)
"""Methods that leave a line in the audit log."""


class RequestObserver(Protocol):
    """Receives one call per finished request (the HTTP metrics implement it)."""

    def observe(self, method: str, outcome: str, seconds: float, nbytes: int) -> None:
        """Count a request of `method` with `outcome`, its duration and the bytes it returned."""


def outcome_of(exc: BaseException | None) -> str:
    """A short label for how a request ended: ok, invalid_params, internal_error, cancelled..."""
    if exc is None:
        return "ok"
    if isinstance(exc, MCPError):
        return {
            types.INVALID_PARAMS: "invalid_params",
            types.INTERNAL_ERROR: "internal_error",
            types.METHOD_NOT_FOUND: "method_not_found",
        }.get(exc.error.code, f"error_{exc.error.code}")
    if isinstance(exc, anyio.get_cancelled_exc_class()):
        return "cancelled"
    return "internal_error"


def _access() -> Access:
    token = get_access_token()
    if token is None:
        return LOCAL
    return Access.from_scopes(token.subject or token.client_id or "unknown", token.scopes)


def _returned_bytes(result: HandlerResult) -> int:
    if not isinstance(result, dict):
        return 0
    total = 0
    for content in result.get("contents", ()):
        if "blob" in content:
            total += len(content["blob"]) * 3 // 4
        else:
            total += len(content.get("text", "").encode("utf-8"))
    return total


def _subject(method: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The audit fields naming what a request was about."""
    if params is None:
        return {}
    if method == "prompts/get":
        return {"prompt": params.get("name")}
    if method == "tools/call":
        arguments = params.get("arguments") or {}
        return {"tool": params.get("name"), "uri": arguments.get("uri")}
    if method == "subscriptions/listen":
        notifications = params.get("notifications") or {}
        return {"uris": notifications.get("resourceSubscriptions") or []}
    return {"uri": params.get("uri")}


class Observer:
    """The middleware: set the caller's access, then time, count and audit the request."""

    def __init__(self, audit: AuditLog | None = None, observer: RequestObserver | None = None) -> None:
        self.audit = audit
        self.observer = observer

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        """Serve one request as its caller, recording how it went."""
        access = _access()
        if self.audit is None and self.observer is None and current_access() is access:
            return await call_next(ctx)  # stdio without an audit log: nothing to set or record
        started = time.perf_counter()
        failure: BaseException | None = None
        result: HandlerResult = None
        try:
            with acting_as(access):
                result = await call_next(ctx)
            return result
        except BaseException as exc:
            failure = exc
            raise
        finally:
            self._record(ctx, access, outcome_of(failure), time.perf_counter() - started, result)

    def _record(
        self, ctx: ServerRequestContext[Any, Any], access: Access, outcome: str, seconds: float, result: Any
    ) -> None:
        nbytes = _returned_bytes(result)
        if self.observer is not None:
            self.observer.observe(ctx.method, outcome, seconds, nbytes)
        if self.audit is not None and ctx.method in AUDITED:
            fields = _subject(ctx.method, ctx.params)
            self.audit.record(
                ctx.method, access.principal, outcome, bytes=nbytes, ms=round(seconds * 1000, 2), **fields
            )
