"""`/metrics`: Prometheus counters for requests, bytes, sessions, subscriptions and watchers.

Request counts and latencies are recorded as requests finish (`Metrics` is the
server's `RequestObserver`); everything else is read from the live objects at
scrape time, so nothing has to be kept in step. Each server has its own
registry: nothing is global.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mcp_resources.app import App
from mcp_resources.http.guard import FrontDoor, RateLimit
from mcp_resources.notify import ChangeNotifier

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class _Live(Collector):
    """Gauges and counters read from the running server at each scrape."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        m = self.metrics
        yield GaugeMetricFamily(
            "mcp_resources_sessions", "Open handshake-era HTTP sessions.", value=m.sessions()
        )
        yield GaugeMetricFamily(
            "mcp_resources_subscriptions",
            "Handshake-era resource subscriptions held.",
            value=m.notifier.subscription_count(),
        )
        yield GaugeMetricFamily(
            "mcp_resources_listen_streams",
            "Open 2026-07-28 subscriptions/listen streams.",
            value=m.notifier.stream_count(),
        )
        sent = CounterMetricFamily(
            "mcp_resources_notifications_sent", "Change notifications sent.", labels=["era"]
        )
        for era in ("handshake", "listen"):
            sent.add_metric([era], m.notifier.sent[era])
        yield sent
        restarts = CounterMetricFamily(
            "mcp_resources_watcher_restarts", "Times a watcher failed and was restarted.", labels=["watcher"]
        )
        up = GaugeMetricFamily("mcp_resources_watcher_up", "1 while a watcher runs.", labels=["watcher"])
        for name, state in m.app.watchers.items():
            restarts.add_metric([name], state.restarts)
            up.add_metric([name], 1 if state.running else 0)
        yield restarts
        yield up
        statuses = CounterMetricFamily(
            "mcp_resources_http_responses", "HTTP responses by status code.", labels=["status"]
        )
        for status, count in sorted(m.front_door.statuses.items() if m.front_door else ()):
            statuses.add_metric([str(status)], count)
        yield statuses
        yield CounterMetricFamily(
            "mcp_resources_rate_limited",
            "Requests refused by the rate limit.",
            value=m.rate_limit.refused if m.rate_limit else 0,
        )


class Metrics:
    """The server's metrics registry; `observe` is called once per finished MCP request."""

    def __init__(self, app: App, notifier: ChangeNotifier, sessions: Callable[[], int]) -> None:
        self.app = app
        self.notifier = notifier
        self.sessions = sessions
        self.front_door: FrontDoor | None = None
        self.rate_limit: RateLimit | None = None
        self.registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "mcp_resources_requests",
            "MCP requests by method and outcome.",
            ["method", "outcome"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "mcp_resources_request_duration_seconds",
            "Time to answer an MCP request (listen streams: how long they stayed open).",
            ["method"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._bytes = Counter(
            "mcp_resources_read_bytes", "Bytes of resource contents returned.", registry=self.registry
        )
        self.registry.register(_Live(self))

    def observe(self, method: str, outcome: str, seconds: float, nbytes: int) -> None:
        """Count one finished request."""
        self._requests.labels(method, outcome).inc()
        self._latency.labels(method).observe(seconds)
        if nbytes:
            self._bytes.inc(nbytes)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
