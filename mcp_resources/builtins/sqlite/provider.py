"""The `sqlite` provider: one SQLite database, read-only, as browsable resources.

    db://schema                               every visible table and view: columns, keys, indexes, counts
    db://tables/{table}                       one table or view: its schema and a sample of rows
    db://tables/{table}/rows{?limit,after,order,desc,offset,format}
    db://query{?sql,limit,offset,format}      a read-only query (unless allow_sql = false)
    db://queries/{name}{?PARAMS,limit,offset,format}   a canned query from the config

(`db://` being the provider's prefix.) Formats: json (default), csv, markdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from anyio import TASK_STATUS_IGNORED
from anyio.abc import TaskStatus
from mcp.shared.uri_template import UriTemplate

from mcp_resources.builtins.sqlite.catalog import Catalog, Table, load_catalog, quote_identifier
from mcp_resources.builtins.sqlite.config import QueryConfig, SqliteConfig
from mcp_resources.builtins.sqlite.engine import Database
from mcp_resources.builtins.sqlite.guard import catalog_authorizer, check_sql, user_authorizer
from mcp_resources.builtins.sqlite.reads import read
from mcp_resources.builtins.sqlite.render import FORMATS
from mcp_resources.builtins.sqlite.target import DEFAULT_LIMIT, Target
from mcp_resources.components import (
    Completion,
    Contents,
    Publish,
    Resource,
    ResourcePage,
    ResourceProvider,
    ResourceTemplate,
)
from mcp_resources.errors import InvalidRequest, ResourceNotFound
from mcp_resources.uris import build_uri, check_params, parse_uri

__all__ = ["SqliteProvider"]

_ROWS_PARAMS = ("limit", "after", "order", "desc", "offset", "format")
_PAGE_PARAMS = ("limit", "offset", "format")


class SqliteProvider(ResourceProvider[SqliteConfig]):
    """Serves one SQLite database read-only (see the module docstring for its URIs)."""

    type_name: ClassVar[str] = "sqlite"
    config_model = SqliteConfig

    def __init__(self, name: str, config: SqliteConfig, prefix: str) -> None:
        super().__init__(name, config, prefix)
        limit_s = config.time_limit_ms / 1000
        self.db = Database(
            config.path, config.connections, limit_s, user_authorizer(lambda: self.catalog.visibility)
        )
        self.catalog_db = Database(config.path, 1, limit_s, catalog_authorizer())
        self._catalog: Catalog | None = None
        self._counts: dict[str, tuple[int, int | None]] = {}
        self.generation = 0
        """Bumped by the watcher on every change seen (keys the row-count cache)."""

    # --- life cycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Open the pools and read the catalog."""
        try:
            await self.catalog_db.open()
            await self.db.open()
            self._catalog = await load_catalog(self.catalog_db, self.config)
        except BaseException:
            await self.aclose()
            raise

    async def reopen(self) -> None:
        """Reopen the pools and re-read the catalog (the file was replaced or a writer came or went)."""
        await self.aclose()
        await self.start()

    async def reload_catalog(self) -> None:
        """Re-read the catalog after a schema change."""
        self._catalog = await load_catalog(self.catalog_db, self.config)

    async def aclose(self) -> None:
        """Close both pools."""
        await self.db.close()
        await self.catalog_db.close()

    @property
    def catalog(self) -> Catalog:
        """The visible tables and views (after `start()`)."""
        return self.started(self._catalog)

    # --- URIs -----------------------------------------------------------------------

    @property
    def queries(self) -> list[tuple[str, QueryConfig]]:
        """Canned queries, by name."""
        return sorted(self.config.queries.items())

    def schema_uri(self) -> str:
        """The schema resource."""
        return self.prefix + "schema"

    def table_uri(self, table: str) -> str:
        """A table's resource."""
        return build_uri(self.prefix, ("tables", table))

    def rows_uri(self, table: str, query: Mapping[str, Any] | None = None) -> str:
        """A page of a table's rows."""
        return build_uri(self.prefix, ("tables", table, "rows"), query=query)

    def query_uri(self, name: str | None, query: Mapping[str, Any] | None = None) -> str:
        """A canned query (by name) or the free query (`None`)."""
        parts = ("queries", name) if name else ("query",)
        return build_uri(self.prefix, parts, query=query)

    def table(self, name: str, uri: str) -> Table:
        """The visible table or view `name`, or `ResourceNotFound`."""
        table = self.catalog.get(name)
        if table is None:
            raise ResourceNotFound(uri)
        return table

    def route(self, uri: str) -> Target:
        """What `uri` names; raises for unknown resources and parameters."""
        path = parse_uri(uri, self.prefix, None)
        parts, queries = path.parts, self.config.queries
        allowed: tuple[str, ...]
        if parts in ((), ("schema",)):
            target, allowed = Target("schema", None, path), ("format",)
        elif len(parts) == 2 and parts[0] == "tables":
            target, allowed = Target("table", self.table(parts[1], uri).name, path), ("format",)
        elif len(parts) == 3 and parts[0] == "tables" and parts[2] == "rows":
            target, allowed = Target("rows", self.table(parts[1], uri).name, path), _ROWS_PARAMS
        elif parts == ("query",) and self.config.allow_sql:
            target, allowed = Target("query", None, path), ("sql", *_PAGE_PARAMS)
        elif len(parts) == 2 and parts[0] == "queries" and parts[1] in queries:
            target, allowed = Target("canned", parts[1], path), (*queries[parts[1]].params, *_PAGE_PARAMS)
        else:
            raise ResourceNotFound(uri)
        check_params(path, allowed)
        formats = FORMATS if target.kind not in ("schema", "table") else ("json", "markdown")
        if target.format not in formats:
            message = f"Unknown format {target.format!r} (one of: {', '.join(formats)})"
            raise InvalidRequest(message, uri=uri, argument="format")
        return target

    # --- the contract -------------------------------------------------------------

    async def list_resources(self, cursor: str | None, limit: int) -> ResourcePage:
        """The schema, each visible table and view, and canned queries needing no parameter."""
        entries = [Resource(self.schema_uri(), f"{self.name} schema", "Schema", mime_type="application/json")]
        for table in self.catalog.tables.values():
            entries.append(
                Resource(
                    self.table_uri(table.name),
                    table.name,
                    f"{table.kind} {table.name}",
                    mime_type="application/json",
                )
            )
        for name, query in self.queries:
            if all(p.default is not None for p in query.params.values()):
                entries.append(
                    Resource(
                        self.query_uri(name), name, query.description or name, mime_type="application/json"
                    )
                )
        entries.sort(key=lambda r: r.uri)
        after = [r for r in entries if cursor is None or r.uri > cursor]
        page = after[:limit]
        return ResourcePage(page, page[-1].uri if len(after) > limit else None)

    async def list_templates(self) -> Sequence[ResourceTemplate]:
        """Table, rows, free-query and canned-query templates."""
        p, name = self.prefix, self.name
        templates = [
            ResourceTemplate(f"{p}schema{{?format}}", f"{name}-schema", f"Schema of {name}"),
            ResourceTemplate(
                f"{p}tables/{{table}}{{?format}}", f"{name}-table", "A table or view: schema and sample"
            ),
            ResourceTemplate(
                f"{p}tables/{{table}}/rows{{?limit,after,order,desc,offset,format}}",
                f"{name}-rows",
                f"Rows of a table ({DEFAULT_LIMIT} by default, at most {self.config.max_rows})",
                "Pages follow the primary key (`after`, from the previous page's `next`) or `order` "
                "by a column with `offset`; format: json, csv or markdown.",
            ),
        ]
        if self.config.allow_sql:
            templates.append(
                ResourceTemplate(
                    f"{p}query{{?sql,limit,offset,format}}",
                    f"{name}-query",
                    "A read-only SQL query (SELECT only)",
                    f"Interrupted after {self.config.time_limit_ms} ms; format: json, csv or markdown.",
                )
            )
        for query_name, query in self.queries:
            names = ",".join([*query.params, *_PAGE_PARAMS])
            templates.append(
                ResourceTemplate(
                    f"{p}queries/{query_name}{{?{names}}}", f"{name}-{query_name}", query.description or None
                )
            )
        for template in templates:
            UriTemplate.parse(template.uri_template)
        return templates

    async def read(self, uri: str) -> Sequence[Contents]:
        """The schema, a table, a page of rows or a query's result."""
        return await read(self, self.route(uri))

    async def check(self, uri: str) -> str:
        """Validate `uri` like a read; events for it are published under its table or the schema."""
        target = self.route(uri)
        if target.kind == "query":
            check_sql(target.path.query.get("sql") or "", uri)
        if target.kind in ("table", "rows") and target.name:
            return self.table_uri(target.name)
        return self.schema_uri()

    async def complete(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Completion:
        """Table names, columns of the chosen table, formats, and declared query parameter values."""
        lowered = value.lower()
        if argument == "table":
            candidates = sorted(t.name for t in self.catalog.tables.values())
        elif argument == "order":
            table = self.catalog.get(context.get("table", ""))
            candidates = [c.name for c in table.columns] if table else []
        elif argument == "format":
            candidates = list(FORMATS)
        elif argument == "desc":
            candidates = ["true", "false"]
        else:
            candidates = self._query_values(template, argument)
        values = [c for c in candidates if c.lower().startswith(lowered)]
        return Completion(values[:100], len(values), len(values) > 100)

    def _query_values(self, template: str, argument: str) -> list[str]:
        name = template.removeprefix(f"{self.prefix}queries/").split("{", 1)[0]
        query = self.config.queries.get(name)
        return list(query.params[argument].values) if query and argument in query.params else []

    async def row_count(self, table: Table) -> int | None:
        """Rows in `table`, cached until the watcher sees a change (None past the time limit)."""
        cached = self._counts.get(table.name)
        if cached is not None and cached[0] == self.generation and self.watches:
            return cached[1]
        try:
            result = await self.db.query(
                f"SELECT count(*) FROM {quote_identifier(table.name)}",
                (),
                uri=self.table_uri(table.name),
                limit=1,
                max_bytes=64,
                columns=["count(*)"],
            )
            count: int | None = int(result.rows[0][0])
        except InvalidRequest:
            count = None
        self._counts[table.name] = (self.generation, count)
        return count

    # --- change notifications -----------------------------------------------------

    @property
    def watches(self) -> bool:
        """True unless `watch = false`."""
        return self.config.watch

    async def watch(self, publish: Publish, *, task_status: TaskStatus[None] = TASK_STATUS_IGNORED) -> None:
        """Announce changes of the database file (see `watch.py`)."""
        from mcp_resources.builtins.sqlite.watch import DatabaseWatcher

        await DatabaseWatcher(self).run(publish, task_status.started)
