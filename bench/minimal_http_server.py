"""Baseline for bench_http.py: the SDK's own Streamable HTTP app around a minimal low-level server.

`python bench/minimal_http_server.py ROOT PORT` serves ROOT's files on 127.0.0.1:PORT/mcp with
`Server.streamable_http_app()` at its defaults (stateful, SSE answers, DNS-rebinding guard
for loopback) under uvicorn: reads join the URI's path to ROOT; subscriptions are accepted
(handshake era) and listen streams held (2026-07-28), but it has no watcher, so it sends no
notifications. No auth, no policy: the floor the SDK's HTTP stack sets.
"""

from __future__ import annotations

import sys
from pathlib import Path

import mcp_types as types
import uvicorn
from mcp import MCPError
from mcp.server.lowlevel import Server
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler

ROOT = Path(sys.argv[1]).resolve()
PREFIX = "min://"


async def read_resource(ctx: object, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
    try:
        text = (ROOT / params.uri.removeprefix(PREFIX)).read_text("utf-8")
    except OSError:
        raise MCPError(types.INVALID_PARAMS, "Resource not found", data={"uri": params.uri}) from None
    return types.ReadResourceResult(
        contents=[types.TextResourceContents(uri=params.uri, mime_type="text/plain", text=text)]
    )


async def subscribe(ctx: object, params: types.SubscribeRequestParams) -> types.EmptyResult:
    return types.EmptyResult()


server: Server[object] = Server(
    "minimal-http",
    on_read_resource=read_resource,
    on_subscribe_resource=subscribe,
    on_subscriptions_listen=ListenHandler(InMemorySubscriptionBus()),
)

if __name__ == "__main__":
    uvicorn.run(server.streamable_http_app(), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
