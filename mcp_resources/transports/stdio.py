"""Serving over stdio: stdout carries the protocol, everything else goes to stderr.

The App is started before the first message is read and closed after the
last: on end of input (the client went away) and on SIGTERM/SIGINT alike,
watchers are stopped and files closed before the process exits.
"""

from __future__ import annotations

import gc
import logging
import signal
from typing import cast

import anyio
from mcp.server.stdio import stdio_server

from mcp_resources.app import App
from mcp_resources.observe import Observer
from mcp_resources.server import running
from mcp_resources.transports.stdout import claimed_stdout

__all__ = ["serve_stdio"]

log = logging.getLogger(__name__)


async def _stop_on_signal(scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for received in signals:
            log.info("received %s, shutting down", signal.Signals(received).name)
            scope.cancel()
            return


async def serve_stdio(app: App, *, observer: Observer | None = None) -> None:
    """Serve `app` on this process's stdin/stdout until EOF or a signal."""
    async with running(app, observer=observer) as service, anyio.create_task_group() as tg:
        # Everything loaded so far lives as long as the process: keep it out of the
        # collector's full passes, which otherwise stall a request for ~50 ms each.
        gc.collect()
        gc.freeze()
        tg.start_soon(_stop_on_signal, tg.cancel_scope)
        server = service.server
        async with (
            claimed_stdout() as stdout,
            stdio_server(stdout=cast("anyio.AsyncFile[str]", stdout)) as (
                read_stream,
                write_stream,
            ),
        ):
            log.info("serving %d provider(s) over stdio", len(app.providers))
            await server.run(read_stream, write_stream, server.create_initialization_options())
        log.info("client closed the connection, shutting down")
        tg.cancel_scope.cancel()
