"""`/healthz` (open: liveness and each provider's state) and `/metrics` (Prometheus, behind auth)."""

from __future__ import annotations

from typing import Any

from mcp.server.auth.middleware.bearer_auth import RequireAuthMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response

from mcp_resources import __version__
from mcp_resources.app import App
from mcp_resources.http.metrics import CONTENT_TYPE_LATEST, Metrics

__all__ = ["health_route", "metrics_route"]


def health_route(app: App) -> Route:
    """GET /healthz: 200 while serving; each provider's type and whether its watcher runs.

    No error texts (they may hold host paths): the log has them.
    """

    async def healthz(request: Request) -> Response:
        providers: dict[str, dict[str, Any]] = {}
        degraded = False
        for provider in app.providers:
            entry: dict[str, Any] = {"type": provider.type_name, "status": "ok"}
            state = app.watchers.get(f"providers.{provider.name}")
            if state is not None:
                entry["watcher"] = {"running": state.running, "restarts": state.restarts}
                if not state.running:
                    entry["status"] = "degraded"
                    degraded = True
            providers[provider.name] = entry
        body = {"status": "degraded" if degraded else "ok", "version": __version__, "providers": providers}
        return JSONResponse(body)

    return Route("/healthz", healthz, methods=["GET"])


def metrics_route(metrics: Metrics, *, protected: bool) -> Route:
    """GET /metrics in the Prometheus text format (needs a valid token when auth is on)."""

    async def endpoint(request: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    if not protected:
        return Route("/metrics", endpoint, methods=["GET"])
    guarded: Any = RequireAuthMiddleware(request_response(endpoint), [])
    return Route("/metrics", guarded, methods=["GET"])
