"""Recognising log line formats: the time, level and message of each record.

The `logs` provider `detect`s a format per file and has it `parse` up to 100,000 lines a request,
hence precompiled regexes and cached date work. A line that does not start a record (a traceback
line) parses as None: the caller joins it to the record above. Parsing never raises; a bad date or
number gives no time. Times are POSIX seconds; a time without a zone is local time.
"""

from __future__ import annotations

import json
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache, partial
from types import MappingProxyType
from typing import Any

__all__ = [
    "FORMATS",
    "LEVELS",
    "LogFormat",
    "Parsed",
    "detect",
    "guess_level",
    "level_rank",
    "parse_time_text",
    "regex_format",
]

LEVELS: tuple[str, ...] = ("trace", "debug", "info", "notice", "warning", "error", "critical")
_RANK = {name: rank for rank, name in enumerate(LEVELS)} | {"warn": 4, "err": 5, "dbg": 1, "verbose": 0}
_RANK |= dict.fromkeys(("information", "informational"), 2)
_RANK |= dict.fromkeys(("fatal", "crit", "alert", "emerg", "emergency", "panic", "severe"), 6)
_SEVERITY_RANK = (6, 6, 6, 5, 4, 3, 2, 1)  # syslog severity 0 (emerg) .. 7 (debug)
_PINO_RANK = {1: 0, 2: 1, 3: 2, 4: 4, 5: 5, 6: 6}  # pino/bunyan level // 10
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun"), 1)}
_MONTHS |= {m: i for i, m in enumerate(("Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 7)}
_MONTHS |= {f"{i:02d}": i for i in range(1, 13)}
_EPOCH_MIN, _EPOCH_MAX = -62135596800, 253402300799  # 0001-01-01 .. 9999-12-31 23:59:59 UTC

_ascii: Callable[[str], re.Pattern[str]] = partial(re.compile, flags=re.ASCII)  # \d: 0-9, no other digits
_HMS = r"(\d\d):(\d\d):(\d\d)"
_D = r"(\d{4})-(\d\d)-(\d\d)"
_T = r"[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?"
_Z = r"(?: ?([Zz]|[+-]\d\d(?::?\d\d)?))?"
_ISO = _ascii(f"{_D}(?:{_T})?{_Z}")
_LEAD = _ascii(rf"\[?{_D}{_T}{_Z}\]?[ \t]*")
_NUMBER = _ascii(r"[+-]?\d{1,30}(?:\.\d+)?")
_SEP, _NAMES = r"[\s\[\]:|-]", "|".join(sorted(_RANK, key=len, reverse=True))
_PY_LEVEL = _ascii(rf"(?i){_SEP}*(?:[^\s\[\]:|-]+{_SEP}+){{0,4}}?({_NAMES})(?![^\s\[\]:|-])")
_PY_BASIC = _ascii(r"(CRITICAL|FATAL|ERROR|WARNING|WARN|INFO|DEBUG):[^:]*:(.*)")
_PRI, _TAG = r"(?:<(\d{1,3})>)?", r"([^\s:\[]+(?:\[\d+\])?:.*)"  # syslog priority, "app[pid]: message"
_BSD = _ascii(_PRI + r"([A-Z][a-z]{2}) {1,2}(\d{1,2}) " + _HMS + r" (\S+) ?(.*)")
_SYS3339 = _ascii(rf"{_PRI}{_D}T{_HMS}(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d) (\S+) {_TAG}")
_RFC5424 = _ascii(
    r'<(\d{1,3})>1 (\S+) \S+ \S+ \S+ \S+ (?:-|(?:\[(?:[^"\]]|"(?:[^"\\]|\\.)*")*\])+)(?: \ufeff?|$)(.*)'
)
_COMBINED = _ascii(
    r"\S+ \S+ \S+ \[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\] "
    r'"[^"\\]*(?:\\.[^"\\]*)*" (\d{3}) (?:\d+|-)'
)
_NGINX = _ascii(rf"(\d{{4}})/(\d\d)/(\d\d) {_HMS} \[([a-z]+)\] (.*)")
_JSON_TIME = ("time", "timestamp", "ts", "@timestamp", "t", "date", "datetime", "asctime")
_JSON_LEVEL = ("level", "lvl", "severity", "levelname", "loglevel", "log.level")
_JSON_MESSAGE = ("msg", "message", "event", "text")


@dataclass(frozen=True, slots=True)
class Parsed:
    """One record start: its time (POSIX seconds), level (rank in LEVELS) and message."""

    time: float | None
    level: int | None
    message: str


def level_rank(name: str) -> int | None:
    """Index in LEVELS of a level name ("WARN", "[error]", "fatal:"), with aliases; None if not a level."""
    return _RANK.get(name.strip(" []:").lower())


def guess_level(text: str) -> int | None:
    """A level word in the first 80 characters of `text`, as capitals, in brackets or before a colon
    ('ERROR', '[warn]', 'Fatal:', not the prose 'no error found'); None if there is none."""
    for token in text[:80].split():
        rank = _RANK.get(token.strip("[]():,;.").lower())
        if rank is not None and (token.isupper() or token[-1] in "]:"):
            return rank
    return None


@lru_cache(maxsize=4096)
def _hour(y: str, mo: str, d: str, h: str, tz: str | None) -> float | None:
    """POSIX seconds when an hour starts (month '05' or 'May', `tz` 'Z', '+02:00', '-0700' or None: local)."""
    with suppress(KeyError, ValueError, OverflowError, OSError):
        year, month, day, hour = int(y), _MONTHS[mo], int(d), int(h)
        days = date(year, month, day).toordinal() - 719163  # also refuses Feb 30, which mktime would take
        if hour > 23:
            return None
        if tz is None:
            return time.mktime((year, month, day, hour, 0, 0, 0, 0, -1))
        digits = tz[1:].replace(":", "")
        offset = 0 if tz in "Zz" else int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60
        return float(days * 86400 + hour * 3600 + (offset if tz[0] == "-" else -offset))
    return None


def _at(hour: float | None, mi: str, ss: str, frac: str | None = None) -> float | None:
    """A time from the start of its hour and its minutes, seconds and fraction of a second as text."""
    minute, second = int(mi), float(f"{ss}.{frac}") if frac else int(ss)
    return None if hour is None or minute > 59 or second >= 61 else hour + minute * 60 + second


def _iso(g: Sequence[str | Any]) -> float | None:  # groups y, m, d, H, M, S, fraction, zone
    y, mo, d, hh, mi, ss, frac, tz = g
    return _at(_hour(y, mo, d, hh or "0", tz), mi or "0", ss or "0", frac)


def _epoch(value: object) -> float | None:
    """POSIX seconds from ISO text or an epoch number: seconds, or milliseconds (> 1e11) or ns (> 1e17)."""
    if isinstance(value, str):
        return parse_time_text(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not -1e21 < value < 1e21:
        return None  # also for NaN; the bound keeps a huge int from overflowing the division
    seconds = value / 1e9 if abs(value) > 1e17 else value / 1e3 if abs(value) > 1e11 else value
    return float(seconds) if _EPOCH_MIN <= seconds <= _EPOCH_MAX else None


def parse_time_text(text: str) -> float | None:
    """POSIX seconds from ISO 8601 text ('T' or ' ', ',' or '.' fraction, 'Z' or offset, naive = local
    time) or an epoch number (seconds; milliseconds above 1e11, nanoseconds above 1e17); else None."""
    if m := _ISO.fullmatch(text := text.strip()):
        return _iso(m.groups())
    return _epoch(float(text)) if _NUMBER.fullmatch(text) else None


@lru_cache(maxsize=4096)
def _yearless(mo: str, d: str, h: str, now_hour: int) -> float | None:
    """`_hour` for a local time without a year: this year's, or last year's if this is a day ahead of now."""
    year = time.localtime(now_hour * 3600).tm_year
    found = _hour(str(year), mo, d, h, None)
    return _hour(str(year - 1), mo, d, h, None) if found is None or found > now_hour * 3600 + 86400 else found


class LogFormat(ABC):
    """A way of reading log lines: `name` as in configuration, `has_time` if records carry times."""

    name: str
    has_time: bool

    @abstractmethod
    def parse(self, line: str) -> Parsed | None:
        """The record starting on `line`; None if `line` starts none in this format (a traceback line)."""


class _Format(LogFormat):
    def __init__(self, name: str, parse: Callable[[str], Parsed | None], has_time: bool = True) -> None:
        self.name, self.has_time, self._parse = name, has_time, parse

    def parse(self, line: str) -> Parsed | None:
        return self._parse(line)


def _json(line: str) -> Parsed | None:
    text = line.lstrip()
    if not text.startswith("{"):  # json.loads only for lines that can be objects: most cannot
        return None
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    when = level = None
    for key in _JSON_TIME:
        if (value := obj.get(key)) is not None and (when := _epoch(value)) is not None:
            break
    for key in _JSON_LEVEL:
        if (value := obj.get(key)) is not None and (level := _json_level(value)) is not None:
            break
    return Parsed(when, level, next((v for k in _JSON_MESSAGE if isinstance(v := obj.get(k), str)), line))


def _json_level(value: object) -> int | None:
    if isinstance(value, str):
        return level_rank(value)
    return _PINO_RANK.get(value // 10) if isinstance(value, int) and not isinstance(value, bool) else None


def _syslog(line: str) -> Parsed | None:
    if line.startswith("<") and (m := _RFC5424.match(line)):
        pri, stamp, message = m.groups()
        when = parse_time_text(stamp)
    elif m := _BSD.match(line):
        pri, mon, d, hh, mi, ss, _host, message = m.groups()
        if mon not in _MONTHS:
            return None
        when = _at(_yearless(mon, d, hh, int(time.time() // 3600)), mi, ss)
    elif m := _SYS3339.match(line):
        pri, message, when = m.group(1), m.group(11), _iso(m.groups()[1:9])
    else:
        return None
    if pri is None:
        return Parsed(when, guess_level(message), message)
    return None if int(pri) > 191 else Parsed(when, _SEVERITY_RANK[int(pri) % 8], message)


def _python(line: str) -> Parsed | None:
    if (m := _LEAD.match(line)) is None:
        basic = _PY_BASIC.match(line)  # logging.basicConfig's "LEVEL:name:message"
        return None if basic is None else Parsed(None, _RANK[basic.group(1).lower()], basic.group(2))
    if level := _PY_LEVEL.match(line, m.end()):  # common layouts have the level in the first 5 fields
        return Parsed(_iso(m.groups()), _RANK[level.group(1).lower()], line[level.end() :].lstrip(" \t-:|]"))
    return None


def _combined(line: str) -> Parsed | None:
    if (m := _COMBINED.match(line)) is None:
        return None
    d, mon, y, hh, mi, ss, zone, status = m.groups()
    when = _at(_hour(y, mon, d, hh, zone), mi, ss)
    return Parsed(when, 5 if status >= "500" else 4 if status >= "400" else 2, line)


def _nginx_error(line: str) -> Parsed | None:
    if (m := _NGINX.match(line)) is None:
        return None
    return Parsed(_iso((*m.groups()[:6], None, None)), _RANK.get(m.group(7)), m.group(8))


def _plain(line: str) -> Parsed:
    m = _LEAD.match(line)
    return Parsed(None if m is None else _iso(m.groups()), guess_level(line), line)


def regex_format(name: str, pattern: str, time_format: str | None = None) -> LogFormat:
    """A format from configuration: `pattern`, a trusted regex matched at line starts with named groups
    `time`, `level` and/or `message`; `time_format`, strptime for `time`. ValueError says what to fix."""
    try:
        rx = re.compile(pattern)
    except re.error as err:
        raise ValueError(f"log format {name!r}: pattern is not a valid regular expression ({err})") from None
    groups = rx.groupindex.keys()
    if not {"time", "level", "message"} & groups:
        raise ValueError(f"log format {name!r}: pattern needs a (?P<time>…), (?P<level>…) or (?P<message>…)")
    if time_format is not None and "time" not in groups:
        raise ValueError(f"log format {name!r}: time_format is set, so pattern needs a (?P<time>…) group")
    try:  # a round trip finds bad directives now, not as a missing time on every line
        if time_format is not None:
            datetime.strptime(datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC).strftime(time_format), time_format)
    except ValueError as err:
        raise ValueError(f"log format {name!r}: time_format {time_format!r} does not work: {err}") from None
    yearless = time_format is not None and not any(y in time_format for y in ("%Y", "%y", "%G"))

    def to_time(text: str) -> float | None:
        if time_format is None:
            return parse_time_text(text)
        try:
            dt = datetime.strptime(text, time_format)
            if dt.tzinfo is not None:
                return dt.timestamp()
        except (ValueError, OverflowError):
            return None
        mo, d, h, now = f"{dt.month:02d}", str(dt.day), str(dt.hour), int(time.time() // 3600)
        start = _yearless(mo, d, h, now) if yearless else _hour(str(dt.year), mo, d, h, None)  # not 1900
        return _at(start, str(dt.minute), str(dt.second), f"{dt.microsecond:06d}")

    def parse(line: str) -> Parsed | None:
        if (m := rx.match(line)) is None:
            return None
        when = to_time(m.group("time") or "") if "time" in groups else None
        level = level_rank(m.group("level") or "") if "level" in groups else guess_level(line)
        message = m.group("message") if "message" in groups else None
        return Parsed(when, level, line if message is None else message)

    return _Format(name, parse, "time" in groups)


_PARSERS = (("json", _json), ("syslog", _syslog), ("python", _python), ("combined", _combined))
FORMATS: Mapping[str, LogFormat] = MappingProxyType(
    {n: _Format(n, f) for n, f in (*_PARSERS, ("nginx-error", _nginx_error))}
    | {"plain": _Format("plain", _plain, has_time=False)}
)
"""The built-in formats, in detection order; "plain" accepts every line."""


def detect(lines: Sequence[str], formats: Sequence[LogFormat]) -> LogFormat:
    """The first of `formats` that parses at least 60% of the sample's lines that could start a record;
    FORMATS["plain"] otherwise (also for an empty sample). Blank and indented lines (traceback frames,
    wrapped messages) are left out, so a log full of tracebacks is still recognised."""
    sample = [line for line in lines if line.strip() and not line[0].isspace()]
    for fmt in formats if sample else ():
        if sum(fmt.parse(line) is not None for line in sample) >= 0.6 * len(sample):
            return fmt
    return FORMATS["plain"]
