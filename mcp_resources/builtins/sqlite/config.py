"""The `[providers.NAME]` table of `type = "sqlite"`."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ByteSize, ConfigDict, Field, field_validator, model_validator

from mcp_resources.builtins.sqlite.guard import check_sql, placeholders
from mcp_resources.components import ProviderConfig
from mcp_resources.config import ConfigPath
from mcp_resources.errors import InvalidRequest

__all__ = ["ParamConfig", "QueryConfig", "SqliteConfig"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class ParamConfig(BaseModel):
    """`[providers.NAME.queries.QUERY.params.PARAM]`: one named parameter of a canned query."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    type: Literal["text", "integer", "real"] = "text"
    """How the value from the URI is converted before it is bound."""
    default: str | int | float | None = None
    """Used when the URI leaves the parameter out; without one the parameter is required."""
    values: list[str] = []
    """The allowed values (offered as completions); empty means any value."""


class QueryConfig(BaseModel):
    """`[providers.NAME.queries.QUERY]`: a named read-only query, served as a template."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sql: str
    """One SELECT statement; `:name` placeholders are bound from the URI, never interpolated."""
    description: str = ""
    params: dict[str, ParamConfig] = {}

    @model_validator(mode="after")
    def _read_only_and_complete(self) -> QueryConfig:
        try:
            parsed = check_sql(self.sql, "config")
        except InvalidRequest as exc:
            raise ValueError(f"sql: {exc.message}") from None
        used, declared = placeholders(parsed), set(self.params)
        if used - declared:
            raise ValueError(f"sql uses :{', :'.join(sorted(used - declared))}; declare it under params")
        if declared - used:
            raise ValueError(f"params {', '.join(sorted(declared - used))} are not used by the sql")
        return self


class SqliteConfig(ProviderConfig):
    """Serve one SQLite database, read-only."""

    path: ConfigPath
    """The database file; relative to the config file. It is never written to."""
    tables: list[str] | None = None
    """Only these tables and views are served (default: all of them)."""
    hidden_tables: list[str] = []
    """Tables and views never served, nor reachable through any query, view or join."""
    hidden_columns: list[str] = []
    """`table.column` entries whose values read as NULL everywhere, queries included."""
    max_rows: int = Field(1000, ge=1, le=100_000)
    """Most rows one read returns; more are cut, with a link to the next page."""
    max_bytes: ByteSize = Field(ByteSize(1 << 20), ge=1024, le=64 << 20)
    """Most bytes of values one read returns; more are cut, with a link to the next page."""
    time_limit_ms: int = Field(1000, ge=10, le=600_000)
    """A query still running after this long is interrupted."""
    allow_sql: bool = True
    """Serve the free read-only query template (`?sql=`)."""
    queries: dict[str, QueryConfig] = {}
    """Canned queries, each served as its own template."""
    sample_rows: int = Field(5, ge=0, le=100)
    """Rows shown with each table's schema."""
    connections: int = Field(2, ge=1, le=16)
    """Read-only connections: queries beyond this many wait their turn."""
    watch: bool = True
    """Send change notifications when the database changes."""

    @field_validator("path")
    @classmethod
    def _is_a_file(cls, path: ConfigPath) -> ConfigPath:
        if not path.is_file():
            raise ValueError(f"database {str(path)!r} does not exist; fix the path (it is never created)")
        return path

    @field_validator("hidden_columns")
    @classmethod
    def _qualified(cls, columns: list[str]) -> list[str]:
        for entry in columns:
            if entry.count(".") != 1 or not all(entry.split(".")):
                raise ValueError(f'{entry!r} is not table.column; write hidden_columns = ["users.password"]')
        return columns

    @model_validator(mode="after")
    def _query_names(self) -> SqliteConfig:
        for name, query in self.queries.items():
            if not _NAME.match(name):
                raise ValueError(f"query name {name!r} must be letters, digits and underscores")
            for param in query.params:
                if not _NAME.match(param) or param in ("format", "offset", "limit"):
                    raise ValueError(f"query {name!r}: parameter {param!r} is not a usable name")
        return self
