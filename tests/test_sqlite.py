"""The sqlite provider: schema, tables, rows pages, queries, formats, completions (real files)."""

from __future__ import annotations

import base64
import csv
import io
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import mcp_types as types
import pytest
from conftest import body, sqlite_config
from mcp import Client, MCPError

from mcp_resources.builtins.sqlite.pages import bound, row_bytes
from mcp_resources.builtins.sqlite.rows import decode_after, encode_after
from mcp_resources.errors import ConfigError, InvalidRequest
from mcp_resources.testing import app_from_toml, assemble_toml, connect

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["legacy", "auto"])
async def client(request: pytest.FixtureRequest, shop: Path) -> AsyncIterator[Client]:
    async with (
        app_from_toml(sqlite_config(max_rows=50), shop.parent) as app,
        connect(app, mode=request.param) as c,
    ):
        yield c


async def error(client: Client, uri: str) -> types.ErrorData:
    with pytest.raises(MCPError) as caught:
        await client.read_resource(uri)
    return caught.value.error


async def test_listing_and_templates(client: Client) -> None:
    listed = [r.uri for r in (await client.list_resources()).resources]
    assert listed == [
        "shop://schema",
        "shop://tables/big_orders",
        "shop://tables/customers",
        "shop://tables/orders",
        "shop://tables/pairs",
    ]
    templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
    assert "shop://tables/{table}/rows{?limit,after,order,desc,offset,format}" in templates
    assert "shop://query{?sql,limit,offset,format}" in templates
    assert "shop://queries/by_country{?country,n,limit,offset,format}" in templates


async def test_schema_describes_visible_tables_only(client: Client) -> None:
    schema = await body(client, "shop://schema")
    tables = {t["name"]: t for t in schema["tables"]}
    assert set(tables) == {"customers", "orders", "pairs", "big_orders"}  # no secrets, no leak view
    customers = tables["customers"]
    assert customers["rowCount"] == 250 and customers["primaryKey"] == ["id"]
    assert [c["name"] for c in customers["columns"]] == ["id", "name", "country"]  # no password
    orders = tables["orders"]
    assert orders["indexes"][0]["columns"] == ["customer_id"]
    assert orders["foreignKeys"] == [{"columns": ["customer_id"], "table": "customers", "references": ["id"]}]
    assert tables["big_orders"]["kind"] == "view" and "SELECT" in tables["big_orders"]["sql"]
    assert schema["queries"] == [
        {"name": "by_country", "description": "Customers of a country", "uri": "shop://queries/by_country"}
    ]
    markdown = await body(client, "shop://schema?format=markdown")
    assert "## table `customers` (250 rows)" in markdown


async def test_table_resource_has_schema_and_a_sample(client: Client) -> None:
    table = await body(client, "shop://tables/customers")
    assert table["rowsUri"] == "shop://tables/customers/rows"
    assert table["sample"] == {
        "columns": ["id", "name", "country"],
        "rows": [[i + 1, f"cust{i}", ["FR", "DE", "US"][i % 3]] for i in range(5)],
    }
    orders = await body(client, "shop://tables/orders")
    assert orders["sample"]["rows"][0][3] == {"blob": {"size": 10}}


async def test_rows_are_paged_by_key_to_the_end(client: Client) -> None:
    uri, seen, pages = "shop://tables/customers/rows?limit=40", [], 0
    while uri:
        page = await body(client, uri)
        seen += [row[0] for row in page["rows"]]
        uri, pages = page["next"], pages + 1
    assert seen == list(range(1, 251)) and pages == 7


