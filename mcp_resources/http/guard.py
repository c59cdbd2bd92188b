"""ASGI guards around the MCP endpoint: a per-principal rate limit, and the front door.

`RateLimit` sits behind the SDK's auth check, so it knows who is asking: each
principal (or, with auth off, each client address) has a token bucket; an
empty bucket answers 429 with `Retry-After` and a JSON-RPC error body.
`FrontDoor` wraps the whole app: it adds the security headers every response
carries and counts responses by status for /metrics.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter, OrderedDict
from collections.abc import Callable

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RATE_LIMITED", "FrontDoor", "RateLimit"]

RATE_LIMITED = -32029
"""JSON-RPC error code of a request refused by the rate limit (implementation-defined range)."""
_MAX_BUCKETS = 10_000
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]


def _principal(scope: Scope) -> str:
    user = scope.get("user")
    if isinstance(user, AuthenticatedUser):
        token = user.access_token
        return f"token:{token.subject or token.client_id}"
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}"


class RateLimit:
    """Token buckets per principal in front of `app` (`per_second=0`: no limit)."""

    def __init__(
        self, app: ASGIApp, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.app = app
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # who -> (tokens, when)
        self.refused = 0

    def _wait_needed(self, who: str) -> float:
        """0 if `who` may go now (and take a token), else the seconds until it may."""
        now = self.clock()
        tokens, then = self._buckets.pop(who, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.per_second)
        if tokens >= 1:
            self._buckets[who] = (tokens - 1, now)
            wait = 0.0
        else:
            self._buckets[who] = (tokens, now)
            wait = (1 - tokens) / self.per_second
        if len(self._buckets) > _MAX_BUCKETS:  # forget the longest idle (it would be full by now)
            self._buckets.popitem(last=False)
        return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 429."""
        if scope["type"] != "http" or self.per_second <= 0:
            await self.app(scope, receive, send)
            return
        wait = self._wait_needed(_principal(scope))
        if not wait:
            await self.app(scope, receive, send)
            return
        self.refused += 1
        retry = max(1, math.ceil(wait))
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": None,
                "error": {
                    "code": RATE_LIMITED,
                    "message": f"Rate limit exceeded: {self.per_second:g} requests/s "
                    f"(bursts of {self.burst}); retry after {retry} s",
                    "data": {"retryAfter": retry},
                },
            }
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(retry).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class FrontDoor:
    """Adds security headers to every response and counts responses by status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.statuses: Counter[int] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, decorating the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.statuses[message["status"]] += 1
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in _SECURITY_HEADERS if k not in present]
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
