"""A table's rows a page at a time: by key after an `after` cursor, or by `order` and `offset`.

Paging by key (the rowid or the primary key) is the default: each page
starts after the last key of the one before, which its `after` cursor holds
base64url-encoded. Any `order`, `desc` or `offset` pages by offset instead,
as does a view (it has no key). Separate from `reads` because key paging
(its SQL and the cursor codec) is most of what reading a table takes. Table
and column names come from the catalog and are always quoted; every value,
`LIMIT` and `OFFSET` is a bound parameter (SQL-4).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mcp_resources.builtins.sqlite.catalog import Table, quote_identifier
from mcp_resources.builtins.sqlite.engine import Result
from mcp_resources.builtins.sqlite.target import Target, page_limit, render_result
from mcp_resources.components import Contents
from mcp_resources.errors import InvalidRequest
from mcp_resources.uris import ResourcePath, parse_int

if TYPE_CHECKING:
    from mcp_resources.builtins.sqlite.provider import SqliteProvider

__all__ = ["decode_after", "encode_after", "page_by_key", "read_rows", "without_key"]

# A cursor holding one integer as JSON writes it (no leading zeros, no spaces).
_ONE_INT = re.compile(rb"\[(-?(?:0|[1-9][0-9]{0,18}))\]")


def _key_width(table: Table) -> int:
    """How many key columns `page_by_key` puts before the table's own (none when one of them is the rowid)."""
    if table.rowid_column is not None:
        return 0
    return 1 if table.has_rowid else len(table.primary_key)


def _last_key(table: Table, result: Result) -> Sequence[Any]:
    """The key of the last row of a page from `page_by_key`."""
    last = result.rows[-1]
    return (last[table.rowid_column],) if table.rowid_column is not None else last[: _key_width(table)]


def _column_names(table: Table) -> list[str]:
    """The names `SELECT <visible columns or NULL>` gives its columns."""
    return [c.name for c in table.columns] or ["NULL"]


def without_key(table: Table, result: Result) -> Result:
    """`result` without the key columns `page_by_key` puts first."""
    width = _key_width(table)
    if not width:
        return result
    rows = [row[width:] for row in result.rows]
    return Result(result.columns[width:], rows, result.truncated, result.skipped, result.size)


def decode_after(text: str, uri: str) -> list[Any]:
    """The key an `after` cursor made by `encode_after` holds; -32602 for anything else."""
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


def encode_after(key: Sequence[Any]) -> str:
    """The `after` cursor of the page following the row whose key is `key`."""
    # A lone integer (a rowid) is written as json.dumps would write it, without the encoder.
    text = f"[{key[0]}]" if len(key) == 1 and type(key[0]) is int else json.dumps(list(key))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def page_by_key(
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


async def read_rows(provider: SqliteProvider, target: Target) -> list[Contents]:
    """A page of a table's rows: by key unless `order`, `desc` or `offset` is given."""
    table = provider.table(target.name or "", target.path.uri)
    query, uri = target.path.query, target.path.uri
    limit = page_limit(provider, target)
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
    return render_result(
        provider, target, result, [c.type for c in table.columns], next_uri, {"table": table.name}
    )


async def _rows_by_key(provider: SqliteProvider, target: Target, table: Table, limit: int) -> list[Contents]:
    after_text = target.path.query.get("after")
    after = decode_after(after_text, target.path.uri) if after_text is not None else None
    if not (table.has_rowid or table.primary_key):  # a view: no key to page by
        return await read_rows(provider, Target(target.kind, target.name, _with(target.path, offset="0")))
    result = await page_by_key(provider, target, table, limit=limit, after=after)
    next_uri = None
    if result.truncated and result.rows:
        last_key = _last_key(table, result)
        following = {k: v for k, v in target.path.query.items() if k != "after"}
        next_uri = provider.rows_uri(table.name, following | {"after": encode_after(last_key)})
    page = without_key(table, result)
    return render_result(
        provider, target, page, [c.type for c in table.columns], next_uri, {"table": table.name}
    )


def _with(path: ResourcePath, **changes: str) -> ResourcePath:
    return ResourcePath(path.uri, path.parts, path.trailing_slash, dict(path.query) | changes)


def _flag(query: Mapping[str, str], name: str, uri: str) -> bool:
    value = query.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise InvalidRequest(f"Query parameter {name!r} must be true or false", uri=uri, argument=name)
    return value in ("true", "1")
