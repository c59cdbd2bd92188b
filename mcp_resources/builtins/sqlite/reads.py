"""What each SQLite resource reads as: the schema, a table, a page of rows, a query's result.

Every statement here runs on the guarded pool (the authorizer and time limit
apply to ours as to the client's). Table and column names come from the
catalog and are always quoted; every value, `LIMIT` and `OFFSET` is a bound
parameter (SQL-4).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_resources.builtins.sqlite.catalog import Table, quote_identifier
from mcp_resources.builtins.sqlite.engine import Result
from mcp_resources.builtins.sqlite.guard import check_sql
from mcp_resources.builtins.sqlite.render import render_rows, value_type
from mcp_resources.components import Contents, TextContent
from mcp_resources.errors import InvalidRequest
from mcp_resources.uris import ResourcePath, parse_int

if TYPE_CHECKING:
    from mcp_resources.builtins.sqlite.provider import SqliteProvider

__all__ = ["DEFAULT_LIMIT", "Target", "read"]

DEFAULT_LIMIT = 100
# A cursor holding one integer as JSON writes it (no leading zeros, no spaces).
_ONE_INT = re.compile(rb"\[(-?(?:0|[1-9][0-9]{0,18}))\]")


@dataclass(frozen=True)
class Target:
    """A routed URI: which resource, of what (table or query name), with its parameters."""

    kind: str  # schema, table, rows, query, canned
    name: str | None
    path: ResourcePath

    @property
    def format(self) -> str:
        """The output format the client asked for (validated when routed)."""
        return self.path.query.get("format", "json")


async def read(provider: SqliteProvider, target: Target) -> list[Contents]:
    """Read `target` from `provider`'s database."""
    if target.kind == "schema":
        return await _schema(provider, target)
    if target.kind == "table":
        return await _table(provider, target)
    if target.kind == "rows":
        return await _rows(provider, target)
    if target.kind == "query":
        return await _query(provider, target)
    return await _canned(provider, target)


