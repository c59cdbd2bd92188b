"""Log line formats: every built-in on realistic lines, levels, times, detection, formats of your own."""

from __future__ import annotations

import time

import pytest

from mcp_resources.builtins.logs.formats import (
    FORMATS,
    LEVELS,
    Parsed,
    detect,
    guess_level,
    level_rank,
    parse_time_text,
    regex_format,
)

T0 = 1714564800.0  # 2024-05-01T12:00:00Z
TRACE, DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL = range(7)
TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "x.py", line 3, in f',
    "    raise ValueError('boom')",
    "ValueError: boom",
]


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> float:
    """What the machine's own clock called that wall time."""
    return time.mktime((y, mo, d, h, mi, s, 0, 0, -1))


def parse(fmt: str, line: str) -> Parsed | None:
    return FORMATS[fmt].parse(line)


def test_levels_are_ordered_by_severity() -> None:
    assert LEVELS == ("trace", "debug", "info", "notice", "warning", "error", "critical")
    assert list(FORMATS) == ["json", "syslog", "python", "combined", "nginx-error", "plain"]
    assert [f.has_time for f in FORMATS.values()] == [True, True, True, True, True, False]


@pytest.mark.parametrize(
    ("name", "rank"),
    [
        ("info", INFO),
        ("INFO", INFO),
        ("Warning", WARNING),
        ("warn", WARNING),
        ("[ERROR]", ERROR),
        ("err", ERROR),
        ("error:", ERROR),
        ("fatal", CRITICAL),
        ("CRIT", CRITICAL),
        ("alert", CRITICAL),
        ("emerg", CRITICAL),
        ("emergency", CRITICAL),
        ("panic", CRITICAL),
        ("SEVERE", CRITICAL),
        ("dbg", DEBUG),
        ("information", INFO),
        ("informational", INFO),
        ("verbose", TRACE),
        ("notice", NOTICE),
        ("eror", None),
        ("", None),
        ("errors", None),
        ("no error found", None),
    ],
)
def test_level_rank(name: str, rank: int | None) -> None:
    assert level_rank(name) == rank


@pytest.mark.parametrize(
    ("text", "rank"),
    [
        ("ERROR could not open file", ERROR),
        ("[warn] disk almost full", WARNING),
        ("fatal: not a git repository", CRITICAL),
        ("Error: file not found", ERROR),
        ("12:00:01 worker-3 DEBUG tick", DEBUG),
        ("no error found", None),
        ("information about the user was updated", None),
        ("the warning light is off", None),
        ("GET /index.html 200", None),
        ("x" * 90 + " ERROR late", None),  # only the start of a line is looked at
        ("", None),
    ],
)
def test_guess_level(text: str, rank: int | None) -> None:
    assert guess_level(text) == rank


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:00:00Z", T0),
        ("2024-05-01t12:00:00z", T0),
        ("2024-05-01 14:00:00+02:00", T0),
        ("2024-05-01T05:00:00-0700", T0),
        ("2024-05-01T17:30:00+05:30", T0),
        ("2024-05-01T15:00:00+03", T0),
        ("2024-05-01T12:00:00.250Z", T0 + 0.25),
        ("2024-05-01T12:00:00,5Z", T0 + 0.5),
        ("2024-05-01T12:00:00.123456789Z", T0 + 0.123456789),
        ("  2024-05-01T12:00:00Z  ", T0),
        ("1714564800", T0),
        ("1714564800.5", T0 + 0.5),
        ("1714564800500", T0 + 0.5),  # milliseconds
        ("1714564800000000000", T0),  # nanoseconds
        ("2024-05-01T12:00Z", T0),
    ],
)
def test_parse_time_text(text: str, expected: float) -> None:
    assert parse_time_text(text) == pytest.approx(expected, abs=1e-6)


