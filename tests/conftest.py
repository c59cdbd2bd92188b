"""Shared fixtures: real files on disk, real Apps, the SDK's real client."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import mcp_types as types
import pytest
from anyio.streams.buffered import BufferedByteReceiveStream
from mcp import Client

pytest_plugins = ["mcp_resources.testing"]

TESTS = Path(__file__).parent
TEST_PLUGINS = TESTS / "plugins"

Tree = Mapping[str, "str | bytes | Tree"]

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
"""A raw handshake-era `initialize` request, for tests that speak JSON-RPC by hand."""


def make_tree(root: Path, tree: Tree) -> Path:
    """Create folders and files from a nested mapping (str is UTF-8 text)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, value in tree.items():
        path = root / name
        if isinstance(value, Mapping):
            make_tree(path, value)
        elif isinstance(value, bytes):
            path.write_bytes(value)
        else:
            path.write_text(value, encoding="utf-8")
    return root


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[Tree], Path]:
    """`tree({...})` builds files under `tmp_path / "root"` and returns that folder."""
    return lambda spec: make_tree(tmp_path / "root", spec)


def fs_config(root: Path | str = "root", name: str = "docs", **options: object) -> str:
    """A `[providers.NAME]` table of type filesystem, as TOML."""
    lines = [f"[providers.{name}]", 'type = "filesystem"', f"root = {str(root)!r}"]
    for key, value in options.items():
        lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value).replace("'", '"') if '"' not in value else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


SHOP_SCHEMA = """
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT, password TEXT);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), total REAL, note BLOB);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE TABLE secrets(k TEXT, v TEXT);
CREATE TABLE pairs(a TEXT, b INTEGER, label TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders WHERE total > 1000;
CREATE VIEW leak AS SELECT k, v FROM secrets;
"""


