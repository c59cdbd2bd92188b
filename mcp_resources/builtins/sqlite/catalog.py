"""The database's tables and views as the provider serves them, read through the catalog connection.

Only visible tables and views are described: the `tables` allow-list (if any)
minus `hidden_tables`, never SQLite's own `sqlite_*` tables. Hidden columns
are left out of every description. A view's SQL is shown only when every table
it reads is visible (it would otherwise name a hidden table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from mcp_resources.builtins.sqlite.config import SqliteConfig
from mcp_resources.builtins.sqlite.engine import Database
from mcp_resources.builtins.sqlite.guard import Visibility

__all__ = ["Catalog", "Column", "Table", "load_catalog", "quote_identifier"]

_WITHOUT_ROWID = re.compile(r"\bWITHOUT\s+ROWID\b", re.IGNORECASE)
_ROWID_NAMES = frozenset({"rowid", "oid", "_rowid_"})


def quote_identifier(name: str) -> str:
    """An SQL identifier, always quoted (SQL-4: names come from the catalog, never raw from a URI)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Column:
    """A visible column."""

    name: str
    type: str
    not_null: bool
    default: str | None
    primary_key: int
    """Position in the primary key (1-based), 0 if not part of it."""


@dataclass(frozen=True)
class Table:
    """A visible table or view."""

    name: str
    kind: str  # "table" or "view"
    columns: list[Column]
    primary_key: list[str]
    has_rowid: bool
    """Whether rows can be paged by `rowid` (not for views or WITHOUT ROWID tables)."""
    indexes: list[dict[str, Any]] = field(default_factory=list)
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)
    sql: str | None = None
    rowid_column: int | None = None
    """Position among `columns` of the column that is the rowid (`id INTEGER PRIMARY KEY`), if visible."""

    def column(self, name: str) -> Column | None:
        """The visible column called `name` (case-insensitive), if any."""
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class Catalog:
    """The visible tables and views, and what queries may read."""

    tables: dict[str, Table]
    """By lower-case name."""
    visibility: Visibility
    schema_version: int

    def get(self, name: str) -> Table | None:
        """The visible table or view called `name` (case-insensitive)."""
        return self.tables.get(name.lower())


async def load_catalog(db: Database, config: SqliteConfig) -> Catalog:
    """Read the schema through `db` (a catalog connection)."""
    schema_version = int(await db.scalar("PRAGMA schema_version"))
    entries = await db.rows(
        "SELECT type, name, sql FROM sqlite_schema "
        "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
    )
    allowed = {t.lower() for t in config.tables} if config.tables is not None else None
    hidden = {t.lower() for t in config.hidden_tables}
    visible_names = {
        name.lower()
        for _, name, _ in entries
        if name.lower() not in hidden and (allowed is None or name.lower() in allowed)
    }
    # A view over a hidden table could never be read: leave it out (views over views included).
    views = {name.lower(): sql or "" for kind, name, sql in entries if kind == "view"}
    while unreadable := {
        v for v in visible_names & views.keys() if _reads_only(views[v], visible_names) is False
    }:
        visible_names -= unreadable
    hidden_columns = frozenset(
        (t, c) for t, c in (entry.lower().split(".", 1) for entry in config.hidden_columns)
    )
    tables: dict[str, Table] = {}
    for kind, name, sql in entries:
        if name.lower() in visible_names:
            tables[name.lower()] = await _describe(db, kind, name, sql or "", hidden_columns, visible_names)
    visibility = Visibility(frozenset(visible_names), hidden_columns)
    return Catalog(tables, visibility, schema_version)


async def _describe(
    db: Database, kind: str, name: str, sql: str, hidden: frozenset[tuple[str, str]], visible: set[str]
) -> Table:
    quoted = quote_identifier(name)
    info = await db.rows(f"PRAGMA table_xinfo({quoted})")
    columns = [
        Column(col_name, col_type or "", bool(not_null), default, pk)
        for _, col_name, col_type, not_null, default, pk, col_hidden in info
        if (name.lower(), col_name.lower()) not in hidden and col_hidden in (0, 2, 3)
    ]
    primary_key = [c.name for c in sorted((c for c in columns if c.primary_key), key=lambda c: c.primary_key)]
    shadowed = any(c.name.lower() in _ROWID_NAMES for c in columns)
    has_rowid = kind == "table" and not _WITHOUT_ROWID.search(sql) and not shadowed
    if kind == "view":
        return Table(name, kind, columns, [], False, sql=sql if _reads_only(sql, visible) else None)
    indexes = []
    index_list = await db.rows(f"PRAGMA index_list({quoted})")
    # A one-column primary key of a rowid table is the rowid itself unless SQLite had to index
    # it (origin "pk": not INTEGER, or declared DESC, or in truth more than one column).
    rowid_column = None
    if has_rowid and len(primary_key) == 1 and not any(row[3] == "pk" for row in index_list):
        rowid_column = next(i for i, c in enumerate(columns) if c.name == primary_key[0])
    for _, index_name, unique, origin, _ in index_list:
        index_columns = [
            row[2] for row in await db.rows(f"PRAGMA index_xinfo({quote_identifier(index_name)})") if row[5]
        ]
        if all((name.lower(), (c or "").lower()) not in hidden for c in index_columns):
            indexes.append(
                {"name": index_name, "unique": bool(unique), "origin": origin, "columns": index_columns}
            )
    foreign_keys: dict[int, dict[str, Any]] = {}
    for key_id, _, target, source, referenced, *_ in await db.rows(f"PRAGMA foreign_key_list({quoted})"):
        if target.lower() in visible:
            key = foreign_keys.setdefault(key_id, {"columns": [], "table": target, "references": []})
            key["columns"].append(source)
            key["references"].append(referenced)
    return Table(
        name, kind, columns, primary_key, has_rowid, indexes, list(foreign_keys.values()), None, rowid_column
    )


def _reads_only(sql: str, visible: set[str]) -> bool | None:
    """Whether a view's definition reads visible tables only; `None` if it cannot be parsed."""
    try:
        parsed = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.SqlglotError:
        return None
    ctes = {cte.alias_or_name.lower() for cte in parsed.find_all(exp.CTE)}
    return all(t.name.lower() in visible or t.name.lower() in ctes for t in parsed.find_all(exp.Table))
