"""Baseline for the notification benchmark: the SDK's low-level server plus watchfiles, minimal.

`python bench/minimal_notify_server.py ROOT` serves the files under ROOT as `min://PATH`
and, for handshake-era clients, answers `resources/subscribe` and sends
`notifications/resources/updated` for every changed file a client subscribed to (and
`list_changed` when files come or go), from `watchfiles.awatch(ROOT)` with the settings
the SDK's own example uses (debounce=100). No policy, no validation, no coalescing of
our own: the floor the SDK and watchfiles set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.session import ServerSession
from mcp.server.stdio import stdio_server
from watchfiles import Change, awatch

ROOT = Path(sys.argv[1]).resolve()
PREFIX = "min://"
sessions: dict[object, tuple[ServerSession, set[str]]] = {}


def entry(ctx: Any) -> tuple[ServerSession, set[str]]:
    conn = ctx.session._connection
    if conn not in sessions:
        sessions[conn] = (ctx.session, set())
    return sessions[conn]


async def subscribe(ctx: Any, params: types.SubscribeRequestParams) -> types.EmptyResult:
    entry(ctx)[1].add(params.uri)
    return types.EmptyResult()


async def unsubscribe(ctx: Any, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
    entry(ctx)[1].discard(params.uri)
    return types.EmptyResult()


async def list_resources(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListResourcesResult:
    return types.ListResourcesResult(resources=[])


async def watch() -> None:
    async for changes in awatch(ROOT, debounce=100):
        listing = False
        for change, path in changes:
            uri = PREFIX + os.path.relpath(path, ROOT)
            listing = listing or change != Change.modified
            for session, uris in list(sessions.values()):
                if uri in uris:
                    await session.send_resource_updated(uri)
        if listing:
            for session, _ in list(sessions.values()):
                await session.send_resource_list_changed()


server: Server[object] = Server(
    "minimal-notify",
    on_list_resources=list_resources,
    on_subscribe_resource=subscribe,
    on_unsubscribe_resource=unsubscribe,
)


async def main() -> None:
    async with anyio.create_task_group() as tg:
        tg.start_soon(watch)
        async with stdio_server() as (read_stream, write_stream):
            options = server.create_initialization_options(NotificationOptions(resources_changed=True))
            await server.run(read_stream, write_stream, options)
        tg.cancel_scope.cancel()


if __name__ == "__main__":
    anyio.run(main)
