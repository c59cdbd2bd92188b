"""FS-1: one URI form, decoded once, hostile input refused with a clear reason."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from mcp_resources.errors import InvalidRequest
from mcp_resources.uris import build_uri, parse_uri


@pytest.mark.parametrize(
    ("uri", "parts", "trailing"),
    [
        ("docs://", (), False),
        ("docs://a.txt", ("a.txt",), False),
        ("docs://a/b/c.md", ("a", "b", "c.md"), False),
        ("docs://a/b/", ("a", "b"), True),
        ("docs://my%20file.md", ("my file.md",), False),
        ("docs://my file.md", ("my file.md",), False),
        ("docs://caf%C3%A9", ("café",), False),
        ("docs://%252e%252e", ("%2e%2e",), False),  # decoded once: a literal name, never ".."
        ("docs://%25", ("%",), False),
        ("docs://a%2Fb", ("a", "b"), False),
        ("docs://...", ("...",), False),
    ],
)
def test_accepted(uri: str, parts: tuple[str, ...], trailing: bool) -> None:
    parsed = parse_uri(uri, "docs://")
    assert (parsed.parts, parsed.trailing_slash) == (parts, trailing)


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("docs://../etc/passwd", "'..' path segment"),
        ("docs://a/../../etc", "'..' path segment"),
        ("docs://%2e%2e/etc/passwd", "'..' path segment"),
        ("docs://%2E%2E%2Fetc", "'..' path segment"),
        ("docs://a/%2e%2e/%2e%2e/x", "'..' path segment"),
        ("docs://./a", "'.' path segment"),
        ("docs://a//b", "empty path segment"),
        ("docs:///etc/passwd", "absolute paths"),
        ("docs://%2Fetc%2Fpasswd", "absolute paths"),
        ("docs://..\\..\\etc", "backslash"),
        ("docs://a%5C..%5Cb", "backslash"),
        ("docs://a%00.txt", "NUL and control"),
        ("docs://a\x00.txt", "control characters"),
        ("docs://a%0A.txt", "NUL and control"),
        ("docs://a%C2%85", "NUL and control"),
        ("docs://%FF%FE", "not valid UTF-8"),
        ("docs://%C0%AE%C0%AE/etc", "not valid UTF-8"),  # overlong "..", rejected as invalid UTF-8
        ("docs://a%zz", "'%' must start"),
        ("docs://a#frag", "fragments"),
        ("docs://a?evil=1", "Unknown query parameter 'evil'"),
        ("other://a", "wrong prefix"),
        ("docs://" + "a" * 9000, "longer than"),
    ],
)
def test_refused(uri: str, reason: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_uri(uri, "docs://", ("offset",))
    assert reason in caught.value.message
    assert "uri" in caught.value.data


def test_query_parameters_are_parsed_once_each() -> None:
    assert parse_uri("docs://a?offset=5", "docs://", ("offset",)).query == {"offset": "5"}
    with pytest.raises(InvalidRequest, match="given twice"):
        parse_uri("docs://a?offset=5&offset=6", "docs://", ("offset",))


def test_build_uri_round_trips_awkward_names() -> None:
    parts = ("a b", "50%", "q?#", "ünï", "x")
    uri = build_uri("docs://", parts, query={"offset": 3})
    assert uri == "docs://a%20b/50%25/q%3F%23/%C3%BCn%C3%AF/x?offset=3"
    parsed = parse_uri(uri, "docs://", ("offset",))
    assert parsed.parts == parts and parsed.query == {"offset": "3"}
    assert build_uri("docs://", ("d",), folder=True) == "docs://d/"


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 100, "after": "WzUwMDEwMF0"},
        {"a": "b=c"},
        {"a=b": "c"},
        {"a": "x&y", "n": -1},
        {"k": ""},
        {"k": "é", "m": "~._-"},
    ],
)
def test_query_strings_are_what_urlencode_writes(query: dict[str, int | str]) -> None:
    assert build_uri("db://", ("q",), query=query) == "db://q?" + urlencode(query, quote_via=quote)


def test_query_values_follow_rfc_3986() -> None:
    # "+" stays a plus (URI templates encode spaces as %20), names are not decoded.
    parsed = parse_uri("db://query?sql=SELECT%201+1%20AS%20two", "db://", None)
    assert parsed.query == {"sql": "SELECT 1+1 AS two"}
    assert parse_uri("db://q?%73ql=x", "db://", None).query == {"%73ql": "x"}
    with pytest.raises(InvalidRequest, match="not valid UTF-8"):
        parse_uri("db://q?sql=%FF", "db://", None)
    assert build_uri("db://", ("query",), query={"sql": "SELECT a+b FROM t"}) == (
        "db://query?sql=SELECT%20a%2Bb%20FROM%20t"
    )
