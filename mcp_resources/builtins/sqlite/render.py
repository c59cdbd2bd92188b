"""Query results as JSON, CSV or a Markdown table, with blobs and big values made safe.

No value is ever written as a Python repr. Blobs become `{"size", "base64"}` when
small and `{"size", "sha256"}` otherwise (a size summary in CSV and Markdown);
a text value bigger than the byte cap is cut with a visible marker. A result
that was cut says so in the body, in `_meta["mcp-resources/window"]` with the
URI of the next page, and in a one-line notice naming that URI.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import json
import math
from collections.abc import Sequence
from typing import Any

from mcp_resources.components import Contents, TextContent

__all__ = ["FORMATS", "MIME_TYPES", "render_rows", "value_type"]

FORMATS = ("json", "csv", "markdown")
MIME_TYPES = {"json": "application/json", "csv": "text/csv", "markdown": "text/markdown"}
META = "mcp-resources/"
BLOB_INLINE_BYTES = 4096


def value_type(values: Sequence[Any]) -> str:
    """SQLite storage class of a column's values: integer, real, text, blob, null or mixed."""
    kinds = {_kind(v) for v in values} - {"null"}
    return kinds.pop() if len(kinds) == 1 else "mixed" if kinds else "null"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool | int):
        return "integer"
    if isinstance(value, float):
        return "real"
    return "blob" if isinstance(value, bytes) else "text"


def _text(value: str, max_bytes: int) -> str:
    data = value.encode("utf-8")
    if len(data) <= max_bytes:
        return value
    cut = data[:max_bytes].decode("utf-8", errors="ignore")
    return f"{cut}…[cut: {len(data)} bytes in all]"


def _json_value(value: Any, max_bytes: int) -> Any:
    if isinstance(value, bytes):
        return _blob(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no infinities
    if isinstance(value, str):
        return _text(value, max_bytes)
    return value


def _blob(value: object) -> dict[str, Any]:
    """A blob as JSON (also json.dumps's `default`, which sees only what it cannot write itself)."""
    if not isinstance(value, bytes):
        raise TypeError(f"cannot write {type(value).__name__} as JSON")
    if len(value) <= BLOB_INLINE_BYTES:
        return {"blob": {"size": len(value), "base64": base64.b64encode(value).decode("ascii")}}
    return {"blob": {"size": len(value), "sha256": hashlib.sha256(value).hexdigest()}}


# Built once. No check for circular references: rows hold SQLite's scalars and the
# body is ours, so there are none, and the check costs a sixth of writing a page.
_FAST_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False, default=_blob)
_EXACT_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)


def _json_text(
    body: dict[str, Any], rows: Sequence[Sequence[Any]], max_bytes: int, small_values: bool
) -> str:
    """`body` (its `rows` key set here) with `rows` as JSON text."""
    if small_values:
        # The fast path: the encoder writes numbers, text and NULL itself and asks `_blob`
        # only for blobs; an infinity (allow_nan=False) falls back to the value-by-value path.
        body["rows"] = rows
        with contextlib.suppress(ValueError):
            return _FAST_JSON.encode(body)
    body["rows"] = [[_json_value(v, max_bytes) for v in row] for row in rows]
    return _EXACT_JSON.encode(body)


def _cell(value: Any, max_bytes: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        if len(value) <= BLOB_INLINE_BYTES:
            return "base64:" + base64.b64encode(value).decode("ascii")
        return f"<blob: {len(value)} bytes>"
    return _text(str(value), max_bytes)


def _markdown_cell(value: Any, max_bytes: int) -> str:
    if value is None:
        return "*NULL*"
    if isinstance(value, bytes):
        return f"*blob, {len(value)} bytes*"
    text = _text(str(value), max_bytes)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def render_rows(
    uri: str,
    columns: Sequence[str],
    types: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    *,
    max_bytes: int,
    truncated: str | None,
    next_uri: str | None,
    extra: dict[str, Any] | None = None,
    small_values: bool = False,
) -> list[Contents]:
    """One result in `fmt`, plus a notice when it was cut.

    `small_values` says no text value is longer than `max_bytes` (the fetch measured
    them), so none needs cutting and JSON can be written in one pass.
    """
    window: dict[str, Any] = {"rows": len(rows), "truncated": truncated, "next": next_uri}
    if fmt == "json":
        body = {
            **(extra or {}),
            "columns": [{"name": c, "type": t} for c, t in zip(columns, types, strict=True)],
            "rows": None,
            "rowCount": len(rows),
            "truncated": truncated,
            "next": next_uri,
        }
        text = _json_text(body, rows, max_bytes, small_values)
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(v, max_bytes) for v in row] for row in rows)
        text = out.getvalue()
    else:
        lines = [
            "| " + " | ".join(_markdown_cell(c, max_bytes) for c in columns) + " |",
            "|" + "---|" * len(columns),
        ]
        lines += ["| " + " | ".join(_markdown_cell(v, max_bytes) for v in row) + " |" for row in rows]
        if truncated:
            lines.append(f"\n*Cut at {len(rows)} rows ({truncated} limit); next page: {next_uri}*")
        text = "\n".join(lines) + "\n"
    contents: list[Contents] = [TextContent(uri, text, MIME_TYPES[fmt], {f"{META}window": window})]
    if truncated and next_uri:
        notice = (
            f"[mcp-resources] {uri} returned {len(rows)} rows and was cut at the {truncated} limit. "
            f"Read {next_uri} for the next page."
        )
        contents.append(TextContent(next_uri, notice, "text/plain", {f"{META}notice": "window"}))
    return contents
