"""The logs provider: tails, windows, filters, formats, redaction, rotation, cursors (real files)."""

from __future__ import annotations

import gzip
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import mcp_types as types
import pytest
from conftest import LOG_T0, body, logs_config, make_logs, utc
from mcp import Client, MCPError

from mcp_resources.errors import ConfigError
from mcp_resources.testing import app_from_toml, assemble_toml, connect

pytestmark = pytest.mark.anyio
META = "mcp-resources/"


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    return make_logs(tmp_path / "logs")


@pytest.fixture(params=["legacy", "auto"])
async def client(request: pytest.FixtureRequest, logs: Path) -> AsyncIterator[Client]:
    async with (
        app_from_toml(logs_config(tail_lines=20), logs.parent) as app,
        connect(app, mode=request.param) as c,
    ):
        yield c


async def text(client: Client, uri: str) -> str:
    result = await body(client, uri)
    assert isinstance(result, str)
    return result


async def meta(client: Client, uri: str) -> dict[str, object]:
    first = (await client.read_resource(uri)).contents[0]
    return dict(first.meta or {})


async def error(client: Client, uri: str) -> types.ErrorData:
    with pytest.raises(MCPError) as caught:
        await client.read_resource(uri)
    return caught.value.error


async def test_listing_shows_files_rotations_and_the_merged_view(client: Client, logs: Path) -> None:
    listed = {r.uri: r for r in (await client.list_resources()).resources}
    assert list(listed) == [
        "logs://",
        "logs://access.log",
        "logs://app.log",
        "logs://app.log.1",
        "logs://app.log.2.gz",
        "logs://custom.log",
        "logs://events.jsonl",
        "logs://nginx-error.log",
        "logs://sys.log",
    ]
    app = listed["logs://app.log"]
    assert app.size == (logs / "app.log").stat().st_size and app.annotations and app.annotations.last_modified
    assert "rotated from app.log" in (listed["logs://app.log.1"].description or "")
    templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
    assert "logs://{+file}{?cursor,level,since,until,grep,regex,scan,format}" in templates


async def test_tail_is_the_last_lines(client: Client) -> None:
    lines = (await text(client, "logs://app.log")).splitlines()
    assert len(lines) == 20 and lines[-1].endswith("request 49 served")
    assert (await text(client, "logs://app.log?tail=2")).splitlines()[0].endswith("request 48 served")
    info = await meta(client, "logs://app.log?tail=2")
    assert info[f"{META}format"] == "python" and str(info[f"{META}follow"]).startswith(
        "logs://app.log?cursor="
    )


async def test_level_filter_keeps_whole_tracebacks(client: Client) -> None:
    lines = (await text(client, "logs://app.log?level=error&tail=100")).splitlines()
    assert lines[0].endswith("request 20 failed") and lines[1] == "Traceback (most recent call last):"
    assert lines[3] == "ValueError: bad input"
    assert all("INFO" not in line and "WARNING" not in line for line in lines)
    warnings = (await text(client, "logs://app.log?level=warn&tail=100")).splitlines()
    assert warnings[0].endswith("slow request 10")


async def test_time_filters(client: Client) -> None:
    since, until = quote(utc(44).replace(",", ".")), quote(utc(46).replace(",", "."))
    lines = (await text(client, f"logs://app.log?since={since}&until={until}")).splitlines()
    assert [line.split()[-2] for line in lines] == ["44", "45", "46"]
    assert (await text(client, f"logs://app.log?since={LOG_T0 + 48}")).splitlines()[0].endswith("48 served")
    assert await text(client, "logs://app.log?since=1h") == ""  # the log is from 2025


async def test_text_and_regex_filters(client: Client) -> None:
    assert (await text(client, "logs://app.log?grep=SLOW%20REQUEST")).strip().endswith("slow request 10")
    assert len((await text(client, "logs://app.log?regex=request%20(1%7C2)0%5Cb&tail=100")).splitlines()) == 2
    bad = await error(client, "logs://app.log?regex=(a")
    assert bad.code == -32602 and bad.data["argument"] == "regex" and "missing )" in bad.message
    # A pattern that makes backtracking engines explode is linear in RE2.
    assert await text(client, "logs://app.log?regex=(x%2B)%2By%24") == ""


async def test_windows_and_next_links(client: Client, logs: Path) -> None:
    window = (await text(client, "logs://app.log?line=2&count=2")).splitlines()
    assert window[0].endswith("request 1 served") and window[1].endswith("request 2 served")
    assert window[2] == "[more lines: read logs://app.log?line=4&count=2]"
    data = (logs / "app.log").read_bytes()
    start = data.index(b"request 5 served") - 5  # inside line 6: the window starts at line 7
    lines = (await text(client, f"logs://app.log?offset={start}&length=100")).splitlines()
    assert lines[0].endswith("request 6 served")


