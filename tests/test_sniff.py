"""MIME types come from the content; the name only picks the flavour of text."""

from __future__ import annotations

import pytest

from mcp_resources.sniff import sniff

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20


@pytest.mark.parametrize(
    ("data", "name", "mime", "encoding"),
    [
        (b"hello\n", "a.txt", "text/plain", "utf-8"),
        (b"# Title\n", "README.md", "text/markdown", "utf-8"),
        (b'{"a": 1}', "x.json", "application/json", "utf-8"),
        (b"print(1)\n", "x.py", "text/x-python", "utf-8"),
        (b"key = 1\n", "pyproject.toml", "application/toml", "utf-8"),
        (b"no extension but text\n", "Makefile", "text/plain", "utf-8"),
        (b"", "empty", "text/plain", "utf-8"),
        (b"", "empty.md", "text/markdown", "utf-8"),
        (PNG, "logo.png", "image/png", None),
        (PNG, "logo", "image/png", None),  # no suffix: still sniffed
        (PNG, "logo.txt", "image/png", None),  # content beats the suffix
        (b"just text", "fake.png", "text/plain", "utf-8"),  # and here too
        (b"%PDF-1.4\n1 0 obj\n", "doc", "application/pdf", None),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "prog", "application/x-executable", None),
        (b"PK\x03\x04" + b"\x00" * 40, "a.zip", "application/zip", None),
        (b"\x1f\x8b\x08" + b"\x00" * 20, "a.gz", "application/gzip", None),
        (b"SQLite format 3\x00" + b"\x00" * 80, "db", "application/x-sqlite3", None),
        (bytes(range(256)) * 4, "random.bin", "application/octet-stream", None),
        (b"\xef\xbb\xbfbom text", "b.txt", "text/plain", "utf-8"),
        (b"\xff\xfeu\x00t\x00f\x00", "u.txt", "text/plain", "utf-16-le"),
        (b"\xfe\xff\x00u\x00t\x00f", "u.txt", "text/plain", "utf-16-be"),
        (b"\xff\xfe\x00\x00u\x00\x00\x00", "u.txt", "text/plain", "utf-32-le"),
    ],
)
def test_sniff(data: bytes, name: str, mime: str, encoding: str | None) -> None:
    found = sniff(data, name, complete=True)
    assert (found.mime_type, found.encoding) == (mime, encoding)


def test_legacy_8bit_text_is_text_with_its_charset() -> None:
    data = "Grüße aus Köln: Straße, Bärenhöhle, Öl und Übermut. " * 20
    found = sniff(data.encode("cp1252"), "notes.txt", complete=True)
    assert found.is_text and found.mime_type == "text/plain"
    assert data.encode("cp1252").decode(found.encoding or "") == data


def test_a_sample_cut_inside_a_character_is_still_utf8() -> None:
    sample = ("é" * 5000).encode()[:8191]  # ends in the middle of a 2-byte character
    assert sniff(sample, "x.txt", complete=False).encoding == "utf-8"
    assert sniff(sample, "x.txt", complete=True).encoding != "utf-8"
