"""SQL-1..SQL-5 proven with real payloads against a real file, whose bytes never change."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import anyio
import pytest
from conftest import fs_config, make_shop, sqlite_config
from mcp import MCPError

from mcp_resources.app import App
from mcp_resources.builtins.sqlite.provider import SqliteProvider
from mcp_resources.errors import InvalidRequest
from mcp_resources.testing import app_from_toml, connect

pytestmark = pytest.mark.anyio

ATTACKS = [
    "SELECT 1; DROP TABLE orders",
    "SELECT 1; SELECT 2",
    "DROP TABLE orders",
    "DELETE FROM orders",
    "UPDATE customers SET name = 'x'",
    "INSERT INTO customers(name) VALUES ('x')",
    "REPLACE INTO customers(id, name) VALUES (1, 'x')",
    "CREATE TABLE evil(x)",
    "CREATE TEMP TABLE evil(x)",
    "ALTER TABLE orders RENAME TO gone",
    "WITH x AS (SELECT 1) DELETE FROM orders",
    "WITH x AS (SELECT 1) INSERT INTO customers(name) SELECT 'x' FROM x",
    "ATTACH DATABASE '{tmp}/evil.db' AS evil",
    "DETACH DATABASE main",
    "VACUUM INTO '{tmp}/copy.db'",
    "VACUUM",
    "REINDEX",
    "ANALYZE",
    "BEGIN IMMEDIATE",
    "SAVEPOINT s",
    "PRAGMA writable_schema = 1",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA query_only = 0",
    "SELECT * FROM pragma_table_info('secrets')",
    "SELECT * FROM pragma_database_list",
    "SELECT load_extension('{tmp}/evil.so')",
    "SELECT readfile('/etc/passwd')",
    "SELECT writefile('{tmp}/out', 'x')",
    "SELECT fts3_tokenizer('simple')",
    "SELECT * FROM secrets",
    "SELECT * FROM leak",
    "SELECT * FROM (SELECT * FROM secrets)",
    "SELECT c.name, s.v FROM customers c JOIN secrets s",
    "SELECT name FROM customers UNION SELECT v FROM secrets",
    "SELECT (SELECT v FROM secrets) AS v",
    "WITH s AS (SELECT * FROM secrets) SELECT * FROM s",
    "WITH RECURSIVE s(v) AS (SELECT v FROM secrets UNION ALL SELECT v FROM s) SELECT v FROM s LIMIT 1",
    "WITH customers AS (SELECT v AS name FROM secrets) SELECT name FROM customers",
    "SELECT * FROM main.secrets",
    "SELECT * FROM temp.sqlite_master",
    "SELECT sql FROM sqlite_schema",
    "SELECT sql FROM sqlite_master",
    "SELECT * FROM sqlite_temp_schema",
    "SELECT zeroblob(1000000000)",
    "SELECT randomblob(2000000000)",
]


@pytest.fixture
async def app(shop: Path) -> AsyncIterator[App]:
    (shop.parent / "files").mkdir()
    (shop.parent / "files" / "a.txt").write_text("a")
    toml = sqlite_config(time_limit_ms=300) + fs_config("files")
    async with app_from_toml(toml, shop.parent) as app:
        yield app


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_every_attack_is_refused_and_nothing_changes(app: App, shop: Path, mode: str) -> None:
    before = fingerprint(shop.parent)
    async with connect(app, mode=mode) as client:  # type: ignore[arg-type]
        for attack in ATTACKS:
            sql = attack.format(tmp=shop.parent)
            uri = f"shop://query?sql={quote(sql)}"
            with pytest.raises(MCPError) as caught:
                await client.read_resource(uri)
            assert caught.value.error.code == -32602, attack
            assert caught.value.error.data["uri"] == uri
            assert "s3cr3t" not in str(caught.value.error)
        # Still serving, and the database and its folder are exactly as they were.
        assert (await client.read_resource("shop://tables/customers")).contents
    assert fingerprint(shop.parent) == before
    assert sqlite3.connect(shop).execute("SELECT count(*) FROM orders").fetchone() == (1000,)


async def test_the_engine_refuses_writes_even_past_the_parser(app: App, shop: Path) -> None:
    """The authorizer and query_only hold on their own, for statements sqlglot never saw."""
    provider = app.providers[0]
    assert isinstance(provider, SqliteProvider)
    before = fingerprint(shop.parent)
    for sql in [
        "DELETE FROM orders",
        "INSERT INTO customers(name) VALUES ('x')",
        "CREATE TABLE evil(x)",
        "DROP VIEW big_orders",
        f"ATTACH DATABASE '{shop.parent}/evil.db' AS evil",
        f"VACUUM INTO '{shop.parent}/copy.db'",
        "PRAGMA writable_schema = 1",
        "SELECT * FROM secrets",
        "SELECT sql FROM sqlite_schema",
        "SELECT * FROM pragma_table_info('secrets')",
    ]:
        with pytest.raises(InvalidRequest):
            await provider.db.query(sql, (), uri="test", limit=10, max_bytes=1000)
    assert fingerprint(shop.parent) == before


async def test_hidden_columns_read_as_null_everywhere(app: App) -> None:
    async with connect(app) as client:
        for sql, rows in [
            ("SELECT password FROM customers LIMIT 2", [[None], [None]]),
            ("SELECT count(*) FROM customers WHERE password = 'pw1'", [[0]]),
            ("SELECT length(password), upper(password) FROM customers LIMIT 1", [[None, None]]),
            ("SELECT * FROM (SELECT password AS p FROM customers) LIMIT 1", [[None]]),
            ("WITH p AS (SELECT password FROM customers) SELECT * FROM p LIMIT 1", [[None]]),
        ]:
            first = (await client.read_resource(f"shop://query?sql={quote(sql)}")).contents[0]
            assert __import__("json").loads(first.text)["rows"] == rows, sql


async def test_a_runaway_query_is_interrupted_while_everything_else_answers(app: App) -> None:
    runaway = quote("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
    pings: list[float] = []
    async with connect(app, mode="legacy") as client, connect(app) as other:
        outcome: list[str] = []

        async def run_away() -> None:
            started = time.monotonic()
            with pytest.raises(MCPError) as caught:
                await client.read_resource(f"shop://query?sql={runaway}")
            outcome.append(f"{caught.value.error.message} after {time.monotonic() - started:.2f}s")

        async with anyio.create_task_group() as tg:
            tg.start_soon(run_away)
            while not outcome:
                started = time.monotonic()
                await other.read_resource("docs://a.txt")
                await other.read_resource("shop://tables/pairs/rows?limit=1")
                pings.append(time.monotonic() - started)
    [message] = outcome
    assert message.startswith("Query interrupted: it ran past the time limit of 300 ms")
    assert float(message.rsplit(" ", 1)[1].rstrip("s")) < 2
    assert len(pings) >= 3 and max(pings) < 0.25, pings


async def test_a_wal_database_without_a_writer_gets_no_wal_files(tmp_path: Path) -> None:
    db = make_shop(tmp_path / "shop.db")
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.db"]
    async with app_from_toml(sqlite_config(), tmp_path) as app, connect(app) as client:
        assert (await client.read_resource("shop://tables/customers")).contents
        assert (await client.read_resource("shop://query?sql=SELECT%20count(*)%20FROM%20orders")).contents
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mcp-resources.toml", "shop.db"]