def make_shop(path: Path, customers: int = 250, orders: int = 1000) -> Path:
    """A real SQLite file (rollback journal) with tables, a WITHOUT ROWID table, views and a secret."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.executescript(SHOP_SCHEMA)
        countries = ["FR", "DE", "US"]
        db.executemany(
            "INSERT INTO customers(name, country, password) VALUES (?, ?, ?)",
            [(f"cust{i}", countries[i % 3], f"pw{i}") for i in range(customers)],
        )
        db.executemany(
            "INSERT INTO orders(customer_id, total, note) VALUES (?, ?, ?)",
            [(i % customers + 1, i * 1.5, bytes([i % 256]) * 10) for i in range(orders)],
        )
        db.executemany(
            "INSERT INTO pairs VALUES (?, ?, ?)", [(c, n, f"{c}{n}") for c in "xyz" for n in range(5)]
        )
        db.execute("INSERT INTO secrets VALUES ('api', 's3cr3t')")
    path.with_name(path.name + "-journal").unlink(missing_ok=True)
    return path


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """`make_shop` at `tmp_path / "shop.db"`."""
    return make_shop(tmp_path / "shop.db")


async def body(client: Client, uri: str) -> Any:
    """The first contents of `uri`: parsed when JSON, else the text."""
    first = (await client.read_resource(uri)).contents[0]
    assert isinstance(first, types.TextResourceContents)
    return json.loads(first.text) if first.mime_type == "application/json" else first.text


def sqlite_config(path: str = "shop.db", name: str = "shop", **options: object) -> str:
    """A `[providers.NAME]` table of type sqlite (hiding `secrets` and `customers.password`)."""
    lines = [
        f"[providers.{name}]",
        'type = "sqlite"',
        f"path = {path!r}".replace("'", '"'),
        'hidden_tables = ["secrets"]',
        'hidden_columns = ["customers.password"]',
    ]
    lines += [f"{key} = {_toml(value)}" for key, value in options.items()]
    lines += [
        f"[providers.{name}.queries.by_country]",
        'sql = "SELECT name FROM customers WHERE country = :country ORDER BY id LIMIT :n"',
        'description = "Customers of a country"',
        'params.country = { values = ["FR", "DE", "US"] }',
        'params.n = { type = "integer", default = 5 }',
    ]
    return "\n".join(lines) + "\n"


class Writer:
    """Another process holding the database open and committing on request (tests/sqlite_writer.py)."""

    def __init__(self, process: anyio.abc.Process) -> None:
        assert process.stdin and process.stdout
        self._process = process
        self._stdin = process.stdin
        self._stdout = BufferedByteReceiveStream(process.stdout)

    async def _run(self, line: str) -> float:
        await self._stdin.send(line.encode() + b"\n")
        with anyio.fail_after(30):
            reply = await self._stdout.receive_until(b"\n", 1024)
        status, when = reply.decode().split()
        assert status == "ok", reply
        return float(when)

    async def sql(self, statements: str) -> float:
        """Commit `statements` as one transaction; the monotonic time it was done."""
        return await self._run(f"SQL {statements}")

    async def burst(self, count: int, rate: float, table: str = "customers") -> float:
        """Commit `count` one-row transactions at `rate` a second; when the last was done."""
        return await self._run(f"BURST {count} {rate} {table}")


@asynccontextmanager
async def writer_process(path: Path, journal: str = "DELETE") -> AsyncIterator[Writer]:
    """A `Writer` in its own process, with `journal` mode set; stopped on exit."""
    command = [sys.executable, str(TESTS / "sqlite_writer.py"), str(path), journal]
    async with await anyio.open_process(command) as process:
        try:
            yield Writer(process)
        finally:
            assert process.stdin
            await process.stdin.aclose()
            with anyio.fail_after(10):
                assert await process.wait() == 0


# --- logs -----------------------------------------------------------------------

LOG_T0 = 1_746_093_600  # 2025-05-01T10:00:00Z


def utc(seconds: float) -> str:
    """ISO 8601 UTC time of `seconds` after LOG_T0, as written in the test logs."""
    import datetime as dt

    stamp = dt.datetime.fromtimestamp(LOG_T0 + seconds, dt.UTC)
    return stamp.strftime("%Y-%m-%d %H:%M:%S,") + f"{stamp.microsecond // 1000:03d}+0000"


def make_logs(folder: Path) -> Path:
    """A folder of real logs in each built-in format, with a traceback, secrets, escapes and rotations."""
    import gzip

    folder.mkdir(parents=True, exist_ok=True)
    app = [f"{utc(i)} INFO web: request {i} served" for i in range(50)]
    app[10] = f"{utc(10)} WARNING web: slow request 10"
    app[20:21] = [
        f"{utc(20)} ERROR web: request 20 failed",
        "Traceback (most recent call last):",
        '  File "app.py", line 3, in handle',
        "ValueError: bad input",
    ]
    app[30] = f"{utc(30)} INFO auth: login user=ann password=hunter2 Authorization: Bearer abc.def.ghi"
    app[31] = f"{utc(31)} INFO web: \x1b[31mred\x1b[0m and \u202eevil and \r carriage"
    app[32] = f"{utc(32)} INFO web: long " + "x" * 9000
    app[40:41] = [
        f"{utc(40)} ERROR tls: loaded key -----BEGIN RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEAsecretsecretsecret",
        "-----END RSA PRIVATE KEY-----",
    ]
    (folder / "app.log").write_text("\n".join(app) + "\n")
    (folder / "app.log.1").write_text(f"{utc(-100)} INFO web: from the first rotation\n")
    with gzip.open(folder / "app.log.2.gz", "wt") as gz:
        gz.write(f"{utc(-200)} INFO web: from the compressed rotation\n")
    access = [
        f'10.0.0.{i} - - [01/May/2025:10:00:{i:02d} +0000] "GET /p/{i} HTTP/1.1" {500 if i == 7 else 200} 12 "-" "curl"'
        for i in range(15)
    ]
    (folder / "access.log").write_text("\n".join(access) + "\n")
    events = [
        json.dumps(
            {
                "time": f"2025-05-01T10:00:{i:02d}Z",
                "level": "error" if i == 3 else "info",
                "msg": f"event {i}",
            }
        )
        for i in range(10)
    ]
    (folder / "events.jsonl").write_text("\n".join(events) + "\n")
    (folder / "sys.log").write_text(
        "<11>1 2025-05-01T10:00:05Z host app 12 - - disk failed\n"
        "<14>1 2025-05-01T10:00:06Z host app 12 - - all good\n"
    )
    (folder / "nginx-error.log").write_text(
        "2025/05/01 10:00:01 [error] 12#0: *1 upstream timed out\n2025/05/01 10:00:02 [notice] 12#0: reload\n"
    )
    (folder / "custom.log").write_text("@1746093601|error|custom broke\n@1746093602|info|custom fine\n")
    return folder


def logs_config(root: str = "logs", name: str = "logs", **options: object) -> str:
    """A `[providers.NAME]` table of type logs over `make_logs`' folder, with a custom format."""
    lines = [
        f"[providers.{name}]",
        'type = "logs"',
        f'root = "{root}"',
        'files = ["*.log", "*.jsonl"]',
    ]
    lines += [f"{key} = {_toml(value)}" for key, value in options.items()]
    lines += [
        f"[providers.{name}.formats.pipes]",
        "pattern = '^@(?P<time>\\d+)\\|(?P<level>[a-z]+)\\|(?P<message>.*)$'",
        'files = ["custom.log"]',
    ]
    return "\n".join(lines) + "\n"
