"""What a query resource reads as: a client's read-only SQL, or a canned query from the config.

Both run on the guarded pool (the client's SQL is checked first) and page by
`offset`. Separate from `reads` because they share nothing with the schema
and table reads; what they share with a table's rows (the page size and the
rendering) is in `target`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_resources.builtins.sqlite.guard import check_sql
from mcp_resources.builtins.sqlite.target import Target, page_limit, render_result
from mcp_resources.components import Contents
from mcp_resources.errors import InvalidRequest
from mcp_resources.uris import parse_int

if TYPE_CHECKING:
    from mcp_resources.builtins.sqlite.provider import SqliteProvider

__all__ = ["read_canned", "read_query"]


async def read_query(provider: SqliteProvider, target: Target) -> list[Contents]:
    """A page of the result of the client's `sql` (checked to be a read-only query first)."""
    uri, query = target.path.uri, target.path.query
    sql = query.get("sql")
    if not sql:
        raise InvalidRequest("Missing query parameter 'sql'", uri=uri, argument="sql")
    check_sql(sql, uri)
    return await _run(provider, target, sql, {})


async def read_canned(provider: SqliteProvider, target: Target) -> list[Contents]:
    """A page of the result of the config's query `target.name`, its parameters bound from the URI."""
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
    limit = page_limit(provider, target)
    offset = parse_int(query, "offset", uri, minimum=0) or 0
    result = await provider.db.query(
        sql, params, uri=uri, limit=limit, max_bytes=int(provider.config.max_bytes), skip=offset
    )
    next_uri = None
    if result.truncated:
        following = {k: v for k, v in query.items() if k != "offset"} | {"offset": offset + len(result.rows)}
        next_uri = provider.query_uri(target.name if target.kind == "canned" else None, following)
    return render_result(provider, target, result, None, next_uri)
