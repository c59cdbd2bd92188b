"""mcp-resources: files, SQL databases and logs as MCP resources, from one TOML file.

The public API for plugin authors is re-exported here: the hook marker, the
component base classes and the values they exchange, and the errors they
raise. Importing this package loads no plugin and starts nothing, and imports
nothing until a name is used: the prompt worker process, which imports
`mcp_resources.prompts.worker`, starts without pydantic, anyio or the SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcp_resources.components import (
        BlobContent,
        ChangeEvent,
        Completion,
        Contents,
        Notifier,
        NotifierConfig,
        PromptsListChanged,
        ProviderConfig,
        Publish,
        Resource,
        ResourcePage,
        ResourceProvider,
        ResourcesListChanged,
        ResourceTemplate,
        ResourceUpdated,
        TextContent,
    )
    from mcp_resources.errors import (
        AccessDenied,
        ClientError,
        ConfigError,
        InvalidRequest,
        MCPResourcesError,
        PluginError,
        ResourceNotFound,
    )
    from mcp_resources.hookspecs import hookimpl

_EXPORTS = {
    "BlobContent": "mcp_resources.components",
    "ChangeEvent": "mcp_resources.components",
    "Completion": "mcp_resources.components",
    "Contents": "mcp_resources.components",
    "Notifier": "mcp_resources.components",
    "NotifierConfig": "mcp_resources.components",
    "PromptsListChanged": "mcp_resources.components",
    "ProviderConfig": "mcp_resources.components",
    "Publish": "mcp_resources.components",
    "Resource": "mcp_resources.components",
    "ResourcePage": "mcp_resources.components",
    "ResourceProvider": "mcp_resources.components",
    "ResourcesListChanged": "mcp_resources.components",
    "ResourceTemplate": "mcp_resources.components",
    "ResourceUpdated": "mcp_resources.components",
    "TextContent": "mcp_resources.components",
    "AccessDenied": "mcp_resources.errors",
    "ClientError": "mcp_resources.errors",
    "ConfigError": "mcp_resources.errors",
    "InvalidRequest": "mcp_resources.errors",
    "MCPResourcesError": "mcp_resources.errors",
    "PluginError": "mcp_resources.errors",
    "ResourceNotFound": "mcp_resources.errors",
    "hookimpl": "mcp_resources.hookspecs",
}
"""Public name -> the module defining it, imported on first use (PEP 562)."""

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "BlobContent",
    "ChangeEvent",
    "ClientError",
    "Completion",
    "ConfigError",
    "Contents",
    "InvalidRequest",
    "MCPResourcesError",
    "Notifier",
    "NotifierConfig",
    "PluginError",
    "PromptsListChanged",
    "ProviderConfig",
    "Publish",
    "Resource",
    "ResourceNotFound",
    "ResourcePage",
    "ResourceProvider",
    "ResourceTemplate",
    "ResourceUpdated",
    "ResourcesListChanged",
    "TextContent",
    "__version__",
    "hookimpl",
]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
