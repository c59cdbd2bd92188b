"""Opaque pagination cursors: a short JSON pair, base64url-encoded.

Clients must treat cursors as opaque; encoding ours keeps them from looking
like something to edit, and decoding checks their shape so that a forged or
stale one gets a clear -32602 instead of an internal error.
"""

from __future__ import annotations

import base64
import binascii
import json

from mcp_resources.errors import InvalidRequest

__all__ = ["decode_cursor", "encode_cursor"]


def encode_cursor(where: str, inner: str | None) -> str:
    """A cursor for position `inner` within `where` (a provider's name, or "" for prompts)."""
    raw = json.dumps([where, inner], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str | None]:
    """The (where, inner) pair of a cursor made by `encode_cursor`; -32602 for anything else."""
    try:
        where, inner = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(where, str) and (inner is None or isinstance(inner, str)):
            return where, inner
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        pass
    raise InvalidRequest("Invalid cursor", cursor=cursor)
