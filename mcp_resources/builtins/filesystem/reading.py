"""Bounded reads of one open file or folder: whole, byte windows, line windows.

Nothing is ever cut silently. A file larger than `max_read_bytes` comes back
as its first window; every window carries `_meta["mcp-resources/window"]`
with the URI of the next window, and a short text notice with that URI is
added so a model reading the contents sees it too. Text windows start and
end on character boundaries.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mcp_resources.builtins.filesystem.source import Buffer, FileSource, WouldBlock
from mcp_resources.builtins.filesystem.walk import Entry
from mcp_resources.components import BlobContent, Contents, TextContent
from mcp_resources.errors import InvalidRequest
from mcp_resources.sniff import ContentType, decode_text
from mcp_resources.uris import parse_int

__all__ = ["FILE_PARAMS", "META", "iso_time", "read_file", "read_folder"]

FILE_PARAMS = ("offset", "length", "line", "count")
META = "mcp-resources/"
DEFAULT_LINES = 500
MAX_LINES = 100_000
MAX_FOLDER_ENTRIES = 1000
_CHUNK = 1 << 20
# Lines counted on the event loop even when cached: deeper goes to the worker thread.
_INLINE_SCAN_BYTES = 8 << 20

LinkBuilder = Callable[[Mapping[str, int]], str]
"""Builds this resource's URI with the given query parameters."""