def test_a_time_without_zone_is_local_time() -> None:
    assert parse_time_text("2024-05-01 12:00:00") == local(2024, 5, 1, 12)
    assert parse_time_text("2024-05-01T12:00:00.5") == local(2024, 5, 1, 12) + 0.5
    assert parse_time_text("2024-05-01") == local(2024, 5, 1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2024-02-30T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-05-01T24:00:00Z",
        "2024-05-01T12:60:00Z",
        "0000-01-01T00:00:00Z",
        "9" * 400,
        "1e999",
        "-99999999999999999999999",
        "2024-05-01T12:00:00+99:99 trailing",
        "".join(chr(0xFF10 + int(c)) for c in "1714564800"),  # fullwidth digits are not an epoch
    ],
)
def test_parse_time_text_refuses(text: str) -> None:
    assert parse_time_text(text) is None


def test_leap_day_is_a_date() -> None:
    assert parse_time_text("2024-02-29T00:00:00Z") == 1709164800.0


@pytest.mark.parametrize(
    ("line", "when", "level", "message"),
    [
        (  # pino
            '{"level":30,"time":1714564800000,"pid":7,"hostname":"web-1","msg":"request completed"}',
            T0,
            INFO,
            "request completed",
        ),
        (  # bunyan
            '{"name":"api","hostname":"h","pid":1,"level":50,"msg":"boom","time":"2024-05-01T12:00:00.000Z","v":0}',
            T0,
            ERROR,
            "boom",
        ),
        (  # pino's trace and fatal
            '{"level":10,"time":1714564800,"msg":"x"}',
            T0,
            TRACE,
            "x",
        ),
        ('{"level":60,"time":1714564800,"msg":"x"}', T0, CRITICAL, "x"),
        (  # structlog
            '{"event": "user logged in", "level": "warning", "timestamp": "2024-05-01T14:00:00+02:00"}',
            T0,
            WARNING,
            "user logged in",
        ),
        (  # Elastic Common Schema
            '{"@timestamp":"2024-05-01T12:00:00.5Z","log.level":"ERROR","message":"db down","ecs.version":"1.6"}',
            T0 + 0.5,
            ERROR,
            "db down",
        ),
        (  # python-json-logger
            '{"asctime": "2024-05-01 12:00:00,000Z", "levelname": "CRITICAL", "message": "out of memory"}',
            T0,
            CRITICAL,
            "out of memory",
        ),
        ('  {"ts": 1714564800.25, "severity": "notice", "text": "t"}', T0 + 0.25, NOTICE, "t"),
        ('{"t": 1714564800000000000, "lvl": "dbg", "msg": "ns"}', T0, DEBUG, "ns"),
        ('{"date": "2024-05-01T12:00:00Z", "loglevel": "warn"}', T0, WARNING, None),
        ('{"a": 1}', None, None, None),
    ],
)
def test_json(line: str, when: float | None, level: int | None, message: str | None) -> None:
    """`message` None: the record has no message field, so the line is the message."""
    assert parse("json", line) == Parsed(when, level, line if message is None else message)


def test_json_skips_values_that_are_not_times_or_levels() -> None:
    found = parse(
        "json", '{"time": "soon", "timestamp": 1714564800, "level": true, "severity": "info", "msg": 3}'
    )
    assert found is not None
    assert (found.time, found.level) == (T0, INFO)
    assert found.message.startswith("{")  # a message that is not a string: the line


@pytest.mark.parametrize(
    "line",
    [
        "plain text",
        "[1, 2, 3]",
        '"a string"',
        "{not json",
        "",
        *TRACEBACK,
        "  at com.example.Main(Main.java:3)",
    ],
)
def test_json_is_only_objects(line: str) -> None:
    assert parse("json", line) is None


def test_syslog_rfc3164() -> None:
    line = "<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick on /dev/pts/8"
    found = parse("syslog", line)
    assert found is not None
    assert found.level == CRITICAL  # severity 34 % 8 = 2
    assert found.message == "su[123]: 'su root' failed for lonvick on /dev/pts/8"
    year = time.localtime().tm_year
    assert found.time in (local(year, 10, 11, 22, 14, 15), local(year - 1, 10, 11, 22, 14, 15))


