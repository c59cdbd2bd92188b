"""What each SQLite resource reads as: the schema and a table here; rows and queries dispatched.

`read` routes a target to its reader: the schema and a table's description
(with a sample of rows) are here, a page of a table's rows is in `rows`, and a
query's result in `queries`. Every statement runs on the guarded pool (the
authorizer and time limit apply to ours as to the client's).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mcp_resources.builtins.sqlite.catalog import Table
from mcp_resources.builtins.sqlite.queries import read_canned, read_query
from mcp_resources.builtins.sqlite.render import render_rows
from mcp_resources.builtins.sqlite.rows import page_by_key, read_rows, without_key
from mcp_resources.builtins.sqlite.target import Target
from mcp_resources.components import Contents, TextContent

if TYPE_CHECKING:
    from mcp_resources.builtins.sqlite.provider import SqliteProvider

__all__ = ["read"]


async def read(provider: SqliteProvider, target: Target) -> list[Contents]:
    """Read `target` from `provider`'s database."""
    if target.kind == "schema":
        return await _schema(provider, target)
    if target.kind == "table":
        return await _table(provider, target)
    if target.kind == "rows":
        return await read_rows(provider, target)
    if target.kind == "query":
        return await read_query(provider, target)
    return await read_canned(provider, target)


def _columns(table: Table) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "type": c.type,
            "notNull": c.not_null,
            "default": c.default,
            "primaryKey": c.primary_key,
        }
        for c in table.columns
    ]


def _describe(provider: SqliteProvider, table: Table, count: int | None) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": table.name,
        "kind": table.kind,
        "uri": provider.table_uri(table.name),
        "rowsUri": provider.rows_uri(table.name),
        "rowCount": count,
        "columns": _columns(table),
    }
    if table.kind == "table":
        described |= {
            "primaryKey": table.primary_key,
            "indexes": table.indexes,
            "foreignKeys": table.foreign_keys,
        }
    elif table.sql is not None:
        described["sql"] = table.sql
    return described


async def _schema(provider: SqliteProvider, target: Target) -> list[Contents]:
    catalog = provider.catalog
    tables = [_describe(provider, t, await provider.row_count(t)) for t in catalog.tables.values()]
    queries = [
        {"name": n, "description": q.description, "uri": provider.query_uri(n)} for n, q in provider.queries
    ]
    body = {"database": provider.config.path.name, "tables": tables, "queries": queries}
    if target.format == "markdown":
        lines = [f"# Database {provider.config.path.name}", ""]
        for table in tables:
            lines += [f"## {table['kind']} `{table['name']}` ({table['rowCount']} rows)", ""]
            lines += [
                f"- `{c['name']}` {c['type']}{' (primary key)' if c['primaryKey'] else ''}"
                for c in table["columns"]
            ]
            lines.append("")
        return [TextContent(target.path.uri, "\n".join(lines), "text/markdown")]
    return [TextContent(target.path.uri, json.dumps(body, ensure_ascii=False), "application/json")]


async def _table(provider: SqliteProvider, target: Target) -> list[Contents]:
    table = provider.table(target.name or "", target.path.uri)
    described = _describe(provider, table, await provider.row_count(table))
    sample = without_key(
        table, await page_by_key(provider, target, table, limit=provider.config.sample_rows, after=None)
    )
    described["sample"] = {"columns": sample.columns, "rows": _plain(sample.rows)}
    if target.format == "markdown":
        contents = render_rows(
            target.path.uri,
            sample.columns,
            [c.type for c in table.columns],
            sample.rows,
            "markdown",
            max_bytes=int(provider.config.max_bytes),
            truncated=None,
            next_uri=None,
        )
        heading = f"# {table.kind} `{table.name}` ({described['rowCount']} rows)\n\nSample:\n\n"
        first = contents[0]
        assert isinstance(first, TextContent)
        return [TextContent(first.uri, heading + first.text, first.mime_type)]
    return [TextContent(target.path.uri, json.dumps(described, ensure_ascii=False), "application/json")]


def _plain(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    return [[{"blob": {"size": len(v)}} if isinstance(v, bytes) else v for v in row] for row in rows]
