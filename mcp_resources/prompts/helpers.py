"""What the server and the worker must agree on about template helpers.

The helpers' names (never arguments) and the placeholders `message()`,
`resource()`, `image()` and `diff()` leave in a render's output: the worker
writes them, the server finds them. Standard library only, so either side can
import it.
"""

from __future__ import annotations

import re

__all__ = ["HELPERS", "marker", "marker_pattern"]

HELPERS = ("message", "resource", "image", "diff", "uri_with")
"""Globals every prompt can call (never arguments, never inferred as such)."""


def marker(nonce: str, kind: str, index: int) -> str:
    """The placeholder a helper leaves in the output (`kind`: role, res, img or diff)."""
    return f"\x00{nonce}:{kind}:{index}\x00"


def marker_pattern(nonce: str) -> re.Pattern[str]:
    """Matches the placeholders of one render (`nonce` is hex): groups kind and index."""
    return re.compile(f"\x00{nonce}:(role|res|img|diff):([0-9]+)\x00")
