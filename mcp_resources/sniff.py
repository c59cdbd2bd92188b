"""Content type detection: MIME type and charset from the bytes, refined by the name.

Content decides text versus binary; the suffix only picks the subtype of text
(`.md` is `text/markdown`, `.json` is `application/json`). Binary formats are
recognised by signature with `filetype`; legacy 8-bit text by
`charset-normalizer`. A `.png` full of UTF-8 text is `text/plain`, and a
PNG without a suffix is still `image/png`.
"""

from __future__ import annotations

import codecs
import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SAMPLE_SIZE", "ContentType", "TypeCache", "decode_text", "sniff"]

SAMPLE_SIZE = 8192
"""Bytes from the start of a file that `sniff` needs."""

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Python's built-in table (not the host's /etc/mime.types, so results do not
# depend on the machine), plus common text formats it lacks.
_TYPES = mimetypes.MimeTypes(filenames=())
_EXTRA_TEXT = {
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".rst": "text/x-rst",
    ".toml": "application/toml",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".jsonl": "application/jsonl",
    ".ndjson": "application/x-ndjson",
    ".ipynb": "application/x-ipynb+json",
    ".sql": "application/sql",
    ".ts": "text/x-typescript",
    ".tsx": "text/x-typescript",
    ".rs": "text/x-rust",
    ".go": "text/x-go",
    ".java": "text/x-java",
    ".kt": "text/x-kotlin",
    ".rb": "text/x-ruby",
    ".log": "text/plain",
    ".ini": "text/plain",
    ".cfg": "text/plain",
    ".conf": "text/plain",
}
_TEXTUAL_APPLICATION = (
    "json",
    "xml",
    "javascript",
    "yaml",
    "toml",
    "sql",
    "x-sh",
    "x-tex",
    "jsonl",
    "ndjson",
)


@dataclass(frozen=True, slots=True)
class ContentType:
    """What `sniff` found: a MIME type and, for text, the charset to decode with."""

    mime_type: str
    encoding: str | None
    """Codec name for text, `None` for binary."""
    bom: int = 0
    """Length of the byte-order mark the file starts with (not part of the text)."""

    @property
    def is_text(self) -> bool:
        """Whether the content decodes as text."""
        return self.encoding is not None


def _name_type(name: str) -> str | None:
    dot = name.rfind(".")
    if dot <= 0:
        return None
    suffix = name[dot:].lower()
    return _EXTRA_TEXT.get(suffix) or _TYPES.types_map[1].get(suffix)


def _is_textual(mime: str) -> bool:
    major, _, minor = mime.partition("/")
    return (
        major == "text"
        or minor.endswith(("+json", "+xml"))
        or (major == "application" and minor in _TEXTUAL_APPLICATION)
    )


def _text_type(name: str, encoding: str, bom: int = 0) -> ContentType:
    by_name = _name_type(name)
    return ContentType(by_name if by_name and _is_textual(by_name) else "text/plain", encoding, bom)


def _valid_utf8(sample: bytes, complete: bool) -> bool:
    # The sample may end inside a multi-byte character unless it is the whole file.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def sniff(sample: bytes, name: str, *, complete: bool) -> ContentType:
    """Detect the type of a file from its first `SAMPLE_SIZE` bytes and its name.

    `complete` says the sample is the whole file.
    """
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return _text_type(name, encoding, len(bom))
    if b"\x00" not in sample:
        if sample.startswith(b"%PDF-"):
            return ContentType("application/pdf", None)
        if _valid_utf8(sample, complete):
            return _text_type(name, "utf-8")
    import filetype  # binary content only (text returned above): kept off start-up, ~5 ms

    signature = filetype.guess_mime(sample) if sample else None
    if signature:
        return ContentType(signature, None)
    if b"\x00" not in sample:
        from charset_normalizer import from_bytes  # only legacy 8-bit text gets here

        best = from_bytes(sample).best()
        if best is not None and best.encoding:
            return _text_type(name, best.encoding)
    by_name = _name_type(name)
    return ContentType(by_name if by_name and not _is_textual(by_name) else "application/octet-stream", None)


class TypeCache:
    """Sniff results keyed by a file's identity and version: an unchanged file is sniffed once."""

    def __init__(self, size: int = 65536) -> None:
        self.size = size
        self._found: dict[tuple[int, int, int, int, str], ContentType] = {}

    def get(self, st: os.stat_result, name: str, read_sample: Callable[[], bytes | bytearray]) -> ContentType:
        """The type of the file `st` describes, sniffing `read_sample()` on a miss."""
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, name)
        found = self._found.get(key)
        if found is None:
            sample = bytes(read_sample())
            found = sniff(sample, name, complete=len(sample) < SAMPLE_SIZE)
            if len(self._found) >= self.size:
                self._found.clear()  # cheap bound; a cold cache only costs a re-sniff
            self._found[key] = found
        return found


def decode_text(data: bytes | bytearray, encoding: str) -> str:
    """Decode with the sniffed charset; undecodable bytes become U+FFFD, never an error."""
    return data.decode(encoding, errors="replace")
