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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import mcp_types as types
from mcp import MCPError
from mcp.server._otel import OpenTelemetryMiddleware
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from opentelemetry import trace
from pydantic import ValidationError

from mcp_resources import __version__
from mcp_resources.app import App
from mcp_resources.clientlog import ClientLogHandler
from mcp_resources.components import Completion
from mcp_resources.errors import ClientError, InternalError
from mcp_resources.notify import ChangeNotifier
from mcp_resources.observe import Observer
from mcp_resources.tools import register_tools
from mcp_resources.wire import UNCACHED, contents_to_wire, resource_to_wire, template_to_wire

if TYPE_CHECKING:  # the prompt machinery is imported only when a config has prompts
    from mcp_resources.prompts.messages import PromptMessage
    from mcp_resources.prompts.registry import Prompt

__all__ = ["ResourceServer", "Service", "build_server", "map_errors", "running"]

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


def _prompt(item: Prompt) -> dict[str, Any]:
    wire: dict[str, Any] = {"name": item.name}
    if item.title is not None:
        wire["title"] = item.title
    if item.description is not None:
        wire["description"] = item.description
    arguments = []
    for name, spec in item.arguments:
        argument: dict[str, Any] = {"name": name, "required": spec.is_required}
        # Clients show only the description: allowed values and the default go there too.
        notes = [spec.description.rstrip(".") + "." if spec.description else ""]
        if spec.values:
            notes.append(f"One of: {', '.join(spec.values)}.")
        if spec.default:
            notes.append(f"Default: {spec.default}.")
        if description := " ".join(n for n in notes if n):
            argument["description"] = description
        arguments.append(argument)
    if arguments:
        wire["arguments"] = arguments
    return wire


def _message(item: PromptMessage) -> dict[str, Any]:
    content: dict[str, Any]
    if item.resource is not None:
        content = {"type": "resource", "resource": contents_to_wire(item.resource)}
    elif item.image is not None:
        data = base64.b64encode(item.image.data).decode("ascii")
        content = {"type": "image", "data": data, "mimeType": item.image.mime_type}
        if item.image.meta:
            content["_meta"] = dict(item.image.meta)  # provenance and the untrusted marker, as for resources
    elif item.link is not None:
        content = {"type": "resource_link", "uri": item.link, "name": item.link}
    else:
        content = {"type": "text", "text": item.text or ""}
    return {"role": item.role, "content": content}


def _completion(found: Completion) -> dict[str, Any]:
    values = list(found.values)[:_MAX_COMPLETIONS]
    more = found.has_more or len(found.values) > len(values)
    completion: dict[str, Any] = {"values": values, "hasMore": more}
    if found.total is not None:
        completion["total"] = found.total
    return {"completion": completion, "resultType": "complete"}


