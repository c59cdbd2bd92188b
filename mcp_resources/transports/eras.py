"""One stdio connection served in the protocol era its first request opens, without a relay.

`Server.run` looks ahead to the client's first request to choose the era
(the `initialize` handshake, or the 2026-07-28 per-request envelope) and
then passes every later message to the chosen loop through a relay task and
a memory stream: one more task switch and turn of the event loop a message,
about a quarter of the server's work for a small read. Our reader keeps what
it read while looking ahead (`MessageReader.opening_request`), so a
handshake-era connection (every client today) is served straight from it by
the pieces `Server.run` assembles: a dispatcher (ours, `dispatch.py`, in the
SDK's place) with `initialize` inline, the SDK's loop `Connection` and
`ServerRunner`, and requests carrying the 2026 envelope refused as the SDK
refuses them. A connection that opens with the envelope is handed to the
SDK's own dual-era loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.server.connection import Connection
from mcp.server.lowlevel.server import Server
from mcp.server.models import InitializationOptions
from mcp.server.runner import ServerRunner, aclose_shielded, serve_dual_era_loop
from mcp.shared.dispatcher import DispatchContext
from mcp.shared.exceptions import MCPError
from mcp.shared.transport_context import TransportContext
from mcp_types import INVALID_REQUEST, PROTOCOL_VERSION_META_KEY

from mcp_resources.transports.dispatch import PipeDispatcher
from mcp_resources.transports.lines import MessageReader
from mcp_resources.transports.pipes import MessageWriter

__all__ = ["serve_connection"]


def opens_modern_era(method: str, params: Mapping[str, Any] | None) -> bool:
    """Whether a first request opens a 2026-07-28 connection: it carries the envelope's version key.

    `initialize` never does (the handshake does not exist at 2026 versions),
    and a bare `_meta` is no sign: handshake-era requests carry `progressToken` there.
    """
    meta = (params or {}).get("_meta")
    return method != "initialize" and isinstance(meta, Mapping) and PROTOCOL_VERSION_META_KEY in meta


async def serve_connection(
    server: Server[Any],
    reader: MessageReader,
    writer: MessageWriter,
    init_options: InitializationOptions,
) -> None:
    """Serve one connection until its input ends, as `Server.run` does (lifespan included).

    Both loops close `writer` when they end (and `pipe_streams` owns the pipes).
    """
    async with server.lifespan(server) as state:
        opening = await reader.opening_request()
        if opening is not None and opens_modern_era(opening.method, opening.params):
            await serve_dual_era_loop(server, reader, writer, lifespan_state=state, init_options=init_options)
        else:
            await _serve_handshake_era(server, reader, writer, state, init_options)


async def _serve_handshake_era(
    server: Server[Any],
    reader: MessageReader,
    writer: MessageWriter,
    state: Any,
    init_options: InitializationOptions,
) -> None:
    # `initialize` is answered before anything else is read, as in the SDK: a
    # client that sends its next request right behind it finds the connection initialized.
    dispatcher = PipeDispatcher(reader, writer, inline_methods=frozenset({"initialize"}))
    connection = Connection.for_loop(dispatcher)
    runner = ServerRunner(server, connection, state, init_options=init_options)
    handle = runner.on_request

    async def on_request(
        dctx: DispatchContext[TransportContext], method: str, params: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        if opens_modern_era(method, params):
            raise MCPError(
                code=INVALID_REQUEST,
                message="this connection serves the handshake protocol era; "
                "requests carrying the 2026-07-28 envelope are not accepted on it",
            )
        return await handle(dctx, method, params)

    try:
        await dispatcher.run(on_request, runner.on_notify)
    finally:
        await aclose_shielded(connection)