@pytest.mark.parametrize(
    ("columns", "ids"),
    [
        ("id INTEGER PRIMARY KEY, v TEXT", [5, 7, 10]),  # the rowid itself: pages read it from the column
        ("id INTEGER PRIMARY KEY DESC, v TEXT", [10, 5, 7]),  # not the rowid (SQLite's quirk): rowid order
        ("id INT PRIMARY KEY, v TEXT", [10, 5, 7]),
        ("id INTEGER, v TEXT, PRIMARY KEY (id, v)", [10, 5, 7]),
    ],
)
async def test_rowid_tables_page_in_rowid_order_whatever_their_key(
    tmp_path: Path, columns: str, ids: list[int]
) -> None:
    with sqlite3.connect(tmp_path / "keys.db") as db:
        db.execute(f"CREATE TABLE t({columns})")
        db.executemany("INSERT INTO t(id, v) VALUES (?, ?)", [(10, "a"), (5, "b"), (7, "c")])
    (tmp_path / "keys.db-journal").unlink(missing_ok=True)
    async with app_from_toml(sqlite_config("keys.db"), tmp_path) as app, connect(app) as client:
        uri, seen = "shop://tables/t/rows?limit=1", []
        while uri:
            page = await body(client, uri)
            seen += [row[0] for row in page["rows"]]
            uri = page["next"]
    assert seen == ids


async def test_without_rowid_tables_page_by_primary_key(client: Client) -> None:
    first = await body(client, "shop://tables/pairs/rows?limit=4")
    second = await body(client, first["next"])
    assert [r[:2] for r in first["rows"]] == [["x", 0], ["x", 1], ["x", 2], ["x", 3]]
    assert [r[:2] for r in second["rows"]] == [["x", 4], ["y", 0], ["y", 1], ["y", 2]]


async def test_rows_ordered_by_a_column_page_by_offset(client: Client) -> None:
    first = await body(client, "shop://tables/orders/rows?order=total&desc=true&limit=3")
    assert [r[2] for r in first["rows"]] == [1498.5, 1497.0, 1495.5]
    assert "offset=3" in first["next"]
    second = await body(client, first["next"])
    assert [r[2] for r in second["rows"]] == [1494.0, 1492.5, 1491.0]
    view = await body(client, "shop://tables/big_orders/rows?limit=2")
    assert len(view["rows"]) == 2 and "offset=2" in view["next"]


@pytest.mark.parametrize(
    ("uri", "argument"),
    [
        ("shop://tables/customers/rows?order=password", "order"),
        ("shop://tables/customers/rows?desc=maybe", "desc"),
        ("shop://tables/customers/rows?limit=51", "limit"),
        ("shop://tables/customers/rows?after=%21%21", "after"),
        ("shop://tables/customers/rows?format=xml", "format"),
        ("shop://tables/customers?sql=1", "sql"),
        ("shop://queries/by_country", "country"),
        ("shop://queries/by_country?country=XX", "country"),
        ("shop://queries/by_country?country=FR&n=many", "n"),
        ("shop://query?sql=SELEC%201", "sql"),
    ],
)
async def test_bad_parameters_name_the_argument(client: Client, uri: str, argument: str) -> None:
    failure = await error(client, uri)
    assert failure.code == -32602 and failure.data == failure.data | {"uri": uri, "argument": argument}


@pytest.mark.parametrize(
    ("sql", "message", "where"),
    [
        ("SELECT name FROM customers WHERE (", "at line 1, column 34: an expression is incomplete", (1, 34)),
        ("SELECT 1 FROM\nWHERE", "at line 2, column 5", (2, 5)),
    ],
)
async def test_bad_sql_gets_the_parsers_message_and_position(
    client: Client, sql: str, message: str, where: tuple[int, int]
) -> None:
    failure = await error(client, "shop://query?sql=" + quote(sql))
    assert failure.code == -32602 and message in failure.message and "<class" not in failure.message
    assert failure.data and (failure.data["argument"], failure.data["line"], failure.data["column"]) == (
        "sql",
        *where,
    )


async def test_unknown_and_hidden_tables_are_not_found(client: Client) -> None:
    for uri in ("shop://tables/nope", "shop://tables/secrets", "shop://tables/leak/rows", "shop://other"):
        failure = await error(client, uri)
        assert (failure.code, failure.message, failure.data) == (-32602, "Resource not found", {"uri": uri})


