"""From raw lines to safe, parsed, filtered records.

Every line goes through the same steps, in this order: decoded as UTF-8 (bad
bytes replaced), secrets redacted (over the whole batch, so a private key
spanning lines is caught), parsed for time and level (colour codes aside),
then filtered, and finally made safe to show: control characters become
visible escapes and a long line is cut with a marker (LOG-2, LOG-3). The
filter sees the redacted text, so a search cannot find a secret's value.

A line the format does not recognise as a record start (a traceback line,
a wrapped message) continues the record above it and takes its time and
level: `level=error` keeps the whole traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp_resources.builtins.logs.clean import Redactor, cut, neutralise
from mcp_resources.builtins.logs.formats import LogFormat
from mcp_resources.builtins.logs.lines import RawLine

__all__ = ["Filter", "Pipeline", "Record", "adopt", "leading_orphans"]

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


@dataclass(slots=True)
class Record:
    """One served line."""

    offset: int
    """Byte offset of the line in its file."""
    end: int
    """Byte offset of the newline ending it."""
    text: str
    """Once selected (`Pipeline.select`): redacted, escaped, possibly cut, safe to show."""
    time: float | None = None
    level: int | None = None
    head: bool = True
    """Whether the line starts a record (False: it continues the one above)."""
    file: str | None = None
    """The file it came from (merged views)."""

    def as_json(self, levels: tuple[str, ...]) -> dict[str, Any]:
        """The record as a JSON object (time as POSIX seconds, level as its name)."""
        entry: dict[str, Any] = {"offset": self.offset, "text": self.text}
        if self.file is not None:
            entry["file"] = self.file
        if self.time is not None:
            entry["time"] = self.time
        if self.level is not None:
            entry["level"] = levels[self.level]
        if not self.head:
            entry["continuation"] = True
        return entry


@dataclass(frozen=True, slots=True)
class Filter:
    """What a read keeps: a minimum level, a time range and a text match (all optional)."""

    level: int | None = None
    since: float | None = None
    until: float | None = None
    match: Callable[[str], bool] | None = None

    @property
    def active(self) -> bool:
        """Whether anything is filtered out."""
        return not (self.level is None and self.since is None and self.until is None and self.match is None)

    @property
    def needs_parse(self) -> bool:
        """Whether lines must be parsed for time or level."""
        return self.level is not None or self.since is not None or self.until is not None

    def keep(self, record: Record) -> bool:
        """Whether `record` passes every condition (no time/level: fails a time/level condition)."""
        if self.level is not None and (record.level is None or record.level < self.level):
            return False
        if self.since is not None and (record.time is None or record.time < self.since):
            return False
        if self.until is not None and (record.time is None or record.time > self.until):
            return False
        return self.match is None or self.match(record.text)


class Pipeline:
    """Turns batches of raw lines from one file into records (see the module docstring)."""

    def __init__(self, fmt: LogFormat, redactor: Redactor, max_chars: int, parse: bool) -> None:
        self.format = fmt
        self.redactor = redactor
        self.max_chars = max_chars
        self.parse = parse

    def records(self, batch: list[RawLine], previous: Record | None = None) -> list[Record]:
        """The records of consecutive lines following `previous` (if known), text not yet redacted.

        Continuation lines at the start take `previous`'s time and level; without
        it they have none yet (see `adopt`).
        """
        records: list[Record] = []
        time = previous.time if previous else None
        level = previous.level if previous else None
        head_seen = previous is not None
        parse = self.format.parse if self.parse else None
        for line in batch:
            text = line.data.decode("utf-8", "replace").removesuffix("\r")
            if parse is None:
                records.append(Record(line.offset, line.end, text))
                continue
            parsed = parse(_ANSI.sub("", text) if "\x1b" in text else text)
            if parsed is not None:
                time, level, head_seen = parsed.time, parsed.level, True
                records.append(Record(line.offset, line.end, text, time, level))
            elif head_seen:
                records.append(Record(line.offset, line.end, text, time, level, False))
            else:
                records.append(Record(line.offset, line.end, text, None, None, False))
        return records

    def select(self, records: list[Record], flt: Filter) -> list[Record]:
        """The records passing `flt`, redacted and made safe to show.

        A text match must not see secrets, so then the whole batch is redacted
        first; otherwise only what is kept is (a private key split across kept
        and dropped lines is redacted to the end of what is kept: more, never less).
        """
        if flt.match is not None:
            self._redact(records)
        kept = [r for r in records if flt.keep(r)] if flt.active else records
        if flt.match is None:
            self._redact(kept)
        max_chars = self.max_chars
        for record in kept:
            record.text = cut(neutralise(record.text), max_chars)
        return kept

    def _redact(self, records: list[Record]) -> None:
        for record, text in zip(records, self.redactor.redact([r.text for r in records]), strict=True):
            record.text = text


def adopt(orphans: list[Record], records: list[Record]) -> None:
    """Give continuation lines at the start of a later batch the time and level of the record above."""
    if not records:
        return
    last = records[-1]
    for orphan in orphans:
        orphan.time, orphan.level = last.time, last.level


def leading_orphans(records: list[Record]) -> int:
    """How many records at the start of a batch continue a record from an earlier batch."""
    for index, record in enumerate(records):
        if record.head:
            return index
    return len(records)