class ResourceServer(Server[Any]):
    """A low-level `Server` whose handshake-era capabilities are honest.

    The SDK derives `listChanged` only from the options passed to `run()`;
    Streamable HTTP and in-memory clients call `create_initialization_options()`
    with none, so the flag is baked in here: true exactly when changes are delivered.
    """

    def __init__(
        self, name: str, *, delivers_changes: bool, delivers_prompt_changes: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(name, **kwargs)
        self.delivers_changes = delivers_changes
        self.delivers_prompt_changes = delivers_prompt_changes

    def create_initialization_options(
        self, notification_options: NotificationOptions | None = None, *args: Any, **kwargs: Any
    ) -> InitializationOptions:
        """The SDK's options, with `resources.listChanged` set when changes are delivered."""
        options = notification_options or NotificationOptions(
            resources_changed=self.delivers_changes, prompts_changed=self.delivers_prompt_changes
        )
        return super().create_initialization_options(options, *args, **kwargs)

    def get_capabilities(
        self, *args: Any, protocol_version: str | None = None, **kwargs: Any
    ) -> types.ServerCapabilities:
        """The SDK's capabilities, without `logging` at 2026-07-28 (it sends no request-scoped logs)."""
        capabilities = super().get_capabilities(*args, protocol_version=protocol_version, **kwargs)
        if protocol_version in MODERN_PROTOCOL_VERSIONS:
            capabilities.logging = None
        return capabilities


def build_server(
    app: App,
    notifier: ChangeNotifier | None = None,
    *,
    observer: Observer | None = None,
    handshake_subscriptions: bool = True,
) -> ResourceServer:
    """A low-level MCP server serving `app` to both protocol eras.

    With a `notifier` (and something in the App that can publish), clients can
    subscribe (`resources/subscribe`, `subscriptions/listen`) and capabilities
    say so; without, they say `subscribe: false, listChanged: false`.
    `handshake_subscriptions=False` (stateless HTTP, which has no channel to push
    on) leaves `resources/subscribe` out and says so to handshake-era clients;
    2026-07-28 listen streams still work. `observer` sets each request's
    access (from its token) and records metrics and the audit trail.
    With `[server] tools = true`, the catalogue is also served as tools (`tools.py`).
    """

    async def list_resources(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams
    ) -> HandlerResult:
        page = await app.list_resources(params.cursor)
        result: dict[str, Any] = {"resources": [resource_to_wire(r) for r in page.resources], **UNCACHED}
        if page.next_cursor is not None:
            result["nextCursor"] = page.next_cursor
        return result

    async def list_templates(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams
    ) -> HandlerResult:
        return {"resourceTemplates": [template_to_wire(t) for t in await app.list_templates()], **UNCACHED}

    async def read_resource(
        ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> HandlerResult:
        return {"contents": [contents_to_wire(c) for c in await app.read(params.uri)], **UNCACHED}

    async def complete(ctx: ServerRequestContext[Any], params: types.CompleteRequestParams) -> HandlerResult:
        context = params.context.arguments if params.context and params.context.arguments else {}
        argument, value = params.argument.name, params.argument.value
        if isinstance(params.ref, types.PromptReference):
            return _completion(await app.complete_prompt(params.ref.name, argument, value, context))
        return _completion(await app.complete(params.ref.uri, argument, value, context))

    async def list_prompts(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams
    ) -> HandlerResult:
        page, cursor = await app.list_prompts(params.cursor)
        result: dict[str, Any] = {"prompts": [_prompt(p) for p in page], **UNCACHED}
        if cursor is not None:
            result["nextCursor"] = cursor
        return result

    async def get_prompt(
        ctx: ServerRequestContext[Any], params: types.GetPromptRequestParams
    ) -> HandlerResult:
        prompt, messages = await app.get_prompt(params.name, params.arguments)
        result: dict[str, Any] = {"messages": [_message(m) for m in messages], "resultType": "complete"}
        if prompt.description is not None:
            result["description"] = prompt.description
        return result

    delivers = notifier is not None and app.watching
    pushes = delivers and handshake_subscriptions
    server = ResourceServer(
        app.settings.name,
        version=__version__,
        instructions=app.settings.instructions,
        delivers_changes=pushes,
        delivers_prompt_changes=pushes and app.prompts is not None and app.prompts.watches,
    )
    # Registered by method (not Server(on_...=)) so handlers may return wire dicts;
    # capabilities still follow the registered methods.
    server.add_request_handler("resources/list", types.PaginatedRequestParams, list_resources)
    server.add_request_handler("resources/templates/list", types.PaginatedRequestParams, list_templates)
    server.add_request_handler("resources/read", types.ReadResourceRequestParams, read_resource)
    server.add_request_handler("completion/complete", types.CompleteRequestParams, complete)
    if app.prompts is not None:
        server.add_request_handler("prompts/list", types.PaginatedRequestParams, list_prompts)
        server.add_request_handler("prompts/get", types.GetPromptRequestParams, get_prompt)
    if pushes and notifier is not None:
        server.add_request_handler("resources/subscribe", types.SubscribeRequestParams, notifier.on_subscribe)
        server.add_request_handler(
            "resources/unsubscribe", types.UnsubscribeRequestParams, notifier.on_unsubscribe
        )
        server.add_notification_handler(
            "notifications/initialized", types.NotificationParams, notifier.on_initialized
        )
        server.add_request_handler("logging/setLevel", types.SetLevelRequestParams, notifier.on_set_level)
    if delivers and notifier is not None:
        server.add_request_handler(
            "subscriptions/listen", types.SubscriptionsListenRequestParams, notifier.listen
        )
    if app.settings.tools:
        register_tools(server, app)
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        # No OpenTelemetry tracer is set up, so the SDK's span around each request records
        # nothing, yet costs ~10% of a small read. With one set up (`opentelemetry-instrument
        # mcp-resources serve ...`), requests are traced as the SDK does.
        server.middleware = [m for m in server.middleware if not isinstance(m, OpenTelemetryMiddleware)]
    server.middleware.append(observer or Observer())
    server.middleware.append(map_errors)
    return server


@dataclass(frozen=True)
class Service:
    """A started App, its change notifier and the server delivering both."""

    app: App
    server: ResourceServer
    notifier: ChangeNotifier


@asynccontextmanager
async def running(
    app: App, *, observer: Observer | None = None, handshake_subscriptions: bool = True
) -> AsyncIterator[Service]:
    """Start `app` and its watchers; yield a server that delivers their changes.

    Entered before the first client message is read: watchers are in place by
    then, so no change made after connecting goes unannounced.
    """
    notifier = ChangeNotifier(app, max_subscriptions=app.settings.max_subscriptions)
    server = build_server(app, notifier, observer=observer, handshake_subscriptions=handshake_subscriptions)
    client_log = ClientLogHandler(notifier.log)
    logging.getLogger().addHandler(client_log)  # the root: plugins may mark records too
    async with app, anyio.create_task_group() as tg:
        if app.prompts is not None and not app.prompts.watches:
            # Compile now, so broken templates are logged at start (a prompt watch does it itself).
            tg.start_soon(app.prompts.warm_up)
        if app.watching:
            await tg.start(app.run_watchers, notifier.publish)
        try:
            yield Service(app, server, notifier)
        finally:
            logging.getLogger().removeHandler(client_log)
            notifier.close()
            tg.cancel_scope.cancel()