async def test_free_query_in_each_format(client: Client) -> None:
    sql = "SELECT id, name, 1.5 AS ratio, NULL AS empty, x'00ff' AS raw FROM customers ORDER BY id LIMIT 2"
    as_json = await body(client, f"shop://query?sql={sql}")
    assert [c["type"] for c in as_json["columns"]] == ["integer", "text", "real", "null", "blob"]
    assert as_json["rows"][0] == [1, "cust0", 1.5, None, {"blob": {"size": 2, "base64": "AP8="}}]
    as_csv = await body(client, f"shop://query?sql={sql}&format=csv")
    assert list(csv.reader(io.StringIO(as_csv))) == [
        ["id", "name", "ratio", "empty", "raw"],
        ["1", "cust0", "1.5", "", "base64:AP8="],
        ["2", "cust1", "1.5", "", "base64:AP8="],
    ]
    as_markdown = await body(client, f"shop://query?sql={sql}&format=markdown")
    assert as_markdown.splitlines()[:3] == [
        "| id | name | ratio | empty | raw |",
        "|---|---|---|---|---|",
        "| 1 | cust0 | 1.5 | *NULL* | *blob, 2 bytes* |",
    ]


async def test_results_are_cut_at_max_rows_with_a_next_page(client: Client) -> None:
    result = await client.read_resource("shop://query?sql=SELECT%20id%20FROM%20orders%20ORDER%20BY%20id")
    first, notice = result.contents
    page = json.loads(first.text)
    assert (len(page["rows"]), page["truncated"]) == (50, "rows")
    assert page["next"] == notice.uri and notice.uri.endswith("&offset=50")
    assert first.meta["mcp-resources/window"]["next"] == page["next"]
    second = await body(client, page["next"])
    assert second["rows"][0] == [51]


async def test_results_are_cut_at_max_bytes(shop: Path) -> None:
    async with app_from_toml(sqlite_config(max_bytes="2KiB"), shop.parent) as app, connect(app) as client:
        page = await body(client, "shop://query?sql=SELECT%20printf('%25.500c',%20'x')%20FROM%20orders")
    assert page["truncated"] == "bytes" and len(page["rows"]) == 4 and page["next"].endswith("offset=4")


async def test_rows_pages_are_cut_at_max_bytes_and_resume_after_the_last_row(shop: Path) -> None:
    async with app_from_toml(sqlite_config(max_bytes="1KiB"), shop.parent) as app, connect(app) as client:
        first = await body(client, "shop://tables/orders/rows?limit=100")
        uri, ids = first["next"], [row[0] for row in first["rows"]]
        while uri:
            page = await body(client, uri)
            ids += [row[0] for row in page["rows"]]
            uri = page["next"]
    assert first["truncated"] == "bytes" and 1 < len(first["rows"]) < 100
    assert ids == list(range(1, 1001))


def test_the_fast_byte_bound_never_counts_less_than_the_byte_cap_does() -> None:
    shared = "x" * 300  # the same object twice: each must be counted
    rows = [(shared, shared, None, 1.5), ("é" * 40, b"\x00" * 50, 2**70, ""), (b"", "", 0, -1.0)] * 30
    exact = sum(map(row_bytes, rows))
    measured = bound(rows, 1 << 20)
    assert measured is not None and measured >= exact
    assert bound(rows, exact - 1) is None


@pytest.mark.parametrize("key", [[0], [-5], [2**63 - 1], [2**70], [True], ["a", 1], [1.5]])
def test_after_cursors_are_base64_json_and_read_back(key: list[Any]) -> None:
    text = encode_after(key)
    assert base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)) == json.dumps(key).encode()
    assert decode_after(text, "u") == key


