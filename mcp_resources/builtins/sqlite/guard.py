"""What SQL may run: a parse check in front, SQLite's authorizer behind (SQL-2, SQL-3).

The parse check (sqlglot) rejects early and explains: exactly one statement,
a SELECT or set operation at the root, no DML, DDL, PRAGMA, ATTACH or command
anywhere in the tree, no function outside the allow-list. It is only the front
door. The engine enforces the same rules on every statement it prepares,
ours included: the authorizer allows reading visible tables and calling
allow-listed functions and denies everything else, hidden tables cannot be
read (through views and subqueries too) and hidden columns read as NULL.
The original text is what runs; nothing is regenerated from the parse.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from mcp_resources.errors import InvalidRequest

__all__ = [
    "CATALOG_PRAGMAS",
    "CATALOG_TABLE_PRAGMAS",
    "FUNCTIONS",
    "Authorizer",
    "Visibility",
    "catalog_authorizer",
    "check_sql",
    "placeholders",
    "user_authorizer",
]

FUNCTIONS = frozenset(
    """
    abs char coalesce concat concat_ws format glob hex ifnull iif instr length like likelihood likely
    lower ltrim max min nullif octet_length printf quote random randomblob replace round rtrim sign
    soundex substr substring trim typeof unhex unicode unlikely upper zeroblob sqlite_version
    avg count group_concat string_agg sum total
    date time datetime julianday unixepoch strftime timediff
    acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log log10 log2
    mod pi pow power radians sin sinh sqrt tan tanh trunc
    json json_array json_array_length json_error_position json_extract json_insert json_object
    json_patch json_remove json_replace json_set json_type json_valid json_quote json_group_array
    json_group_object json_each json_tree jsonb jsonb_array jsonb_extract jsonb_insert jsonb_object
    jsonb_patch jsonb_remove jsonb_replace jsonb_set jsonb_group_array jsonb_group_object
    row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
    bm25 highlight snippet
    """.split()  # noqa: SIM905 - a word list reads best as words
)
"""Functions a query may call (SQLite's core, date, math, JSON, window and FTS5 auxiliaries).

Not `load_extension`, `readfile`, `writefile`, `edit`, `fts3_tokenizer` or anything a
plugin registered; `zeroblob`/`randomblob`/`printf` are bounded by SQLITE_LIMIT_LENGTH.
"""

_TABLE_FUNCTIONS = frozenset({"json_each", "json_tree"})
_FORBIDDEN = (
    exp.DDL,
    exp.DML,
    exp.Command,
    exp.Pragma,
    exp.Attach,
    exp.Detach,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Set,
    exp.Use,
    exp.Analyze,
)
_READ_ONLY_ROOTS = (exp.Select, exp.SetOperation)
MAX_SQL_LENGTH = 100_000


def _reject(message: str, uri: str, **data: object) -> InvalidRequest:
    return InvalidRequest(message, uri=uri, argument="sql", **data)


def check_sql(sql: str, uri: str) -> exp.Expression:
    """Parse `sql` and refuse anything but one read-only query; returns the parse."""
    if len(sql) > MAX_SQL_LENGTH:
        raise _reject(f"SQL longer than {MAX_SQL_LENGTH} characters", uri)
    try:
        statements = [s for s in sqlglot.parse(sql, read="sqlite") if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f" at line {first.get('line')}, column {first.get('col')}" if first else ""
        description = first.get("description") or "invalid SQL"
        if "<class " in description:  # sqlglot names its own Python classes for a missing operand
            description = "an expression is incomplete"
        raise _reject(
            f"SQL syntax error{where}: {description}", uri, line=first.get("line"), column=first.get("col")
        ) from None
    except sqlglot.errors.SqlglotError:
        raise _reject("SQL could not be parsed", uri) from None
    if len(statements) != 1:
        raise _reject(f"Exactly one statement is allowed, got {len(statements)}", uri)
    [root] = statements
    if not isinstance(root, _READ_ONLY_ROOTS):
        # sqlglot files statements it does not model under generic keys (COMMAND, ALIAS); the
        # statement's own first keyword is what the user will recognise.
        keyword = sql.split(None, 1)[0].upper()
        kind = root.key.upper() if keyword == "WITH" else keyword
        raise _reject(f"Only SELECT queries are allowed, got {kind}", uri)
    for node in root.walk():
        if isinstance(node, _FORBIDDEN):
            raise _reject(f"{node.key.upper()} is not allowed in a read-only query", uri)
        if isinstance(node, exp.Anonymous) and node.name.lower() not in FUNCTIONS:
            raise _reject(f"Function {node.name!r} is not allowed", uri)
    return root


def placeholders(parsed: exp.Expression) -> set[str]:
    """Names of the `:name` placeholders in a parsed query."""
    return {p.name for p in parsed.find_all(exp.Placeholder) if p.name}


@dataclass(frozen=True)
class Visibility:
    """What queries may read: visible tables, and columns that read as NULL."""

    tables: frozenset[str]
    """Tables and views a query may read (lower case)."""
    hidden_columns: frozenset[tuple[str, str]]
    """(table, column), lower case."""


Authorizer = Callable[[int, str | None, str | None, str | None, str | None], int]


def user_authorizer(visibility: Callable[[], Visibility]) -> Authorizer:
    """The authorizer of connections that run queries: read visible data, nothing else."""

    def authorize(action: int, arg1: str | None, arg2: str | None, db: str | None, source: str | None) -> int:
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION:
            return sqlite3.SQLITE_OK if (arg2 or "").lower() in FUNCTIONS else sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_READ:
            table = (arg1 or "").lower()
            if table in _TABLE_FUNCTIONS:
                return sqlite3.SQLITE_OK
            if db is None:
                # A common table expression: it has no schema, and the tables it reads are
                # authorized on their own.
                return sqlite3.SQLITE_OK
            seen = visibility()
            if db != "main" or table not in seen.tables:
                return sqlite3.SQLITE_DENY
            if (table, (arg2 or "").lower()) in seen.hidden_columns:
                return sqlite3.SQLITE_IGNORE  # the column reads as NULL
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    return authorize


CATALOG_PRAGMAS = frozenset({"data_version", "schema_version", "page_count", "page_size", "journal_mode"})
"""Pragmas the catalog connection may read (never set: a value argument is denied)."""
CATALOG_TABLE_PRAGMAS = frozenset({"table_xinfo", "index_list", "index_xinfo", "foreign_key_list"})
"""Pragmas the catalog connection may call with a table or index name."""


def catalog_authorizer() -> Authorizer:
    """The authorizer of the catalog connection: read anything, run only catalog pragmas."""

    def authorize(action: int, arg1: str | None, arg2: str | None, db: str | None, source: str | None) -> int:
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION:
            return sqlite3.SQLITE_OK if (arg2 or "").lower() in FUNCTIONS else sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_PRAGMA:
            name = (arg1 or "").lower()
            if name in CATALOG_TABLE_PRAGMAS or (name in CATALOG_PRAGMAS and arg2 is None):
                return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    return authorize
