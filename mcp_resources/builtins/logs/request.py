"""The query parameters of a log read, checked and typed (LOG-4).

    tail=N              the last N lines (default: the provider's tail_lines)
    line=N&count=M      M lines from line N (1-based)
    offset=B&length=L   the lines starting in bytes [B, B+L)
    cursor=C            what was added after an earlier read (its `cursor`)
    level=warning       records at or above a level
    since=15m&until=…   a time range: ISO 8601, epoch seconds, or relative (30s, 15m, 2h, 1d, 1w)
    grep=text           a literal, case-insensitive match
    regex=pattern       an RE2 (linear-time) regular expression
    scan=N              look through at most N lines for matches
    format=text|json

Anything malformed is a -32602 naming the argument.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

import re2

from mcp_resources.builtins.logs.formats import LEVELS, level_rank, parse_time_text
from mcp_resources.builtins.logs.records import Filter
from mcp_resources.errors import InvalidRequest
from mcp_resources.uris import parse_int

__all__ = ["FILE_PARAMS", "MERGED_PARAMS", "OUTPUTS", "LogRequest", "parse_request"]

_FILTER_PARAMS = ("level", "since", "until", "grep", "regex", "scan", "format")
FILE_PARAMS = ("tail", "line", "count", "offset", "length", "cursor", *_FILTER_PARAMS)
MERGED_PARAMS = ("files", "tail", *_FILTER_PARAMS)
OUTPUTS = ("text", "json")
_MAX_PATTERN = 512
_RELATIVE = re.compile(r"^(\d{1,9})(s|m|h|d|w)$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # errors go to the client, not to stderr


@dataclass(frozen=True, slots=True)
class LogRequest:
    """A checked read request."""

    mode: Literal["tail", "lines", "bytes", "cursor", "since"]
    tail: int
    filter: Filter
    scan: int
    format: Literal["text", "json"]
    line: int = 0
    count: int = 0
    offset: int = 0
    length: int = 0
    cursor: str | None = None


def parse_request(
    query: Mapping[str, str], uri: str, *, tail_lines: int, max_lines: int, scan_lines: int
) -> LogRequest:
    """Check and type the query of `uri` (see the module docstring)."""

    def number(key: str, minimum: int, maximum: int | None = None) -> int | None:
        return parse_int(query, key, uri, minimum=minimum, maximum=maximum)

    fmt = query.get("format", "text")
    if fmt not in OUTPUTS:
        raise InvalidRequest(f"Unknown format {fmt!r} (one of: text, json)", uri=uri, argument="format")
    flt = Filter(
        level=_level(query, uri),
        since=_time(query, "since", uri),
        until=_time(query, "until", uri),
        match=_matcher(query, uri),
    )
    tail = number("tail", 1, max_lines)
    scan = number("scan", 1, scan_lines) or scan_lines
    given = [k for k in ("tail", "line", "offset", "cursor") if k in query]
    if len(given) > 1:
        raise InvalidRequest(
            f"Choose one of tail, line, offset and cursor (got {', '.join(given)})",
            uri=uri,
            argument=given[1],
        )
    if "count" in query and "line" not in query:
        raise InvalidRequest("count goes with line (line=1&count=100)", uri=uri, argument="count")
    if "length" in query and "offset" not in query:
        raise InvalidRequest("length goes with offset (offset=0&length=65536)", uri=uri, argument="length")
    output: Literal["text", "json"] = "json" if fmt == "json" else "text"
    request = LogRequest("tail", tail or tail_lines, flt, scan, output)
    if "line" in query:
        count = number("count", 1, max_lines) or tail_lines
        return replace(request, mode="lines", line=number("line", 1) or 1, count=count)
    if "offset" in query:
        length = number("length", 1) or (1 << 62)
        return replace(request, mode="bytes", offset=number("offset", 0) or 0, length=length)
    if "cursor" in query:
        return replace(request, mode="cursor", cursor=query["cursor"])
    if flt.since is not None and tail is None:
        return replace(request, mode="since")
    return request


def _level(query: Mapping[str, str], uri: str) -> int | None:
    if "level" not in query:
        return None
    rank = level_rank(query["level"])
    if rank is None:
        raise InvalidRequest(
            f"Unknown level {query['level']!r} (one of: {', '.join(LEVELS)})", uri=uri, argument="level"
        )
    return rank


def _time(query: Mapping[str, str], key: str, uri: str) -> float | None:
    if key not in query:
        return None
    text = query[key].strip()
    relative = _RELATIVE.match(text)
    if relative:
        return time.time() - int(relative[1]) * _UNIT_S[relative[2]]
    parsed = parse_time_text(text)
    if parsed is None:
        raise InvalidRequest(
            f"{key} must be an ISO 8601 time (2025-05-01T12:00:00Z), epoch seconds or relative (15m, 2h, 1d)",
            uri=uri,
            argument=key,
        )
    return parsed


def _matcher(query: Mapping[str, str], uri: str) -> Callable[[str], bool] | None:
    if "grep" in query and "regex" in query:
        raise InvalidRequest("Use grep or regex, not both", uri=uri, argument="regex")
    for key in ("grep", "regex"):
        if key in query:
            pattern = query[key]
            if not pattern or len(pattern) > _MAX_PATTERN:
                raise InvalidRequest(f"{key} must be 1 to {_MAX_PATTERN} characters", uri=uri, argument=key)
            source = "(?i)" + re2.escape(pattern) if key == "grep" else pattern
            try:
                compiled = re2.compile(source, options=_RE2_OPTIONS)
            except re2.error as exc:
                reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
                raise InvalidRequest(f"Invalid regex: {reason}", uri=uri, argument=key) from None
            search = compiled.search
            return lambda text: search(text) is not None
    return None
