"""Built-in plugins. Each is listed in `mcp_resources.plugins.BUILTIN_PLUGINS` and
registered exactly like an installed plugin, so each can be disabled by name."""

__all__: list[str] = []