@pytest.mark.parametrize(("json_text", "key"), [(b"[ 5 ]", [5]), (b"[007]", None), (b"[5", None)])
def test_after_cursors_are_read_as_json_reads_them(json_text: bytes, key: list[Any] | None) -> None:
    text = base64.urlsafe_b64encode(json_text).decode()
    if key is None:
        with pytest.raises(InvalidRequest):
            decode_after(text, "u")
    else:
        assert decode_after(text, "u") == key


async def test_big_blobs_are_summarised_never_reprs(shop: Path) -> None:
    async with app_from_toml(sqlite_config(), shop.parent) as app, connect(app) as client:
        page = await body(client, "shop://query?sql=SELECT%20zeroblob(10000)%20AS%20big")
    blob = page["rows"][0][0]["blob"]
    assert blob["size"] == 10000 and "sha256" in blob and "base64" not in blob


async def test_infinities_and_long_text_are_valid_json(shop: Path) -> None:
    async with app_from_toml(sqlite_config(max_bytes="1KiB"), shop.parent) as app, connect(app) as client:
        infinite = await body(client, "shop://query?sql=SELECT%209e999,%20-9e999,%201.5")
        long = await body(client, "shop://query?sql=SELECT%20printf('%25.2000c',%20'é')")
    assert infinite["rows"] == [["inf", "-inf", 1.5]]  # JSON has no infinities
    [[text]] = long["rows"]
    assert text.startswith("é" * 500) and text.endswith("…[cut: 4000 bytes in all]")


async def test_canned_query_with_parameters_and_defaults(client: Client) -> None:
    five = await body(client, "shop://queries/by_country?country=DE")
    assert five["rows"] == [["cust1"], ["cust4"], ["cust7"], ["cust10"], ["cust13"]]
    two = await body(client, "shop://queries/by_country?country=US&n=2&format=csv")
    assert two == "name\ncust2\ncust5\n"


async def test_completions(client: Client) -> None:
    async def complete(
        template: str, name: str, value: str, context: dict[str, str] | None = None
    ) -> list[str]:
        ref = types.ResourceTemplateReference(type="ref/resource", uri=template)
        return (await client.complete(ref, {"name": name, "value": value}, context)).completion.values

    rows = "shop://tables/{table}/rows{?limit,after,order,desc,offset,format}"
    assert await complete(rows, "table", "") == ["big_orders", "customers", "orders", "pairs"]
    assert await complete(rows, "table", "cu") == ["customers"]
    assert await complete(rows, "order", "", {"table": "customers"}) == ["id", "name", "country"]
    assert await complete(rows, "format", "c") == ["csv"]
    canned = "shop://queries/by_country{?country,n,limit,offset,format}"
    assert await complete(canned, "country", "") == ["FR", "DE", "US"]


async def test_the_free_query_can_be_switched_off(shop: Path) -> None:
    async with app_from_toml(sqlite_config(allow_sql=False), shop.parent) as app, connect(app) as client:
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        failure = await error(client, "shop://query?sql=SELECT%201")
    assert not any("query{?sql" in t for t in templates)
    assert failure.message == "Resource not found"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('sql = "DELETE FROM customers"', "Only SELECT queries are allowed, got DELETE"),
        ('sql = "SELECT :a, :b"\nparams.a = {}', "sql uses :b; declare it under params"),
        ('sql = "SELECT 1"\nparams.a = {}', "params a are not used by the sql"),
    ],
)
def test_canned_query_mistakes_fail_at_start_up(shop: Path, query: str, message: str) -> None:
    toml = sqlite_config() + f"[providers.shop.queries.bad]\n{query}\n"
    with pytest.raises(ConfigError) as caught:
        assemble_toml(toml, shop.parent)
    [problem] = caught.value.problems
    assert "providers.shop.queries.bad" in problem and message in problem


def test_a_missing_database_is_never_created(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        assemble_toml(sqlite_config("missing.db"), tmp_path)
    assert "providers.shop.path: database" in caught.value.problems[0]
    assert not (tmp_path / "missing.db").exists()
