"""One publisher, both protocol eras.

Handshake-era clients (2025-06-18, 2025-11-25: Claude Desktop today) subscribe
with `resources/subscribe` and are told on their connection's standalone
channel (`ServerSession.send_*`). 2026-07-28 clients open a
`subscriptions/listen` stream, fed by the SDK's `ListenHandler` from an
in-process bus. `ChangeNotifier.publish` feeds both.

Subscriptions are validated like reads (via the App), deduplicated, capped
per connection and forgotten when the connection closes. Events are published
under canonical URIs; a client that subscribed with another spelling of the
same resource (`docs://a%20b` and `docs://a b`, or with window parameters) is
told under the spelling it used.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import anyio
import mcp_types as types
from mcp import MCPDeprecationWarning
from mcp.server.connection import Connection
from mcp.server.context import ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.subscriptions import (
    InMemorySubscriptionBus,
    ListenHandler,
    ServerEvent,
)
from mcp.server.subscriptions import (
    PromptsListChanged as BusPromptsListChanged,
)
from mcp.server.subscriptions import (
    ResourcesListChanged as BusResourcesListChanged,
)
from mcp.server.subscriptions import (
    ResourceUpdated as BusResourceUpdated,
)

from mcp_resources.app import App
from mcp_resources.clientlog import LEVELS, McpLevel
from mcp_resources.components import ChangeEvent, PromptsListChanged, ResourcesListChanged, ResourceUpdated
from mcp_resources.errors import ClientError, InvalidRequest

__all__ = ["ChangeNotifier"]

log = logging.getLogger(__name__)
_SEND_TIMEOUT_S = 2.0


@dataclass
class _Connection:
    """A handshake-era connection and the URIs it subscribed to."""

    session: ServerSession
    log_level: McpLevel = "warning"  # until the client sends logging/setLevel
    by_canonical: dict[str, set[str]] = field(default_factory=dict)
    spellings: dict[str, str] = field(default_factory=dict)  # subscribed URI -> canonical


class ChangeNotifier:
    """Delivers change events to handshake-era subscribers and 2026-07-28 listen streams."""

    def __init__(self, app: App, *, max_subscriptions: int = 4096, max_streams: int = 1024) -> None:
        self.app = app
        self.max_subscriptions = max_subscriptions
        self.bus = InMemorySubscriptionBus()
        self._listen = ListenHandler(self.bus, max_subscriptions=max_streams, max_buffered_events=4096)
        self._connections: dict[Connection, _Connection] = {}
        self._aliases: dict[str, Counter[str]] = {}  # canonical -> other spellings open listen streams use
        self._streams = 0
        self.sent: Counter[str] = Counter()
        """Notifications sent, by era: "handshake" (per connection), "listen" (per event on the bus)."""

    # --- what the server and tests can see --------------------------------------

    def subscription_count(self) -> int:
        """Handshake-era subscriptions currently held, over all connections."""
        return sum(len(c.spellings) for c in self._connections.values())

    def stream_count(self) -> int:
        """2026-07-28 listen streams currently open."""
        return self._streams

    def close(self) -> None:
        """End every listen stream gracefully (shutdown)."""
        self._listen.close()

    # --- publishing -------------------------------------------------------------

    async def publish(self, event: ChangeEvent) -> None:
        """Deliver one event to both eras; never raises into the watcher that published it."""
        try:
            if isinstance(event, ResourceUpdated):
                await self._resource_updated(event.uri)
            elif isinstance(event, ResourcesListChanged):
                await self._to_streams(BusResourcesListChanged())
                await self._broadcast("send_resource_list_changed")
            elif isinstance(event, PromptsListChanged):
                await self._to_streams(BusPromptsListChanged())
                await self._broadcast("send_prompt_list_changed")
        except Exception:
            log.exception("delivering %r failed", event)

    async def _to_streams(self, event: ServerEvent) -> None:
        # The bus yields to the event loop on every publish; with no stream open, skip it.
        if self._streams:
            self.sent["listen"] += 1
            await self.bus.publish(event)

    async def _resource_updated(self, uri: str) -> None:
        for spelling in (uri, *self._aliases.get(uri, ())):
            await self._to_streams(BusResourceUpdated(uri=spelling))
        for connection in list(self._connections.values()):
            for spelling in list(connection.by_canonical.get(uri, ())):
                await self._send(connection, "send_resource_updated", spelling)

    async def _broadcast(self, method: str) -> None:
        for connection in list(self._connections.values()):
            await self._send(connection, method)

    async def _send(self, connection: _Connection, method: str, *args: str) -> None:
        # A client that stopped reading must not stall the watcher for everyone else.
        self.sent["handshake"] += 1
        with anyio.move_on_after(_SEND_TIMEOUT_S) as timer:
            await getattr(connection.session, method)(*args)
        if timer.cancelled_caught:
            log.warning("a client did not take a notification within %ss; skipped", _SEND_TIMEOUT_S)

    # --- handshake era ----------------------------------------------------------

    def _connection(self, ctx: ServerRequestContext[Any, Any]) -> _Connection:
        # The SDK (2.3) gives handlers no public per-connection handle; `_connection`
        # lives as long as the connection, and its exit stack runs when it closes.
        key: Connection = ctx.session._connection
        entry = self._connections.get(key)
        if entry is None:
            entry = self._connections[key] = _Connection(ctx.session)
            key.exit_stack.callback(self._connections.pop, key, None)
        return entry

    async def on_initialized(
        self, ctx: ServerRequestContext[Any, Any], params: types.NotificationParams
    ) -> None:
        """Track every handshake-era connection, so each hears `list_changed`."""
        self._connection(ctx)

    async def on_subscribe(
        self, ctx: ServerRequestContext[Any, Any], params: types.SubscribeRequestParams
    ) -> types.EmptyResult:
        """`resources/subscribe`: validated like a read, deduplicated, capped."""
        canonical = await self.app.check_subscription(params.uri)
        connection = self._connection(ctx)
        if params.uri not in connection.spellings:
            if len(connection.spellings) >= self.max_subscriptions:
                raise InvalidRequest(
                    f"Too many subscriptions on this connection (limit {self.max_subscriptions}); "
                    "unsubscribe from some first",
                    uri=params.uri,
                )
            connection.spellings[params.uri] = canonical
            connection.by_canonical.setdefault(canonical, set()).add(params.uri)
        return types.EmptyResult()

    async def on_unsubscribe(
        self, ctx: ServerRequestContext[Any, Any], params: types.UnsubscribeRequestParams
    ) -> types.EmptyResult:
        """`resources/unsubscribe`: idempotent."""
        connection = self._connection(ctx)
        canonical = connection.spellings.pop(params.uri, None)
        if canonical is not None:
            spellings = connection.by_canonical[canonical]
            spellings.discard(params.uri)
            if not spellings:
                del connection.by_canonical[canonical]
        return types.EmptyResult()

    async def on_set_level(
        self, ctx: ServerRequestContext[Any, Any], params: types.SetLevelRequestParams
    ) -> types.EmptyResult:
        """`logging/setLevel`: the least severe level this connection wants to hear."""
        self._connection(ctx).log_level = params.level
        return types.EmptyResult()

    async def log(self, level: McpLevel, logger: str, message: str) -> None:
        """Send a log message to every handshake-era connection whose level admits it."""
        rank = LEVELS.index(level)
        for connection in list(self._connections.values()):
            if rank >= LEVELS.index(connection.log_level):
                with warnings.catch_warnings():  # deprecated at 2026-07-28, still the handshake era's
                    warnings.simplefilter("ignore", MCPDeprecationWarning)
                    await self._send(connection, "send_log_message", level, message, logger)

    # --- 2026-07-28 ---------------------------------------------------------------

    async def listen(
        self, ctx: ServerRequestContext[Any, Any], params: types.SubscriptionsListenRequestParams
    ) -> types.SubscriptionsListenResult:
        """`subscriptions/listen`: validate every URI, then stream events until the client leaves."""
        uris = list(dict.fromkeys(params.notifications.resource_subscriptions or ()))
        if len(uris) > self.max_subscriptions:
            raise InvalidRequest(
                f"Too many resource subscriptions in one listen (limit {self.max_subscriptions})",
                argument="resourceSubscriptions",
            )
        aliases = []
        for uri in uris:
            try:
                canonical = await self.app.check_subscription(uri)
            except ClientError as exc:
                raise InvalidRequest(f"Cannot subscribe: {exc.message}", uri=uri) from None
            if canonical != uri:
                aliases.append((canonical, uri))
        for canonical, uri in aliases:
            self._aliases.setdefault(canonical, Counter())[uri] += 1
        self._streams += 1
        try:
            return await self._listen(ctx, params)
        finally:
            self._streams -= 1
            for canonical, uri in aliases:
                counter = self._aliases[canonical]
                counter[uri] -= 1
                if counter[uri] <= 0:
                    del counter[uri]
                if not counter:
                    del self._aliases[canonical]
