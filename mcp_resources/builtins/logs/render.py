"""A log read as MCP contents: plain text (default) or JSON records, with the metadata to go on.

Every answer carries in `_meta` the byte range it covers, the `cursor` and
`follow` URI for what gets added next, and, when a limit cut it, why and the
URI of the rest. A cut is also stated in the text itself, because a model
reading the contents may never see `_meta`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mcp_resources.builtins.filesystem.reading import META, iso_time
from mcp_resources.builtins.logs.formats import LEVELS
from mcp_resources.builtins.logs.records import Record
from mcp_resources.components import TextContent

__all__ = ["Answer", "render"]

_REASONS = {
    "lines": "the line limit",
    "bytes": "the size limit",
    "scan": "the number of lines a filtered read looks through",
    "time": "the time limit",
}


@dataclass(kw_only=True)
class Answer:
    """What `render` needs to know about a read beyond its records."""

    uri: str
    records: Sequence[Record]
    stopped: str | None
    tail: bool
    """A tail (cut lines are earlier ones) rather than a forward read (cut lines come next)."""
    format_name: str
    cursor: str | None = None
    follow: str | None = None
    next_uri: str | None = None
    gap: bool = False
    size: int | None = None
    mtime: float | None = None

    def notices(self) -> list[str]:
        """One-line notices for the reader of the text."""
        notes: list[str] = []
        if self.gap:
            notes.append("[log rotated: lines between your cursor and this read may be missing]")
        if self.stopped is not None and (not self.tail or self.stopped != "lines"):
            parts = ["earlier lines not shown" if self.tail else "more lines"]
            if self.stopped != "lines":
                parts.append(f"stopped at {_REASONS[self.stopped]}")
            if self.next_uri:
                parts.append(f"read {self.next_uri}")
            notes.append(f"[{parts[0]}: {'; '.join(parts[1:])}]" if len(parts) > 1 else f"[{parts[0]}]")
        return notes

    def meta(self) -> dict[str, Any]:
        """The `_meta` of the contents."""
        meta: dict[str, Any] = {f"{META}lines": len(self.records), f"{META}format": self.format_name}
        if self.records:
            meta[f"{META}range"] = [self.records[0].offset, self.records[-1].end + 1]
        for key, value in (
            ("cursor", self.cursor),
            ("follow", self.follow),
            ("next", self.next_uri),
            ("truncated", self.stopped if self.stopped != "lines" or not self.tail else None),
            ("size", self.size),
        ):
            if value is not None:
                meta[f"{META}{key}"] = value
        if self.mtime is not None:
            meta[f"{META}lastModified"] = iso_time(self.mtime)
        if self.gap:
            meta[f"{META}gap"] = True
        return meta


def render(answer: Answer, fmt: str, *, merged: bool = False) -> TextContent:
    """The answer as text lines or a JSON document."""
    meta = answer.meta()
    if fmt == "json":
        body: dict[str, Any] = {
            "uri": answer.uri,
            "records": [r.as_json(LEVELS) for r in answer.records],
        }
        for key in ("cursor", "follow", "next", "truncated", "gap"):
            if f"{META}{key}" in meta:
                body[key] = meta[f"{META}{key}"]
        if answer.notices():
            body["notices"] = answer.notices()
        return TextContent(answer.uri, json.dumps(body, ensure_ascii=False), "application/json", meta)
    lines = [f"{r.file}: {r.text}" if merged else r.text for r in answer.records]
    notes = answer.notices()
    if answer.tail:
        lines = notes + lines
    else:
        lines += notes
    return TextContent(answer.uri, "\n".join(lines) + ("\n" if lines else ""), "text/plain", meta)
