"""A routed SQLite URI (`Target`) and what every read that returns rows does with it.

The page size a read asks for (`limit`) and the rendering of its result are
shared by table rows (`rows`) and queries (`queries`), which `reads`
dispatches to; they live here so that none of those modules imports another
that imports it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_resources.builtins.sqlite.engine import Result
from mcp_resources.builtins.sqlite.render import render_rows, value_type
from mcp_resources.components import Contents
from mcp_resources.uris import ResourcePath, parse_int

if TYPE_CHECKING:
    from mcp_resources.builtins.sqlite.provider import SqliteProvider

__all__ = ["DEFAULT_LIMIT", "Target", "page_limit", "render_result"]

DEFAULT_LIMIT = 100


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


def page_limit(provider: SqliteProvider, target: Target) -> int:
    """The rows a page of `target` holds: its `limit`, else the default (at most `max_rows`)."""
    maximum = provider.config.max_rows
    return parse_int(target.path.query, "limit", target.path.uri, minimum=1, maximum=maximum) or min(
        DEFAULT_LIMIT, maximum
    )


def render_result(
    provider: SqliteProvider,
    target: Target,
    result: Result,
    types: Sequence[str] | None,
    next_uri: str | None,
    extra: dict[str, Any] | None = None,
) -> list[Contents]:
    """`result` in `target`'s format (`types` guessed from the values when not given or not matching)."""
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
