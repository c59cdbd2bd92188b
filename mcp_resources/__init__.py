"""mcp-resources: files, SQL databases and logs as MCP resources, from one TOML file.

The public API for plugin authors is re-exported here: the hook marker, the
component base classes and the values they exchange, and the errors they
raise. Importing this package loads no plugin and starts nothing.
"""

from __future__ import annotations

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