def test_syslog_without_priority_guesses_the_level() -> None:
    found = parse("syslog", "May  1 12:00:00 web-1 sshd[99]: error: maximum authentication attempts exceeded")
    assert found is not None
    assert found.level == ERROR
    assert found.message.startswith("sshd[99]: error:")
    quiet = parse("syslog", "May  1 12:00:00 web-1 CRON[5]: (root) CMD (run-parts /etc/cron.hourly)")
    assert quiet is not None
    assert quiet.level is None


def test_syslog_without_year_is_never_far_in_the_future() -> None:
    now = time.time()
    past = time.localtime(now - 3 * 86400)
    soon = time.localtime(now + 3 * 86400)  # three days ahead: must be last year
    month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    for when, year in ((past, past.tm_year), (soon, soon.tm_year - 1)):
        line = f"{month[when.tm_mon - 1]} {when.tm_mday:2d} 10:30:00 host app: x"
        found = parse("syslog", line)
        assert found is not None
        assert found.time == local(year, when.tm_mon, when.tm_mday, 10, 30)


def test_syslog_rfc5424() -> None:
    line = (
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
        '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][x@1 a="q\\"]"] '
        "\ufeffAn application event log entry"
    )
    assert parse("syslog", line) == Parsed(1065910455.003, NOTICE, "An application event log entry")
    no_sd = "<14>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - It's time to make the do-nuts."
    found = parse("syslog", no_sd)
    assert found is not None
    assert found.time == pytest.approx(1061727255.000003)
    assert (found.level, found.message) == (INFO, "It's time to make the do-nuts.")
    assert parse("syslog", "<15>1 - - - - - -") == Parsed(None, DEBUG, "")


def test_syslog_rsyslog_high_precision() -> None:
    line = "2024-05-01T14:00:00.123456+02:00 web-1 kernel: [ 0.000000] Linux version 6.1.0"
    assert parse("syslog", line) == Parsed(T0 + 0.123456, None, "kernel: [ 0.000000] Linux version 6.1.0")
    assert parse("syslog", "<11>2024-05-01T12:00:00Z web-1 app[7]: failed") == Parsed(
        T0, ERROR, "app[7]: failed"
    )


@pytest.mark.parametrize(
    "line",
    [
        "<999>Oct 11 22:14:15 host app: priority out of range",
        "Foo 11 22:14:15 host app: not a month",
        "2024-05-01 12:00:00,123 INFO app: a Python line",
        "    at java.lang.Thread.run(Thread.java:750)",
        *TRACEBACK,
    ],
)
def test_syslog_refuses(line: str) -> None:
    assert parse("syslog", line) is None


def test_syslog_impossible_date_has_no_time() -> None:
    found = parse("syslog", "Feb 30 12:00:00 host app: x")
    assert found is not None
    assert found.time is None


@pytest.mark.parametrize(
    ("line", "level", "message"),
    [
        ("2024-05-01 12:00:00,123 - myapp.db - WARNING - slow query", WARNING, "slow query"),
        ("2024-05-01 12:00:00,123 ERROR myapp.db: connection lost", ERROR, "myapp.db: connection lost"),
        ("2024-05-01 12:00:00,123 INFO:root:started", INFO, "root:started"),
        ("[2024-05-01 12:00:00,123] CRITICAL in app: boom", CRITICAL, "in app: boom"),
        ("2024-05-01 12:00:00.123 [MainThread] app.worker [debug] tick", DEBUG, "tick"),
        ("2024-05-01T12:00:00,123 12345 INFO celery.worker: ready", INFO, "celery.worker: ready"),
    ],
)
def test_python(line: str, level: int, message: str) -> None:
    assert parse("python", line) == Parsed(local(2024, 5, 1, 12) + 0.123, level, message)


