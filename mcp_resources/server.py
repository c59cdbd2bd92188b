"""The protocol layer: a low-level MCP `Server` whose handlers call the App.

This module only translates. Requests become App calls; the App's values
become wire models; and errors are mapped here, once, for both protocol eras:
a `ClientError` becomes -32602 with its `data` (naming the URI or argument),
an `InternalError` or any unexpected exception becomes -32603 with a generic
message, and the traceback goes to the log on stderr, never to the client.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import anyio
import mcp_types as types
from mcp import MCPError
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.lowlevel import Server
from pydantic import ValidationError

from mcp_resources import __version__
from mcp_resources.app import App, InternalError
from mcp_resources.components import BlobContent, Contents, Resource, ResourceTemplate
from mcp_resources.errors import ClientError

__all__ = ["build_server", "map_errors"]

log = logging.getLogger(__name__)
_MAX_COMPLETIONS = 100


async def map_errors(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Server middleware: turn our exceptions into JSON-RPC errors; never leak details."""
    try:
        return await call_next(ctx)
    except ClientError as exc:
        raise MCPError(types.INVALID_PARAMS, exc.message, data=exc.data or None) from None
    except InternalError as exc:
        raise MCPError(types.INTERNAL_ERROR, exc.message, data=exc.data or None) from None
    except (MCPError, ValidationError, anyio.get_cancelled_exc_class()):
        raise
    except Exception:
        log.exception("%s failed", ctx.method)
        raise MCPError(types.INTERNAL_ERROR, "Internal error") from None


def _resource(item: Resource) -> types.Resource:
    return types.Resource(
        uri=item.uri,
        name=item.name,
        title=item.title,
        description=item.description,
        mime_type=item.mime_type,
        size=item.size,
        annotations=types.Annotations(last_modified=item.last_modified) if item.last_modified else None,
        _meta=dict(item.meta) if item.meta else None,
    )


def _template(item: ResourceTemplate) -> types.ResourceTemplate:
    return types.ResourceTemplate(
        uri_template=item.uri_template,
        name=item.name,
        title=item.title,
        description=item.description,
        mime_type=item.mime_type,
    )


def _contents(item: Contents) -> types.TextResourceContents | types.BlobResourceContents:
    meta = dict(item.meta) if item.meta else None
    if isinstance(item, BlobContent):
        blob = base64.b64encode(item.data).decode("ascii")
        return types.BlobResourceContents(uri=item.uri, mime_type=item.mime_type, blob=blob, _meta=meta)
    return types.TextResourceContents(uri=item.uri, mime_type=item.mime_type, text=item.text, _meta=meta)


def build_server(app: App) -> Server[Any]:
    """A low-level MCP server serving `app` to both protocol eras."""

    async def list_resources(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        page = await app.list_resources(params.cursor if params else None)
        return types.ListResourcesResult(
            resources=[_resource(r) for r in page.resources], next_cursor=page.next_cursor
        )

    async def list_templates(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        templates = await app.list_templates()
        return types.ListResourceTemplatesResult(resource_templates=[_template(t) for t in templates])

    async def read_resource(
        ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        contents = await app.read(params.uri)
        return types.ReadResourceResult(contents=[_contents(c) for c in contents])

    async def complete(
        ctx: ServerRequestContext[Any], params: types.CompleteRequestParams
    ) -> types.CompleteResult:
        if not isinstance(params.ref, types.ResourceTemplateReference):
            return types.CompleteResult(completion=types.Completion(values=[], total=0, has_more=False))
        context = params.context.arguments if params.context and params.context.arguments else {}
        found = await app.complete(params.ref.uri, params.argument.name, params.argument.value, context)
        values = list(found.values)[:_MAX_COMPLETIONS]
        more = found.has_more or len(found.values) > len(values)
        return types.CompleteResult(
            completion=types.Completion(values=values, total=found.total, has_more=more)
        )

    server: Server[Any] = Server(
        app.settings.name,
        version=__version__,
        instructions=app.settings.instructions,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
        on_completion=complete,
    )
    server.middleware.append(map_errors)
    return server
