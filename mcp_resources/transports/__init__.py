"""Transports that carry the MCP server to clients."""