def test_python_with_a_zone_and_without_a_time() -> None:
    assert parse("python", "2024-05-01T14:00:00+02:00 INFO x") == Parsed(T0, INFO, "x")
    assert parse("python", "2024-05-01 12:00:00 +0000 - app - ERROR - y") == Parsed(T0, ERROR, "y")
    assert parse("python", "WARNING:py.warnings:deprecated call") == Parsed(None, WARNING, "deprecated call")
    assert parse("python", "ERROR:root:") == Parsed(None, ERROR, "")


@pytest.mark.parametrize(
    "line",
    [
        *TRACEBACK,
        "",
        "2024-05-01 12:00:00,123 a b c d e f ERROR level word too far in",
        "2024-05-01 12:00:00,123 nothing that is a level",
        "HTTP:1.1:not a level",
        "During handling of the above exception, another exception occurred:",
    ],
)
def test_python_refuses(line: str) -> None:
    assert parse("python", line) is None


def test_python_impossible_date() -> None:
    assert parse("python", "2024-02-30 12:00:00,000 INFO x") == Parsed(None, INFO, "x")


@pytest.mark.parametrize(
    ("line", "when", "level"),
    [
        (
            '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
            971211336.0,
            INFO,
        ),
        (
            '203.0.113.9 - - [01/May/2024:12:00:00 +0000] "GET /missing HTTP/1.1" 404 153 "-" "curl/8.5.0"',
            T0,
            WARNING,
        ),
        (
            '::1 - - [01/May/2024:14:00:00 +0200] "POST /api HTTP/2.0" 502 - "https://example.com/" '
            '"Mozilla/5.0 (X11; Linux x86_64)" rt=0.051',
            T0,
            ERROR,
        ),
        ('10.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET /a\\"b HTTP/1.1" 304 0', T0, INFO),
    ],
)
def test_combined(line: str, when: float, level: int) -> None:
    assert parse("combined", line) == Parsed(when, level, line)


@pytest.mark.parametrize(
    "line",
    [
        '127.0.0.1 - - [01/Foo/2024:12:00:00 +0000] "GET / HTTP/1.1" 200 1',
        '127.0.0.1 - - [01/May/2024:12:00:00] "GET / HTTP/1.1" 200 1',
        "GET / HTTP/1.1",
    ],
)
def test_combined_refuses_or_has_no_time(line: str) -> None:
    found = parse("combined", line)
    assert found is None or found.time is None


@pytest.mark.parametrize(
    ("line", "level", "message"),
    [
        (
            '2024/05/01 12:00:00 [error] 1234#0: *1 open() "/srv/x" failed (2: No such file or directory)',
            ERROR,
            '1234#0: *1 open() "/srv/x" failed (2: No such file or directory)',
        ),
        ("2024/05/01 12:00:00 [warn] 7#7: conflicting server name", WARNING, "7#7: conflicting server name"),
        (
            "2024/05/01 12:00:00 [crit] 7#7: *9 SSL_do_handshake() failed",
            CRITICAL,
            "7#7: *9 SSL_do_handshake() failed",
        ),
        ("2024/05/01 12:00:00 [emerg] 1#1: bind() failed", CRITICAL, "1#1: bind() failed"),
    ],
)
def test_nginx_error(line: str, level: int, message: str) -> None:
    assert parse("nginx-error", line) == Parsed(local(2024, 5, 1, 12), level, message)


def test_nginx_error_refuses() -> None:
    assert parse("nginx-error", "2024-05-01 12:00:00 [error] dashes are not nginx") is None
    assert parse("nginx-error", "2024/05/01 12:00:00 [bogus] x") == Parsed(local(2024, 5, 1, 12), None, "x")


def test_plain_takes_every_line() -> None:
    assert parse("plain", "just some text") == Parsed(None, None, "just some text")
    assert parse("plain", "") == Parsed(None, None, "")
    line = "2024-05-01T12:00:00Z worker ERROR: queue full"
    assert parse("plain", line) == Parsed(T0, ERROR, line)
    assert parse("plain", "[2024-05-01 14:00:00 +02:00] [warn] x") == Parsed(
        T0, WARNING, "[2024-05-01 14:00:00 +02:00] [warn] x"
    )


