"""The App's values as MCP wire dicts, shared by the resource handlers and the tools facade.

Results are built as wire dicts rather than pydantic models: the SDK validates
every result against the negotiated protocol version anyway, so building models
first would validate each item twice (a third of the cost of a 100-item page).
The SDK drops the 2026-07-28-only fields from handshake-era replies.
"""

from __future__ import annotations

import base64
from typing import Any

from mcp_resources.components import BlobContent, Contents, Resource, ResourceTemplate

__all__ = ["UNCACHED", "contents_to_wire", "resource_to_wire", "template_to_wire"]

UNCACHED = {"ttlMs": 0, "cacheScope": "private", "resultType": "complete"}
"""Cache fields of a result clients must not reuse (resources change on disk)."""


def resource_to_wire(item: Resource) -> dict[str, Any]:
    """One `resources/list` entry."""
    wire: dict[str, Any] = {"uri": item.uri, "name": item.name}
    if item.title is not None:
        wire["title"] = item.title
    if item.description is not None:
        wire["description"] = item.description
    if item.mime_type is not None:
        wire["mimeType"] = item.mime_type
    if item.size is not None:
        wire["size"] = item.size
    if item.last_modified is not None:
        wire["annotations"] = {"lastModified": item.last_modified}
    if item.meta:
        wire["_meta"] = dict(item.meta)
    return wire


def template_to_wire(item: ResourceTemplate) -> dict[str, Any]:
    """One `resources/templates/list` entry."""
    wire: dict[str, Any] = {"uriTemplate": item.uri_template, "name": item.name}
    for key, value in (
        ("title", item.title),
        ("description", item.description),
        ("mimeType", item.mime_type),
    ):
        if value is not None:
            wire[key] = value
    return wire


def contents_to_wire(item: Contents) -> dict[str, Any]:
    """Text or blob resource contents (a blob is base64-encoded)."""
    wire: dict[str, Any] = {"uri": item.uri}
    if item.mime_type is not None:
        wire["mimeType"] = item.mime_type
    if isinstance(item, BlobContent):
        wire["blob"] = base64.b64encode(item.data).decode("ascii")
    else:
        wire["text"] = item.text
    if item.meta:
        wire["_meta"] = dict(item.meta)
    return wire
