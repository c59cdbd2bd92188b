"""SQLite change notifications: another process commits, migrates, bursts or replaces the file."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import sqlite_config, writer_process
from mcp import Client, MCPDeprecationWarning

from mcp_resources.testing import Notifications, connect, serve_toml

pytestmark = pytest.mark.anyio

TABLE = "shop://tables/customers"
SCHEMA = "shop://schema"


@pytest.fixture
def seen() -> Notifications:
    return Notifications()


@pytest.fixture
async def client(shop: Path, seen: Notifications) -> AsyncIterator[Client]:
    async with (
        serve_toml(sqlite_config(), shop.parent) as service,
        connect(service, mode="legacy", message_handler=seen) as client,
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await client.subscribe_resource(TABLE)
            await client.subscribe_resource(SCHEMA)
        yield client


async def count(client: Client, table: str = "customers") -> int:
    result = await client.read_resource(f"shop://query?sql=SELECT%20count(*)%20FROM%20{table}")
    return int(json.loads(result.contents[0].text)["rows"][0][0])


@pytest.mark.parametrize("journal", ["DELETE", "WAL"])
async def test_a_commit_by_another_process_is_announced(
    client: Client, shop: Path, seen: Notifications, journal: str
) -> None:
    async with writer_process(shop, journal) as writer:
        # Switching to WAL is itself a change of mode the server must follow.
        await writer.sql("INSERT INTO customers(name) VALUES ('new')")
        await seen.wait_updated(TABLE)
        # With WAL, that first `updated` can be the server following the switch of journal
        # mode, which reopened the database before the writer's -wal existed (so: immutable,
        # as nothing writes it); the commit's own round comes next and reopens it normally.
        # A read after an announcement shows at least what was announced, so wait for them
        # until one shows the commit.
        while True:
            asked = time.monotonic()
            if await count(client) == 251:
                break
            await seen.wait_updated_since(TABLE, asked)
        await writer.sql("UPDATE customers SET name = 'renamed' WHERE name = 'new'")
        await seen.wait_for(lambda m: len(seen.updated(TABLE)) >= 2)
        table = json.loads((await client.read_resource(TABLE)).contents[0].text)
        assert table["rowCount"] == 251
    assert seen.list_changes() == 0 or journal == "WAL"  # a new journal mode reopens the database


async def test_touching_the_file_without_a_commit_announces_nothing(
    client: Client, shop: Path, seen: Notifications
) -> None:
    os.utime(shop)
    async with writer_process(shop) as writer:
        await writer.sql("SELECT 1")  # a transaction that writes nothing
        await writer.sql("INSERT INTO customers(name) VALUES ('new')")
        await seen.wait_updated(TABLE)
    assert seen.updated(TABLE) == [TABLE]


async def test_a_migration_announces_list_changed(client: Client, shop: Path, seen: Notifications) -> None:
    async with writer_process(shop) as writer:
        await writer.sql("CREATE TABLE invoices(id INTEGER PRIMARY KEY, amount REAL)")
        await seen.wait_list_changed()
        await seen.wait_updated(SCHEMA)
    listed = [r.uri for r in (await client.list_resources()).resources]
    assert "shop://tables/invoices" in listed
    schema = json.loads((await client.read_resource(SCHEMA)).contents[0].text)
    assert "invoices" in [t["name"] for t in schema["tables"]]
    assert await count(client, "invoices") == 0


async def test_a_burst_of_commits_is_announced_at_a_bounded_rate_ending_with_the_final_state(
    client: Client, shop: Path, seen: Notifications
) -> None:
    async with writer_process(shop, "WAL") as writer:
        await writer.sql("INSERT INTO customers(name) VALUES ('warm-up')")
        await seen.wait_updated(TABLE)
        started = time.monotonic()
        finished = await writer.burst(1500, rate=1000)
        # The round after the last commit announces it, however the events were batched.
        await seen.wait_for(lambda m: max(seen.updated_at(TABLE)) > finished)
        assert await count(client) == 1751
    rounds = [t for t in seen.updated_at(TABLE) if t > started]
    elapsed = finished - started
    assert len(rounds) <= 5 + elapsed * 15, (len(rounds), elapsed)  # ~10 a second, not 1,000


async def test_a_replaced_database_file_is_reopened(client: Client, shop: Path, seen: Notifications) -> None:
    fresh = shop.with_name("fresh.db")
    with sqlite3.connect(fresh) as db:
        db.execute("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, country TEXT, password TEXT)")
        db.execute("INSERT INTO customers(name) VALUES ('only')")
    os.replace(fresh, shop)  # how tools that write atomically deliver a new database
    await seen.wait_list_changed()
    await seen.wait_updated(TABLE)
    assert await count(client) == 1


async def test_a_cut_result_leaves_no_read_lock_behind(client: Client, shop: Path) -> None:
    async with writer_process(shop) as writer:  # rollback journal: a commit needs every reader gone
        cut = await client.read_resource("shop://query?sql=SELECT%20id%20FROM%20orders&limit=10")
        assert json.loads(cut.contents[0].text)["truncated"] == "rows"
        # The statement stopped after 11 rows; had it stayed open (a cursor kept for reuse, say),
        # it would keep the database locked and the writer's commit would fail.
        await writer.sql("UPDATE customers SET name = 'after' WHERE id = 1")
    assert await count(client) == 250
