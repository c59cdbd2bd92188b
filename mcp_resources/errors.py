"""The exceptions of mcp-resources.

Providers raise these; `server.py` maps them to JSON-RPC errors exactly once.
Anything else a provider raises is treated as a bug: it is logged with its
traceback on stderr and the client gets a generic internal error, so no
traceback, host path or secret ever reaches the client.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccessDenied",
    "ClientError",
    "ConfigError",
    "InternalError",
    "InvalidRequest",
    "MCPResourcesError",
    "PluginError",
    "ResourceNotFound",
]


class MCPResourcesError(Exception):
    """Base class of every error mcp-resources raises on purpose."""


class ConfigError(MCPResourcesError):
    """The configuration file is unreadable or invalid.

    `problems` holds one line per mistake, each naming the file, the TOML key
    path and the fix, so all mistakes are reported at once.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class PluginError(MCPResourcesError):
    """A plugin could not be loaded or registered something invalid."""


class ClientError(MCPResourcesError):
    """An error caused by what the client sent (mapped to JSON-RPC -32602).

    `message` is sent to the client as is, so it must never contain a host
    path or anything the client did not send; `data` is attached to the
    JSON-RPC error (it always names the offending URI or argument).
    """

    def __init__(self, message: str, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class InvalidRequest(ClientError):
    """The request is malformed: a bad URI, cursor or argument."""


class ResourceNotFound(ClientError):
    """The URI is well-formed but names nothing this server serves."""

    def __init__(self, uri: str, message: str = "Resource not found") -> None:
        super().__init__(message, uri=uri)


class AccessDenied(ClientError):
    """The URI names something that policy forbids serving (secrets, excluded files).

    Policy is checked on the name before anything on disk is touched, so the
    answer is the same whether or not the file exists.
    """

    def __init__(self, uri: str, message: str = "Access denied") -> None:
        super().__init__(message, uri=uri)


class InternalError(MCPResourcesError):
    """A provider failed unexpectedly (mapped to JSON-RPC -32603).

    The message is generic and safe to show a client; the cause is in the log.
    """

    def __init__(self, message: str = "Internal error", **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.data = data