async def test_every_format_is_parsed(client: Client) -> None:
    async def levels(name: str) -> list[str]:
        return [r.get("level") for r in (await body(client, f"logs://{name}?format=json"))["records"]]

    assert (await levels("access.log"))[7] == "error"
    assert (await levels("events.jsonl"))[3] == "error"
    assert await levels("sys.log") == ["error", "info"]
    assert await levels("nginx-error.log") == ["error", "notice"]
    custom = (await body(client, "logs://custom.log?format=json"))["records"]
    assert custom[0]["level"] == "error" and custom[0]["time"] == 1746093601
    assert (await text(client, "logs://events.jsonl?level=error")).strip().endswith('"event 3"}')


async def test_secrets_are_redacted_before_filtering(client: Client) -> None:
    everything = await text(client, "logs://app.log?tail=100")
    for secret in ("hunter2", "abc.def.ghi", "MIIEowIBAAKCAQEAsecret"):
        assert secret not in everything
    assert "password=[REDACTED]" in everything
    assert await text(client, "logs://app.log?grep=hunter2") == ""
    key_lines = (await text(client, "logs://app.log?level=error&grep=tls&tail=5")).splitlines()
    assert "[REDACTED PEM BLOCK]" in key_lines[0]


async def test_escapes_and_long_lines_are_neutralised(client: Client) -> None:
    everything = await text(client, "logs://app.log?tail=100")
    assert "\x1b" not in everything and "\u202e" not in everything and "\r" not in everything
    assert "\\x1b[31mred\\x1b[0m" in everything and "\\u202e" in everything
    long_line = next(line for line in everything.splitlines() if " long " in line)
    assert len(long_line) < 4300 and "line cut" in long_line


async def test_rotated_and_compressed_files_are_readable(client: Client) -> None:
    assert "first rotation" in await text(client, "logs://app.log.1")
    assert "compressed rotation" in await text(client, "logs://app.log.2.gz?level=info")


async def test_merged_view_orders_by_time(client: Client) -> None:
    lines = (await text(client, "logs://?files=events.jsonl,sys.log&tail=4")).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "sys.log",
        "events.jsonl",
        "events.jsonl",
        "events.jsonl",
    ]
    assert lines[0].endswith("all good") and lines[-1].endswith('"event 9"}')
    records = (await body(client, "logs://?files=events.jsonl,sys.log&format=json"))["records"]
    times = [r["time"] for r in records]
    assert times == sorted(times) and {r["file"] for r in records} == {"events.jsonl", "sys.log"}


async def test_completions(client: Client) -> None:
    ref = types.ResourceTemplateReference(
        type="ref/resource", uri="logs://{+file}{?tail,level,since,until,grep,regex,scan,format}"
    )
    files = await client.complete(ref, {"name": "file", "value": "app"})
    assert files.completion.values == ["app.log", "app.log.1", "app.log.2.gz"]
    levels = await client.complete(ref, {"name": "level", "value": "w"})
    assert levels.completion.values == ["warning"]


@pytest.mark.parametrize(
    ("uri", "argument"),
    [
        ("logs://app.log?tail=0", "tail"),
        ("logs://app.log?level=loud", "level"),
        ("logs://app.log?since=yesterday", "since"),
        ("logs://app.log?tail=5&cursor=x", "cursor"),
        ("logs://app.log?cursor=nonsense", "cursor"),
        ("logs://app.log?color=red", "color"),
        ("logs://app.log?format=xml", "format"),
    ],
)
async def test_bad_arguments_name_the_argument(client: Client, uri: str, argument: str) -> None:
    bad = await error(client, uri)
    assert bad.code == -32602 and bad.data == {"uri": uri, "argument": argument}


