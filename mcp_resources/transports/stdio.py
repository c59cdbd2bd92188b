"""Serving over stdio: stdout carries the protocol, everything else goes to stderr.

Two transports carry the same protocol: our own (`pipes.py`, the default:
the event loop reads and writes the pipes itself) and the SDK's
(`mcp.server.stdio`, a worker thread per read and write), chosen with
`serve --stdio-transport`. Ours needs stdin and stdout to be pipes or
sockets, as MCP clients give; a terminal or a file falls back to the SDK's.
On ours the connection is served by `eras.py` (the protocol era chosen from
the reader's look-ahead, with no relay task), on the SDK's by `Server.run`.

The App is started before the first message is read and closed after the
last: on end of input (the client went away) and on SIGTERM/SIGINT alike,
watchers are stopped and files closed before the process exits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator
from typing import Any, Literal

import anyio
from mcp.server.stdio import stdio_server

from mcp_resources.app import App
from mcp_resources.observe import Observer
from mcp_resources.server import running
from mcp_resources.transports.claim import claimed_stdio
from mcp_resources.transports.eras import serve_connection
from mcp_resources.transports.lines import MessageReader
from mcp_resources.transports.pipes import is_pipe, pipe_streams
from mcp_resources.transports.tuning import tune_for_serving

__all__ = ["StdioTransport", "serve_stdio"]

log = logging.getLogger(__name__)

StdioTransport = Literal["own", "sdk"]
"""The stdio transports: ours (the default) and the SDK's."""


async def _stop_on_signal(scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for received in signals:
            log.info("received %s, shutting down", signal.Signals(received).name)
            scope.cancel()
            return


def _pipes_fit() -> bool:
    """Whether stdin and stdout are pipes the event loop may make non-blocking.

    Not when stdout is the very pipe stderr writes to: non-blocking is a
    property of the pipe, and logging to stderr would then fail when it fills.
    """
    if not (is_pipe(0) and is_pipe(1)):
        return False
    out, err = os.fstat(1), os.fstat(2)
    return (out.st_dev, out.st_ino) != (err.st_dev, err.st_ino)


@contextlib.asynccontextmanager
async def _streams(transport: StdioTransport) -> AsyncIterator[tuple[Any, Any]]:
    """The server's (read, write) streams: the SDK's ReadStream and WriteStream protocols."""
    if transport == "own" and _pipes_fit():
        with claimed_stdio() as (stdin, stdout):
            async with pipe_streams(stdin, stdout) as streams:
                log.info("serving over stdio (own transport)")
                yield streams
        return
    if transport == "own":
        log.info("stdin or stdout is not a pipe: using the SDK's stdio transport")
    async with stdio_server() as (read_stream, write_stream):
        log.info("serving over stdio (sdk transport)")
        yield read_stream, write_stream


async def serve_stdio(
    app: App, transport: StdioTransport = "own", *, observer: Observer | None = None
) -> None:
    """Serve `app` on this process's stdin/stdout until EOF or a signal."""
    async with running(app, observer=observer) as service, anyio.create_task_group() as tg:
        tune_for_serving()
        tg.start_soon(_stop_on_signal, tg.cancel_scope)
        server = service.server
        options = server.create_initialization_options()
        async with _streams(transport) as (read_stream, write_stream):
            if isinstance(read_stream, MessageReader):
                await serve_connection(server, read_stream, write_stream, options)
            else:
                await server.run(read_stream, write_stream, options)
        log.info("client closed the connection, shutting down")
        tg.cancel_scope.cancel()
