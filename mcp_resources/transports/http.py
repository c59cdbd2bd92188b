"""Serving over Streamable HTTP (`serve --http`): one server, many clients, each authenticated.

The ASGI stack, outermost first: `FrontDoor` (security headers, status
counts) → CORS (only with `http.cors_origins`) → the SDK's bearer
authentication → routes: `/mcp` behind the SDK's `RequireAuthMiddleware` and
our per-principal `RateLimit`, then the SDK's session manager (DNS-rebinding
guard with exact host:port and origin lists, 4 MiB body cap); `/healthz`
open; `/metrics` behind the same auth. The caller's scopes become its
`Access` in the server middleware (see `mcp_resources.observe`).

Shutdown (SIGTERM/SIGINT, handled by uvicorn): listen streams and handshake
sessions' GET streams are ended first, so draining is not held up by
connections that never finish on their own; in-flight requests then get
`http.shutdown_timeout` seconds; then watchers stop and providers close.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.routes import build_resource_metadata_url, create_protected_resource_routes
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route

from mcp_resources.app import App
from mcp_resources.audit import AuditLog
from mcp_resources.http.auth import verifier_for
from mcp_resources.http.guard import FrontDoor, RateLimit
from mcp_resources.http.metrics import Metrics
from mcp_resources.http.plan import HttpPlan, plan
from mcp_resources.http.routes import health_route, metrics_route
from mcp_resources.http.settings import HttpSettings
from mcp_resources.observe import Observer
from mcp_resources.server import Service, running
from mcp_resources.transports.tuning import tune_for_serving

__all__ = ["HttpServer", "bind", "serve_http"]

log = logging.getLogger(__name__)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: one the OS picks), so the real port is known early."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _resource_url(settings: HttpSettings) -> AnyHttpUrl:
    assert settings.public_url is not None
    return AnyHttpUrl(str(settings.public_url).rstrip("/") + "/mcp")


def _discovery_routes(settings: HttpSettings, service: Service) -> list[Route]:
    """RFC 9728 metadata naming the JWT issuer, so OAuth clients find where to get a token.

    Served when `auth = "jwt"` with an `issuer` and a `public_url`; 401 answers then point at it.
    """
    jwt = settings.jwt
    if settings.auth != "jwt" or jwt is None or jwt.issuer is None or settings.public_url is None:
        return []
    return create_protected_resource_routes(
        resource_url=_resource_url(settings),
        authorization_servers=[AnyHttpUrl(jwt.issuer)],
        scopes_supported=sorted(p.name for p in service.app.providers),
        resource_name=service.app.settings.name,
    )


class HttpServer:
    """The ASGI app of one started Service, and what shutdown must close first."""

    def __init__(
        self, service: Service, settings: HttpSettings, checked: HttpPlan, verifier: TokenVerifier | None
    ) -> None:
        self.service = service
        self.manager = StreamableHTTPSessionManager(
            app=service.server,
            stateless=settings.stateless,
            # Plain JSON answers: the SDK client caps one SSE event at 1 MiB, which a big read
            # exceeds; this server sends no request-scoped progress or logs that SSE would carry.
            json_response=True,
            security_settings=TransportSecuritySettings(
                enable_dns_rebinding_protection=True,
                allowed_hosts=checked.allowed_hosts,
                allowed_origins=checked.allowed_origins,
            ),
            session_idle_timeout=settings.session_idle_timeout,
            max_sessions=settings.max_sessions,
        )
        # The session manager is the endpoint itself: an ASGI app, not a request handler.
        endpoint: Any = self.manager.handle_request
        self.rate_limit = RateLimit(endpoint, settings.rate_limit.per_second, settings.rate_limit.burst)
        self.metrics = Metrics(service.app, service.notifier, self._sessions)
        guarded: Any = self.rate_limit
        middleware: list[Middleware] = []
        if settings.cors_origins:
            middleware.append(
                Middleware(
                    CORSMiddleware,
                    allow_origins=settings.cors_origins,
                    allow_methods=["GET", "POST", "DELETE"],
                    allow_headers=["authorization", "content-type", "mcp-session-id", "mcp-protocol-version"],
                    expose_headers=["mcp-session-id"],
                )
            )
        discovery = _discovery_routes(settings, service)
        if verifier is not None:
            middleware += [
                Middleware(AuthenticationMiddleware, backend=BearerAuthBackend(verifier)),
                Middleware(AuthContextMiddleware),
            ]
            metadata = build_resource_metadata_url(_resource_url(settings)) if discovery else None
            guarded = RequireAuthMiddleware(guarded, [], metadata)
        routes = [
            *discovery,
            Route("/mcp", endpoint=guarded),
            health_route(service.app),
            metrics_route(self.metrics, protected=verifier is not None),
        ]
        app = Starlette(routes=routes, middleware=middleware, lifespan=self._lifespan)
        self.asgi = FrontDoor(app)
        self.metrics.front_door, self.metrics.rate_limit = self.asgi, self.rate_limit

    def _transports(self) -> dict[str, Any]:
        # The SDK (2.3) keeps its sessions in a private dict, with no public way to count
        # them or to end them before its own shutdown (which comes only after uvicorn has
        # waited for every connection to finish): the one place this module reaches in.
        return dict(getattr(self.manager, "_server_instances", {}))

    def _sessions(self) -> int:
        return len(self._transports())

    @asynccontextmanager
    async def _lifespan(self, app: Starlette) -> Any:
        async with self.manager.run():
            yield

    async def close_streams(self) -> None:
        """End every listen stream and every handshake session (first step of a shutdown)."""
        self.service.notifier.close()
        for transport in self._transports().values():
            await transport.terminate()


class _Uvicorn(uvicorn.Server):
    """uvicorn, closing long-lived streams before it waits for connections to finish."""

    def __init__(self, config: uvicorn.Config, http: HttpServer, ready_message: str) -> None:
        super().__init__(config)
        self.http = http
        self.ready_message = ready_message

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn's own version raises the signal again once it has stopped, which
        # would kill the process before watchers stop, providers close and the
        # audit log is closed; here SIGTERM/SIGINT only start the shutdown.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            log.info("%s", self.ready_message)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        log.info("shutting down: ending open streams, then draining requests")
        await self.http.close_streams()
        await super().shutdown(sockets)


async def serve_http(
    app: App,
    settings: HttpSettings,
    sockets: Sequence[socket.socket],
    *,
    source: Path,
    audit: AuditLog | None = None,
) -> None:
    """Serve `app` over Streamable HTTP on already-bound `sockets` until SIGTERM/SIGINT."""
    host, port = sockets[0].getsockname()[:2]
    checked = plan(settings, host, port, source)
    verifier = verifier_for(settings, source)  # reads token files and keys: fail before starting anything
    observer = Observer(audit)
    async with running(app, observer=observer, handshake_subscriptions=not settings.stateless) as service:
        tune_for_serving()  # as over stdio: the collector back on, start-up objects frozen
        http = HttpServer(service, settings, checked, verifier)
        observer.observer = http.metrics
        config = uvicorn.Config(
            http.asgi,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=int(settings.shutdown_timeout),
            lifespan="on",
        )
        where = checked.allowed_hosts[0] if checked.allowed_hosts else f"{host}:{port}"
        ready = (
            f"serving {len(app.providers)} provider(s) on http://{where}/mcp "
            f"(auth: {settings.auth}{', stateless' if settings.stateless else ''})"
        )
        await _Uvicorn(config, http, ready).serve(sockets=list(sockets))
    log.info("stopped")