def _limit(provider: SqliteProvider, target: Target) -> int:
    maximum = provider.config.max_rows
    return parse_int(target.path.query, "limit", target.path.uri, minimum=1, maximum=maximum) or min(
        DEFAULT_LIMIT, maximum
    )


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
    sample = _without_key(
        table, await _page(provider, target, table, limit=provider.config.sample_rows, after=None)
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


def _key_width(table: Table) -> int:
    """How many key columns `_page` puts before the table's own (none when one of them is the rowid)."""
    if table.rowid_column is not None:
        return 0
    return 1 if table.has_rowid else len(table.primary_key)


def _last_key(table: Table, result: Result) -> Sequence[Any]:
    """The key of the last row of a page from `_page`."""
    last = result.rows[-1]
    return (last[table.rowid_column],) if table.rowid_column is not None else last[: _key_width(table)]


def _column_names(table: Table) -> list[str]:
    """The names `SELECT <visible columns or NULL>` gives its columns."""
    return [c.name for c in table.columns] or ["NULL"]


def _without_key(table: Table, result: Result) -> Result:
    """`result` without the key columns `_page` puts first."""
    width = _key_width(table)
    if not width:
        return result
    rows = [row[width:] for row in result.rows]
    return Result(result.columns[width:], rows, result.truncated, result.skipped, result.size)


def _decode_after(text: str, uri: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        if plain := _ONE_INT.fullmatch(raw):  # a rowid: what json.loads would give, for less
            return [int(plain[1])]
        key = json.loads(raw)
    except (ValueError, binascii.Error):
        raise InvalidRequest("Invalid 'after' cursor", uri=uri, argument="after") from None
    if not isinstance(key, list) or not all(isinstance(v, int | float | str) for v in key):
        raise InvalidRequest("Invalid 'after' cursor", uri=uri, argument="after")
    return key


def _encode_after(key: Sequence[Any]) -> str:
    # A lone integer (a rowid) is written as json.dumps would write it, without the encoder.
    text = f"[{key[0]}]" if len(key) == 1 and type(key[0]) is int else json.dumps(list(key))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def _page(
    provider: SqliteProvider, target: Target, table: Table, *, limit: int, after: list[Any] | None
) -> Result:
    """Rows in key order after `after`, with the key columns first (see `_key_width`)."""
    select = ", ".join(quote_identifier(c.name) for c in table.columns) or "NULL"
    key = ["rowid"] if table.has_rowid else [quote_identifier(c) for c in table.primary_key]
    # The key is selected again only when no visible column holds it already.
    selected = key if _key_width(table) else []
    where = ""
    params: list[Any] = []
    if key and after is not None:
        if len(after) != len(key):
            raise InvalidRequest("Invalid 'after' cursor", uri=target.path.uri, argument="after")
        where = f"WHERE ({', '.join(key)}) > ({', '.join('?' * len(key))}) "
        params += after
    columns = ", ".join([*selected, select])
    order = ", ".join(key) or "1"
    sql = f"SELECT {columns} FROM {quote_identifier(table.name)} {where}ORDER BY {order} LIMIT ?"
    params.append(limit + 1)
    names = [] if not selected else ["rowid"] if table.has_rowid else list(table.primary_key)
    return await provider.db.query(
        sql,
        params,
        uri=target.path.uri,
        limit=limit,
        max_bytes=int(provider.config.max_bytes),
        columns=names + _column_names(table),
    )


async def _rows(provider: SqliteProvider, target: Target) -> list[Contents]:
    table = provider.table(target.name or "", target.path.uri)
    query, uri = target.path.query, target.path.uri
    limit = _limit(provider, target)
    order = query.get("order")
    descending = _flag(query, "desc", uri)
    offset = parse_int(query, "offset", uri, minimum=0)
    if order is None and not descending and offset is None:
        return await _rows_by_key(provider, target, table, limit)
    column = table.column(order) if order is not None else None
    if order is not None and column is None:
        raise InvalidRequest(f"Unknown column {order!r} of {table.name!r}", uri=uri, argument="order")
    key = quote_identifier(column.name) if column else ("rowid" if table.has_rowid else "1")
    tiebreak = ", rowid" if table.has_rowid and column else ""
    select = ", ".join(quote_identifier(c.name) for c in table.columns) or "NULL"
    sql = (
        f"SELECT {select} FROM {quote_identifier(table.name)} "
        f"ORDER BY {key}{' DESC' if descending else ''}{tiebreak} LIMIT ? OFFSET ?"
    )
    start = offset or 0
    result = await provider.db.query(
        sql,
        [limit + 1, start],
        uri=uri,
        limit=limit,
        max_bytes=int(provider.config.max_bytes),
        columns=_column_names(table),
    )
    following = {k: v for k, v in query.items() if k != "offset"} | {"offset": start + len(result.rows)}
    next_uri = provider.rows_uri(table.name, following) if result.truncated else None
    return _render(provider, target, result, [c.type for c in table.columns], next_uri, {"table": table.name})


async def _rows_by_key(provider: SqliteProvider, target: Target, table: Table, limit: int) -> list[Contents]:
    after_text = target.path.query.get("after")
    after = _decode_after(after_text, target.path.uri) if after_text is not None else None
    if not (table.has_rowid or table.primary_key):  # a view: no key to page by
        return await _rows(provider, Target(target.kind, target.name, _with(target.path, offset="0")))
    result = await _page(provider, target, table, limit=limit, after=after)
    next_uri = None
    if result.truncated and result.rows:
        last_key = _last_key(table, result)
        following = {k: v for k, v in target.path.query.items() if k != "after"}
        next_uri = provider.rows_uri(table.name, following | {"after": _encode_after(last_key)})
    page = _without_key(table, result)
    return _render(provider, target, page, [c.type for c in table.columns], next_uri, {"table": table.name})


def _with(path: ResourcePath, **changes: str) -> ResourcePath:
    return ResourcePath(path.uri, path.parts, path.trailing_slash, dict(path.query) | changes)


def _flag(query: Mapping[str, str], name: str, uri: str) -> bool:
    value = query.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise InvalidRequest(f"Query parameter {name!r} must be true or false", uri=uri, argument=name)
    return value in ("true", "1")


def _render(
    provider: SqliteProvider,
    target: Target,
    result: Result,
    types: Sequence[str] | None,
    next_uri: str | None,
    extra: dict[str, Any] | None = None,
) -> list[Contents]:
    if types is None or len(types) != len(result.columns):
        types = [value_type([row[i] for row in result.rows]) for i in range(len(result.columns))]
    return render_rows(
        target.path.uri,
        result.columns,
        types,
        result.rows,
        target.format,
        max_bytes=int(provider.config.max_bytes),
        truncated=result.truncated,
        next_uri=next_uri,
        extra=extra,
        # size counts characters; UTF-8 takes at most 4 bytes for one.
        small_values=result.size * 4 <= provider.config.max_bytes,
    )


async def _query(provider: SqliteProvider, target: Target) -> list[Contents]:
    uri, query = target.path.uri, target.path.query
    sql = query.get("sql")
    if not sql:
        raise InvalidRequest("Missing query parameter 'sql'", uri=uri, argument="sql")
    check_sql(sql, uri)
    return await _run(provider, target, sql, {})


async def _canned(provider: SqliteProvider, target: Target) -> list[Contents]:
    name = target.name or ""
    config = provider.config.queries[name]
    uri, query = target.path.uri, target.path.query
    bound: dict[str, Any] = {}
    for param, spec in config.params.items():
        raw = query.get(param, None if spec.default is None else str(spec.default))
        if raw is None:
            raise InvalidRequest(f"Missing parameter {param!r} of query {name!r}", uri=uri, argument=param)
        if spec.values and raw not in spec.values:
            allowed = ", ".join(spec.values)
            raise InvalidRequest(f"Parameter {param!r} must be one of: {allowed}", uri=uri, argument=param)
        try:
            bound[param] = int(raw) if spec.type == "integer" else float(raw) if spec.type == "real" else raw
        except ValueError:
            raise InvalidRequest(
                f"Parameter {param!r} must be {spec.type}", uri=uri, argument=param
            ) from None
    return await _run(provider, target, config.sql, bound)


async def _run(provider: SqliteProvider, target: Target, sql: str, params: dict[str, Any]) -> list[Contents]:
    uri, query = target.path.uri, target.path.query
    limit = _limit(provider, target)
    offset = parse_int(query, "offset", uri, minimum=0) or 0
    result = await provider.db.query(
        sql, params, uri=uri, limit=limit, max_bytes=int(provider.config.max_bytes), skip=offset
    )
    next_uri = None
    if result.truncated:
        following = {k: v for k, v in query.items() if k != "offset"} | {"offset": offset + len(result.rows)}
        next_uri = provider.query_uri(target.name if target.kind == "canned" else None, following)
    return _render(provider, target, result, None, next_uri)
