"""Strict parsing and building of resource URIs (`PREFIX` + path + `?query`).

The rules follow FS-1 of the security requirements: one accepted form, the
query split off with a real parser, the path percent-decoded exactly once,
then rejected if it holds NUL, a backslash, a control character, invalid
UTF-8, an empty, `.` or `..` component or a leading `/`. Nothing is
normalised after these checks. Providers get clean path components and never
see the raw string again.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import quote, unquote_to_bytes, urlencode, urlsplit

from mcp_resources.errors import InvalidRequest

__all__ = [
    "MAX_URI_LENGTH",
    "ResourcePath",
    "addressable",
    "build_uri",
    "check_name",
    "check_params",
    "parse_int",
    "parse_uri",
]

MAX_URI_LENGTH = 8192
# C0 controls, DEL and C1 controls: never part of a name we serve.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What no URI of ours can name: controls, backslashes, and the surrogates
# Python uses for bytes of a file name that are not UTF-8.
_UNADDRESSABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\\\ud800-\udfff]")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# The characters quote(..., safe="") leaves alone: most names are made of them only.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


@dataclass(frozen=True, slots=True)
class ResourcePath:
    """A parsed resource URI: decoded path components and query parameters."""

    uri: str
    parts: tuple[str, ...]
    """Decoded components; `()` is the provider's root."""
    trailing_slash: bool
    """The URI ended in `/` (asks for a folder)."""
    query: Mapping[str, str]


def addressable(name: str) -> bool:
    """Whether a name found on disk can appear in one of our URIs (and so be served)."""
    return name not in ("", ".", "..") and not _UNADDRESSABLE.search(name)


def check_name(name: str, uri: str) -> None:
    """Reject a decoded path component that could escape or confuse a path."""
    if name in ("", ".", ".."):
        what = "an empty path segment" if not name else f"a {name!r} path segment"
        raise InvalidRequest(f"Invalid resource URI: {what} is not allowed", uri=uri)
    if "\\" in name:
        raise InvalidRequest("Invalid resource URI: backslashes are not allowed", uri=uri)
    if _CONTROL.search(name):
        raise InvalidRequest("Invalid resource URI: NUL and control characters are not allowed", uri=uri)


def parse_uri(uri: str, prefix: str, allowed_params: tuple[str, ...] | None = ()) -> ResourcePath:
    """Split `uri` (which starts with `prefix`) into checked components and query.

    Raises `InvalidRequest` naming the URI for anything outside the one
    accepted form. Query parameters must be in `allowed_params` (any name when
    it is `None`; see `check_params`), each at most once. Results are cached:
    parsing is a pure function of its arguments, and clients read the same URIs
    again and again.
    """
    return _parse_cached(uri, prefix, allowed_params)


@functools.lru_cache(maxsize=2048)
def _parse_cached(uri: str, prefix: str, allowed_params: tuple[str, ...] | None) -> ResourcePath:
    if len(uri) > MAX_URI_LENGTH:
        raise InvalidRequest(f"Invalid resource URI: longer than {MAX_URI_LENGTH} characters", uri=uri[:200])
    if not uri.startswith(prefix):
        raise InvalidRequest("Invalid resource URI: wrong prefix", uri=uri)
    try:
        split = urlsplit(uri)
    except ValueError:
        raise InvalidRequest("Invalid resource URI", uri=uri) from None
    if split.fragment or uri.endswith("#"):
        raise InvalidRequest("Invalid resource URI: fragments (#...) are not supported", uri=uri)
    raw_path, _, raw_query = uri[len(prefix) :].partition("?")
    if _BAD_ESCAPE.search(raw_path):
        raise InvalidRequest("Invalid resource URI: '%' must start a %XX escape", uri=uri)
    if "\\" in raw_path or _CONTROL.search(raw_path):
        raise InvalidRequest(
            "Invalid resource URI: backslashes and control characters are not allowed", uri=uri
        )
    try:
        # Decode exactly once: %252e stays the literal name "%2e", never "..".
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("Invalid resource URI: the path is not valid UTF-8", uri=uri) from None
    if path.startswith("/"):
        raise InvalidRequest("Invalid resource URI: absolute paths are not allowed", uri=uri)
    trailing = path.endswith("/")
    parts = tuple(path[:-1].split("/")) if trailing else tuple(path.split("/")) if path else ()
    for name in parts:
        check_name(name, uri)
    return ResourcePath(uri, parts, trailing, MappingProxyType(_parse_query(uri, raw_query, allowed_params)))


def check_params(path: ResourcePath, allowed: Iterable[str]) -> None:
    """Refuse query parameters outside `allowed` (for URIs parsed with `allowed_params=None`)."""
    allowed = set(allowed)
    for key in path.query:
        if key not in allowed:
            names = ", ".join(sorted(allowed)) or "none"
            raise InvalidRequest(
                f"Unknown query parameter {key!r} (allowed: {names})", uri=path.uri, argument=key
            )


def _parse_query(uri: str, raw_query: str, allowed: tuple[str, ...] | None) -> dict[str, str]:
    # RFC 3986, as URI templates expand: "+" is a plus sign, only %20 is a space. Names
    # are not decoded, so "%73ql=" cannot stand in for "sql=".
    query: dict[str, str] = {}
    if not raw_query:
        return query
    for pair in raw_query.split("&"):
        key, _, raw_value = pair.partition("=")
        if not key or _BAD_ESCAPE.search(raw_value):
            raise InvalidRequest("Invalid resource URI: malformed query string", uri=uri)
        try:
            value = unquote_to_bytes(raw_value).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidRequest(
                f"Query parameter {key!r} is not valid UTF-8", uri=uri, argument=key
            ) from None
        if key in query:
            raise InvalidRequest(f"Query parameter {key!r} given twice", uri=uri, argument=key)
        query[key] = value
    if allowed is not None:
        check_params(ResourcePath(uri, (), False, query), allowed)
    return query


def parse_int(
    query: Mapping[str, str], key: str, uri: str, *, minimum: int, maximum: int | None = None
) -> int | None:
    """Read an integer query parameter within bounds, or `None` when absent."""
    if key not in query:
        return None
    text = query[key]
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise InvalidRequest(f"Query parameter {key!r} must be a non-negative integer", uri=uri, argument=key)
    value = int(text)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidRequest(f"Query parameter {key!r} must be {bound}", uri=uri, argument=key)
    return value


def build_uri(
    prefix: str, parts: Sequence[str], *, folder: bool = False, query: Mapping[str, int | str] | None = None
) -> str:
    """The URI of `parts` under `prefix`, each component percent-encoded."""
    # The check skips quote() for plain names: a third of the cost of listing a file.
    path = "/".join(p if _UNRESERVED.fullmatch(p) else quote(p, safe="") for p in parts)
    if folder and parts:
        path += "/"
    if not query:
        return prefix + path
    pairs = [f"{k}={v}" for k, v in query.items()]
    joined = "".join(pairs)
    # Names and values quote() leaves alone (a next page's URI, say): what urlencode would
    # write, for a fraction of its cost. One "=" a pair: none inside a name or a value.
    if joined.count("=") == len(pairs) and _UNRESERVED.fullmatch(joined.replace("=", "")):
        return f"{prefix}{path}?{'&'.join(pairs)}"
    return f"{prefix}{path}?{urlencode(query, quote_via=quote)}"
