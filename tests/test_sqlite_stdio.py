"""The sqlite provider end to end: the server spawned over stdio, the SDK's client, both protocol eras."""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path
from urllib.parse import quote

import anyio
import mcp_types as types
import pytest
from conftest import body, sqlite_config, writer_process
from mcp import Client, MCPDeprecationWarning, MCPError
from mcp.client.subscriptions import ResourcesListChanged, ResourceUpdated

from mcp_resources.testing import Notifications, stdio_server_params, write_config

pytestmark = pytest.mark.anyio

SCHEMA = "shop://schema"
CUSTOMERS = "shop://tables/customers"
ROWS = "shop://tables/{table}/rows{?limit,after,order,desc,offset,format}"


@pytest.fixture
def config(shop: Path) -> Path:
    return write_config(sqlite_config(max_rows=50), shop.parent)


def query(sql: str, **params: str) -> str:
    return "shop://query?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in {"sql": sql, **params}.items())


async def browse(client: Client) -> None:
    """Schema → table → every rows page, queries in each format, truncation, completions, a bad query."""
    listed = [r.uri for r in (await client.list_resources()).resources]
    assert listed[0] == SCHEMA and CUSTOMERS in listed and "shop://tables/secrets" not in listed
    schema = await body(client, SCHEMA)
    table_uri = next(t["uri"] for t in schema["tables"] if t["name"] == "customers")
    table = await body(client, table_uri)
    assert [c["name"] for c in table["columns"]] == ["id", "name", "country"]
    uri, ids = table["rowsUri"] + "?limit=50", []
    while uri:
        page = await body(client, uri)
        ids += [row[0] for row in page["rows"]]
        uri = page["next"]
    assert ids == list(range(1, 251))

    sql = "SELECT id, name FROM customers WHERE country = 'DE' ORDER BY id LIMIT 2"
    assert (await body(client, query(sql)))["rows"] == [[2, "cust1"], [5, "cust4"]]
    as_csv = await body(client, query(sql, format="csv"))
    assert list(csv.reader(io.StringIO(as_csv))) == [["id", "name"], ["2", "cust1"], ["5", "cust4"]]
    assert (await body(client, query(sql, format="markdown"))).splitlines()[2] == "| 2 | cust1 |"

    canned = await body(client, "shop://queries/by_country?country=US&n=3")
    assert canned["rows"] == [["cust2"], ["cust5"], ["cust8"]]

    cut = await body(client, query("SELECT id FROM orders ORDER BY id"))
    assert (cut["truncated"], len(cut["rows"])) == ("rows", 50)
    assert (await body(client, cut["next"]))["rows"][0] == [51]

    ref = types.ResourceTemplateReference(type="ref/resource", uri=ROWS)
    tables = await client.complete(ref, {"name": "table", "value": "c"})
    assert tables.completion.values == ["customers"]
    columns = await client.complete(ref, {"name": "order", "value": ""}, {"table": "customers"})
    assert columns.completion.values == ["id", "name", "country"]

    with pytest.raises(MCPError) as caught:
        await client.read_resource(query("SELECT * FROM customers; DROP TABLE customers"))
    assert caught.value.error.code == -32602 and caught.value.error.data["argument"] == "sql"
    assert (await body(client, SCHEMA))["tables"]  # still serving


async def test_handshake_era(config: Path) -> None:
    seen = Notifications()
    async with Client(stdio_server_params(config), mode="legacy", message_handler=seen) as client:
        await browse(client)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await client.subscribe_resource(CUSTOMERS)
            await client.subscribe_resource(SCHEMA)
        async with writer_process(config.parent / "shop.db") as writer:
            await writer.sql("INSERT INTO customers(name, country) VALUES ('new', 'FR')")
            await seen.wait_updated(CUSTOMERS)
            assert (await body(client, "shop://tables/customers/rows?limit=1&desc=true"))["rows"][0][
                1
            ] == "new"
            assert seen.list_changes() == 0  # data, not schema

            await writer.sql("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)")
            await seen.wait_list_changed()
        await seen.wait_updated(SCHEMA)
        assert "shop://tables/invoices" in [r.uri for r in (await client.list_resources()).resources]


async def test_2026_era(config: Path) -> None:
    async with Client(stdio_server_params(config)) as client:
        assert client.protocol_version == "2026-07-28"
        await browse(client)
        async with (
            client.listen(resource_subscriptions=[CUSTOMERS], resources_list_changed=True) as changes,
            writer_process(config.parent / "shop.db", "WAL") as writer,
        ):
            await writer.sql("UPDATE customers SET name = 'renamed' WHERE id = 1")
            with anyio.fail_after(10):
                assert await changes.__anext__() == ResourceUpdated(uri=CUSTOMERS)
            assert (await body(client, "shop://tables/customers/rows?limit=1"))["rows"][0][1] == "renamed"

            await writer.sql("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)")
            with anyio.fail_after(10):
                assert await changes.__anext__() == ResourcesListChanged()
                assert await changes.__anext__() == ResourceUpdated(uri=CUSTOMERS)
        assert "shop://tables/invoices" in [r.uri for r in (await client.list_resources()).resources]