async def test_nothing_outside_the_catalog_is_served(client: Client, logs: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.log").write_text("top secret\n")
    os.symlink(tmp_path / "secret.log", logs / "link.log")
    (logs / "notes.txt").write_text("not a log\n")
    for uri in ("logs://link.log", "logs://notes.txt", "logs://..%2Fsecret.log", "logs://../secret.log"):
        bad = await error(client, uri)
        assert bad.code in (-32602, -32002) and "secret" not in bad.message
    assert "logs://link.log" not in [r.uri for r in (await client.list_resources()).resources]
    assert await text(client, "logs://app.log?tail=1")  # still serving


async def test_follow_cursor_across_rename_and_copytruncate(logs: Path) -> None:
    app = logs / "app.log"
    async with app_from_toml(logs_config(), logs.parent) as served, connect(served) as client:
        follow = str((await meta(client, "logs://app.log?tail=1"))[f"{META}follow"])
        seen: list[str] = []

        async def read_new() -> None:
            nonlocal follow
            result = await client.read_resource(follow)
            first = result.contents[0]
            assert isinstance(first, types.TextResourceContents) and not (first.meta or {}).get(f"{META}gap")
            seen.extend(first.text.splitlines())
            follow = str((first.meta or {})[f"{META}follow"])

        with app.open("a") as out:
            out.write(f"{utc(60)} INFO web: new 1\n")
        await read_new()
        with app.open("a") as out:
            out.write(f"{utc(61)} INFO web: new 2\n")
        os.replace(logs / "app.log.1", logs / "app.log.3")  # logrotate: shift, rename, create
        os.replace(app, logs / "app.log.1")
        app.write_text(f"{utc(62)} INFO web: new 3\n")
        await read_new()
        with app.open("a") as out:  # copytruncate: copy, then truncate in place
            out.write(f"{utc(63)} INFO web: new 4\n")
        (logs / "app.log.1").write_bytes(app.read_bytes())
        with app.open("r+") as out:
            out.truncate(0)
        with app.open("a") as out:
            out.write(f"{utc(64)} INFO web: new 5 after the truncate\n")
        await read_new()
        assert [line.split("web: ")[1] for line in seen] == [
            "new 1",
            "new 2",
            "new 3",
            "new 4",
            "new 5 after the truncate",
        ]


async def test_tail_of_a_gzip_rotation_and_unterminated_last_line(logs: Path) -> None:
    with gzip.open(logs / "app.log.1.gz", "wt") as gz:
        gz.write("".join(f"{utc(i)} INFO web: gz {i}\n" for i in range(1000)))
    (logs / "app.log").write_text(f"{utc(0)} INFO web: done\n{utc(1)} INFO web: half-writ")
    async with app_from_toml(logs_config(), logs.parent) as served, connect(served) as client:
        assert (await text(client, "logs://app.log.1.gz?tail=2")).splitlines()[-1].endswith("gz 999")
        assert (await text(client, "logs://app.log")).splitlines() == [f"{utc(0)} INFO web: done"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"files": ["../*.log"]}, "files"),
        ({"format": "klingon"}, "format"),
        ({"redact": ["(unclosed"]}, "redact"),
        ({"tail_lines": 0}, "tail_lines"),
    ],
)
def test_config_mistakes_fail_at_start(logs: Path, options: dict[str, object], expected: str) -> None:
    toml = (
        logs_config(**options).replace('files = ["*.log", "*.jsonl"]\n', "")
        if "files" in options
        else logs_config(**options)
    )
    with pytest.raises(ConfigError) as caught:
        assemble_toml(toml, logs.parent)
    assert "providers.logs" in str(caught.value) and expected in str(caught.value)


async def test_time_filters_on_a_log_without_timestamps_are_refused(client: Client, logs: Path) -> None:
    (logs / "plain.log").write_text("just words\nmore words\n")
    bad = await error(client, "logs://plain.log?since=1h")
    assert bad.code == -32602 and bad.data["argument"] == "since" and "timestamps" in bad.message
    assert (await text(client, "logs://plain.log?grep=more")).strip() == "more words"


class CountingReader:
    """`read(length, offset)` on a real file that counts the bytes it was asked for."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        self.bytes = 0

    def __call__(self, length: int, offset: int) -> bytes:
        self.bytes += length
        return os.pread(self.fd, length, offset)


def test_a_tail_of_a_huge_file_reads_only_its_end(tmp_path: Path) -> None:
    from mcp_resources.builtins.logs.lines import complete_end, lines_backward

    huge = tmp_path / "huge.log"
    with huge.open("wb") as out:  # 8 GiB, sparse: only the end holds lines
        out.truncate(8 << 30)
        out.seek(8 << 30)
        out.write(b"".join(f"line {i}\n".encode() for i in range(1000)))
    read = CountingReader(huge)
    end = complete_end(read, huge.stat().st_size)
    lines = [line for batch in lines_backward(read, end, 4096, lambda: True, 100) for line in batch]
    assert [line.data for line in lines[-2:]] == [b"line 998", b"line 999"] and len(lines) == 100
    assert read.bytes < 64 * 1024


def test_since_finds_its_start_by_bisection(tmp_path: Path) -> None:
    from mcp_resources.builtins.logs.formats import FORMATS
    from mcp_resources.builtins.logs.scanning import seek_time

    log = tmp_path / "long.log"
    log.write_text("".join(f"{utc(i)} INFO web: request {i}\n" for i in range(200_000)))
    read = CountingReader(log)
    start = seek_time(read, log.stat().st_size, LOG_T0 + 150_000, FORMATS["python"], lambda: True)
    first = log.read_bytes()[start:].split(b"\n", 1)[0].decode()
    assert int(first.rsplit(" ", 1)[1]) in range(149_000, 150_001)  # at most one probe block early
    assert read.bytes < log.stat().st_size / 20