NASTY = [
    "\x00\x01\x02",
    "\ufffd" * 50,
    "{" * 5000,
    '{"a":' * 100_000 + "1" + "}" * 100_000,
    '{"time": ' + "9" * 5000 + "}",
    '{"time": 1e308, "level": 1e308, "ts": -1e308, "t": NaN, "date": Infinity}',
    '{"level": 99999999999999999999999999999999, "time": -99999999999999999999999}',
    '{"time": "9999-12-31T23:59:59-23:59", "level": "x" }',
    "<191>Dec 31 23:59:59 h a: b",
    "<0>1 9999-12-31T23:59:59Z - - - - -",
    "<13>1 0000-00-00T00:00:00Z - - - - - bad date",
    "Feb 29 12:00:00 host app: not every year has one",
    "9999-12-31 23:59:59,999 INFO end of time",
    "0001-01-01T00:00:00-23:59 INFO start of time",
    "2024-05-01 99:99:99,999 ERROR x",
    "0000/00/00 00:00:00 [error] x",
    '1.2.3.4 - - [31/Feb/2024:25:61:61 +9999] "GET / HTTP/1.1" 200 1',
    "[" * 10_000,
    "2024-05-01 12:00:00," + "1" * 10_000 + " INFO long fraction",
    "a " * 50_000,
    "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in "2024-05-01 12:00:00")
    + " INFO arabic-indic digits",
]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_nasty_lines_never_raise(fmt: str) -> None:
    for line in NASTY:
        found = FORMATS[fmt].parse(line)
        assert found is None or isinstance(found, Parsed)
        assert (
            found is None or found.time is None or -62135596800 - 86400 <= found.time <= 253402300800 + 86400
        )


def test_nasty_times_are_refused() -> None:
    assert parse("json", '{"time": 1e308, "level": 1e308}') == Parsed(
        None, None, '{"time": 1e308, "level": 1e308}'
    )
    found = parse("python", "2024-05-01 99:99:99,999 ERROR x")
    assert found is not None
    assert found.time is None
    found = parse("combined", '1.2.3.4 - - [31/Feb/2024:12:00:00 +0000] "GET / HTTP/1.1" 200 1')
    assert found is not None
    assert found.time is None


