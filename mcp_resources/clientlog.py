"""Log records meant for connected clients too (`notifications/message`, handshake era).

Most of the server's log is for its operator: tracebacks, host paths, provider
internals; it goes to stderr only. A few records are worth showing in the
client (the MCP Inspector shows them, a client may surface them): a watcher
that failed and is restarting, a provider that timed out or failed, a prompt
folder that no longer loads. Those are logged with `extra=FOR_CLIENTS`, and
their *message* only (never the exception or its text) is sent to every
handshake-era connection whose `logging/setLevel` admits the level. A message
logged this way must name nothing of the host: names from the config, never
paths or exception texts. 2026-07-28 removed `logging/setLevel` and made logs
request-scoped, so nothing is sent there.
"""

from __future__ import annotations

import asyncio
import logging
import typing
from collections.abc import Callable, Coroutine
from typing import Any, Literal

__all__ = ["FOR_CLIENTS", "LEVELS", "ClientLogHandler", "McpLevel", "mcp_level"]

McpLevel = Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
LEVELS: tuple[McpLevel, ...] = typing.get_args(McpLevel)
"""MCP log levels, least severe first."""

FOR_CLIENTS: dict[str, Any] = {"mcp_resources_for_clients": True}
"""`extra=` marking a record whose message connected clients may see."""


def mcp_level(levelno: int) -> McpLevel:
    """The MCP level of a `logging` level number."""
    if levelno >= logging.CRITICAL:
        return "critical"
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warning"
    return "info" if levelno >= logging.INFO else "debug"


class ClientLogHandler(logging.Handler):
    """Hands marked records to `deliver(level, logger, message)` on the event loop."""

    def __init__(self, deliver: Callable[[McpLevel, str, str], Coroutine[Any, Any, None]]) -> None:
        super().__init__(logging.DEBUG)
        self.deliver = deliver
        self.loop = asyncio.get_running_loop()
        self._pending: set[asyncio.Task[None]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        """Schedule delivery of a marked record (from any thread); ignore the rest."""
        if not getattr(record, "mcp_resources_for_clients", False):
            return
        level, message = mcp_level(record.levelno), record.getMessage()
        try:
            self.loop.call_soon_threadsafe(self._start, level, record.name, message)
        except RuntimeError:  # the loop has closed: nobody left to tell
            pass

    def _start(self, level: McpLevel, logger: str, message: str) -> None:
        task = self.loop.create_task(self.deliver(level, logger, message))
        self._pending.add(task)  # keep a reference until it is done
        task.add_done_callback(self._pending.discard)