@functools.lru_cache(maxsize=4096)
def iso_time(timestamp: float) -> str:
    """An ISO 8601 UTC timestamp, as MCP's `lastModified` expects."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class _Codec:
    name: str
    unit: int  # bytes per code unit: windows are aligned to it
    bom: int  # length of a byte-order mark at offset 0, skipped there


def _codec(ctype: ContentType) -> _Codec:
    encoding = ctype.encoding or "latin-1"
    unit = 4 if encoding.startswith("utf-32") else 2 if encoding.startswith("utf-16") else 1
    return _Codec(encoding, unit, ctype.bom)


def _utf8_trim(data: Buffer, *, at_start: bool, at_end: bool) -> tuple[int, int]:
    """(bytes to drop at the start, at the end) so `data` holds whole UTF-8 characters."""
    head = 0
    if at_start:
        while head < min(3, len(data)) and 0x80 <= data[head] < 0xC0:
            head += 1
    tail = 0
    if at_end:
        for back in range(1, min(4, len(data) - head) + 1):
            byte = data[-back]
            if byte >= 0xC0:  # lead byte: is its sequence complete?
                need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
                tail = back if need > back else 0
                break
            if byte < 0x80:
                break
    return head, tail


def _align(data: Buffer, start: int, codec: _Codec, *, more: bool) -> tuple[Buffer, int]:
    """Trim a window to whole characters; returns (data, new start)."""
    if codec.name == "utf-8":
        head, tail = _utf8_trim(data, at_start=start > 0, at_end=more)
    else:
        head = -start % codec.unit
        tail = (len(data) - head) % codec.unit if more else 0
    if start == 0 and codec.bom:
        head = max(head, codec.bom)
    if head or tail:
        data = data[head : len(data) - tail]
    return data, start + head


def _line_start(source: FileSource, line: int) -> int | None:
    """Byte offset where 1-based `line` starts, or `None` past the end."""
    if line == 1:
        return 0
    seen, offset, size = 0, 0, source.size
    while offset < size:
        if source.nowait and offset >= _INLINE_SCAN_BYTES:
            raise WouldBlock  # counting lines deep into a big file: not on the event loop
        chunk = source.pread(_CHUNK, offset)
        if not chunk:
            break
        count = chunk.count(b"\n")
        if seen + count >= line - 1:
            pos = -1
            for _ in range(line - 1 - seen):
                pos = chunk.index(b"\n", pos + 1)
            start = offset + pos + 1
            return start if start < size else None
        seen += count
        offset += len(chunk)
    return None


def read_file(
    source: FileSource,
    st: os.stat_result,
    ctype: ContentType,
    uri: str,
    query: Mapping[str, str],
    max_bytes: int,
    link: LinkBuilder,
) -> list[Contents]:
    """Read an open regular file as the query asks (whole, bytes, or lines)."""
    offset = parse_int(query, "offset", uri, minimum=0)
    length = parse_int(query, "length", uri, minimum=1)
    line = parse_int(query, "line", uri, minimum=1)
    count = parse_int(query, "count", uri, minimum=1)
    if (offset is not None or length is not None) and (line is not None or count is not None):
        raise InvalidRequest("Use either offset/length or line/count, not both", uri=uri, argument="line")
    size = source.size
    codec = _codec(ctype)
    meta: dict[str, Any] = {f"{META}size": size, f"{META}lastModified": iso_time(st.st_mtime)}
    if ctype.is_text and codec.name != "utf-8":
        meta[f"{META}charset"] = ctype.encoding
    if line is not None or count is not None:
        if not ctype.is_text or codec.unit != 1:
            raise InvalidRequest(
                "Line windows need ASCII-compatible text; use offset and length", uri=uri, argument="line"
            )
        lines = min(count or DEFAULT_LINES, MAX_LINES)
        data, start, window = _lines(source, uri, line or 1, lines, max_bytes, link)
        data, start = _align(data, start, codec, more=False)
        window.update(offset=start, length=len(data))
    else:
        want = min(length or max_bytes, max_bytes)
        data, window = _bytes(source, uri, offset or 0, want, codec if ctype.is_text else None, link)
    if query or window["next"] or window["offset"] > 0:
        meta[f"{META}window"] = window
    contents: list[Contents] = [
        TextContent(uri, decode_text(data, codec.name), ctype.mime_type, meta)
        if ctype.is_text
        else BlobContent(uri, bytes(data), ctype.mime_type, meta)
    ]
    if window.get("next"):
        contents.append(_notice(uri, window))
    return contents


def _bytes(
    source: FileSource, uri: str, start: int, want: int, codec: _Codec | None, link: LinkBuilder
) -> tuple[Buffer, dict[str, Any]]:
    size = source.size
    if start > size:
        raise InvalidRequest(
            f"offset {start} is past the end of the file ({size} bytes)", uri=uri, argument="offset"
        )
    data = source.pread(want + 1, start)
    more = len(data) > want
    if more:
        data = data[:want]
    if codec is not None:
        data, start = _align(data, start, codec, more=more)
    end = start + len(data)
    following = link({"offset": end, "length": want}) if more else None
    return data, {"offset": start, "length": len(data), "size": size, "next": following}


def _lines(
    source: FileSource, uri: str, first: int, count: int, max_bytes: int, link: LinkBuilder
) -> tuple[Buffer, int, dict[str, Any]]:
    size = source.size
    start = _line_start(source, first)
    if start is None:
        raise InvalidRequest(f"line {first} is past the end of the file", uri=uri, argument="line")
    data = source.pread(max_bytes + 1, start)
    got, pos = 0, 0
    while got < count:
        newline = data.find(b"\n", pos, max_bytes)
        if newline < 0:
            break
        got, pos = got + 1, newline + 1
    if got < count and pos < min(len(data), max_bytes) and len(data) <= max_bytes:
        got, pos = got + 1, len(data)  # the last line has no newline
    if got == 0:
        # One line longer than a whole window: serve its start and continue by bytes.
        pos = min(len(data), max_bytes)
        _, tail = _utf8_trim(data[:pos], at_start=False, at_end=True)
        pos -= tail
        following: str | None = link({"offset": start + pos, "length": max_bytes})
        window = {"line": first, "count": 0, "offset": start, "length": pos, "size": size, "next": following}
        return data[:pos], start, window
    end = start + pos
    following = link({"line": first + got, "count": count}) if end < size else None
    return (
        data[:pos],
        start,
        {"line": first, "count": got, "offset": start, "length": pos, "size": size, "next": following},
    )


def _notice(uri: str, window: Mapping[str, Any]) -> TextContent:
    if "line" in window:
        shown = f"lines {window['line']}-{window['line'] + max(window['count'], 1) - 1}"
    else:
        shown = f"bytes {window['offset']}-{window['offset'] + window['length'] - 1} of {window['size']}"
    text = (
        f"[mcp-resources] {uri} is longer than one read: this shows {shown}. "
        f"Read {window['next']} for the next part (offset/length select bytes, line/count select lines)."
    )
    return TextContent(window["next"], text, "text/plain", {f"{META}notice": "window"})


def read_folder(
    entries: list[Entry],
    uri: str,
    query: Mapping[str, str],
    entry_uri: Callable[[Entry], str],
    link: LinkBuilder,
) -> list[Contents]:
    """A folder as JSON: its visible entries, `MAX_FOLDER_ENTRIES` at a time."""
    if "line" in query or "count" in query:
        raise InvalidRequest(
            "A folder is read with offset/length (entries), not lines", uri=uri, argument="line"
        )
    offset = parse_int(query, "offset", uri, minimum=0) or 0
    length = min(parse_int(query, "length", uri, minimum=1) or MAX_FOLDER_ENTRIES, MAX_FOLDER_ENTRIES)
    shown = entries[offset : offset + length]
    listing = [
        {"name": e.name, "uri": entry_uri(e), "type": "folder"}
        if e.is_dir
        else {
            "name": e.name,
            "uri": entry_uri(e),
            "type": "file",
            "size": e.stat.st_size if e.stat else None,
            "lastModified": iso_time(e.stat.st_mtime) if e.stat else None,
        }
        for e in shown
    ]
    more = offset + length < len(entries)
    body = {"uri": uri, "total": len(entries), "offset": offset, "entries": listing}
    window: dict[str, Any] = {"offset": offset, "length": len(shown), "size": len(entries), "next": None}
    if more:
        window["next"] = body["next"] = link({"offset": offset + length, "length": length})
    meta = {f"{META}folder": True, f"{META}window": window}
    return [TextContent(uri, json.dumps(body, ensure_ascii=False), "application/json", meta)]