SAMPLES = {
    "json": ['{"level":30,"time":1714564800000,"msg":"a"}', '{"level":40,"time":1714564801000,"msg":"b"}'],
    "syslog": [
        "May  1 12:00:00 web-1 systemd[1]: Started Session 5 of user deploy.",
        "May  1 12:00:01 web-1 sshd[9]: Accepted publickey for deploy",
    ],
    "python": [
        "2024-05-01 12:00:00,123 - app - INFO - started",
        "2024-05-01 12:00:01,456 - app - ERROR - failed",
        *TRACEBACK[:2],
        "2024-05-01 12:00:02,000 - app - INFO - retried",
        "2024-05-01 12:00:03,000 - app - INFO - done",
    ],
    "combined": [
        '127.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.5.0"',
        '127.0.0.1 - - [01/May/2024:12:00:01 +0000] "GET /x HTTP/1.1" 404 153 "-" "curl/8.5.0"',
    ],
    "nginx-error": [
        "2024/05/01 12:00:00 [notice] 1#1: using the epoll event method",
        "2024/05/01 12:00:00 [notice] 1#1: nginx/1.25.3",
    ],
    "plain": ["hello", "world", "2024-05-01 12:00:00 no level here"],
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_detect(name: str) -> None:
    assert detect(SAMPLES[name], list(FORMATS.values())) is FORMATS[name]
    assert detect(["", *SAMPLES[name], "   "], list(FORMATS.values())) is FORMATS[name]  # blanks ignored


def test_detect_needs_sixty_percent() -> None:
    json_lines = SAMPLES["json"] * 3
    assert detect([*json_lines, "x", "y", "z", "w"], list(FORMATS.values())) is FORMATS["json"]  # 6 of 10
    assert (
        detect([*json_lines, "x", "y", "z", "w", "v"], list(FORMATS.values())) is FORMATS["plain"]
    )  # 6 of 11
    assert detect([], list(FORMATS.values())) is FORMATS["plain"]
    assert detect(["", "  "], list(FORMATS.values())) is FORMATS["plain"]
    assert detect(SAMPLES["json"], [FORMATS["syslog"]]) is FORMATS["plain"]


def test_detect_tries_formats_in_order() -> None:
    mine = regex_format("mine", r"(?P<message>.*)")
    assert detect(SAMPLES["json"], [mine, *FORMATS.values()]) is mine
    assert detect(SAMPLES["json"], [*FORMATS.values(), mine]) is FORMATS["json"]


def test_regex_format() -> None:
    fmt = regex_format("app", r"(?P<time>\S+) \[(?P<level>\w+)\] (?P<message>.*)")
    assert (fmt.name, fmt.has_time) == ("app", True)
    assert fmt.parse("2024-05-01T12:00:00Z [WARN] disk full") == Parsed(T0, WARNING, "disk full")
    assert fmt.parse("2024-05-01T12:00:00Z [chatty] x") == Parsed(T0, None, "x")
    assert fmt.parse("not-a-time [INFO] x") == Parsed(None, INFO, "x")
    assert fmt.parse("  continuation") is None


def test_regex_format_with_time_format() -> None:
    fmt = regex_format("java", r"(?P<time>\d\d/\d\d/\d{4} \S+) (?P<level>\w+)", "%d/%m/%Y %H:%M:%S.%f")
    line = "01/05/2024 12:00:00.250 SEVERE Exception in thread main"
    assert fmt.parse(line) == Parsed(local(2024, 5, 1, 12) + 0.25, CRITICAL, line)
    zoned = regex_format("z", r"(?P<time>\S+ \S+ \S+)", "%Y-%m-%d %H:%M:%S %z")
    assert zoned.parse("2024-05-01 14:00:00 +0200 x") == Parsed(T0, None, "2024-05-01 14:00:00 +0200 x")
    assert fmt.parse("31/02/2024 12:00:00.000 INFO x") == Parsed(None, INFO, "31/02/2024 12:00:00.000 INFO x")


def test_regex_format_without_year_takes_a_recent_one() -> None:
    fmt = regex_format("bsd", r"(?P<time>\w{3} [ \d]\d \S+) (?P<message>.*)", "%b %d %H:%M:%S")
    when = time.localtime(time.time() - 86400)
    line = time.strftime("%b %d %H:%M:%S", when) + " hello"
    found = fmt.parse(line)
    assert found is not None
    assert found.time == local(
        when.tm_year, when.tm_mon, when.tm_mday, when.tm_hour, when.tm_min, when.tm_sec
    )


def test_regex_format_without_level_group_guesses() -> None:
    fmt = regex_format("msg", r"(?P<message>.+)")
    assert fmt.has_time is False
    assert fmt.parse("ERROR: x") == Parsed(None, ERROR, "ERROR: x")
    assert fmt.parse("") is None


@pytest.mark.parametrize(
    ("pattern", "time_format", "complaint"),
    [
        (r"(?P<time>[", None, "not a valid regular expression"),
        (r"(\S+) (.*)", None, "needs a (?P<time>…), (?P<level>…) or (?P<message>…)"),
        (r"(?P<when>\S+)", None, "needs a (?P<time>…)"),
        (r"(?P<message>.*)", "%Y", "time_format is set, so pattern needs a (?P<time>…) group"),
        (r"(?P<time>\S+)", "%Y-%Q", "time_format '%Y-%Q' does not work"),
    ],
)
def test_regex_format_refuses(pattern: str, time_format: str | None, complaint: str) -> None:
    with pytest.raises(ValueError, match="log format 'bad'") as caught:
        regex_format("bad", pattern, time_format)
    message = str(caught.value)
    assert complaint in message
    assert "\n" not in message
