"""Transports that carry the MCP server to clients."""

__all__: list[str] = []
