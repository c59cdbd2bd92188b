"""The SDK's OpenTelemetry span per request: kept when a tracer is set up, dropped (a no-op) when not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mcp.server._otel import OpenTelemetryMiddleware

from mcp_resources.server import build_server, map_errors
from mcp_resources.testing import app_from_toml, connect

pytestmark = pytest.mark.anyio


async def test_without_a_tracer_requests_skip_the_no_op_span(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("alpha\n")
    async with app_from_toml('[providers.docs]\ntype = "filesystem"\nroot = "docs"\n', tmp_path) as app:
        middleware = build_server(app).middleware
        assert not any(isinstance(m, OpenTelemetryMiddleware) for m in middleware)
        assert middleware[-1] is map_errors
        async with connect(app) as client:
            assert (await client.read_resource("docs://a.txt")).contents[0].text == "alpha\n"


def test_with_a_tracer_set_up_requests_are_traced_as_the_sdk_does(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    code = (
        "import sys\nfrom pathlib import Path\nfrom opentelemetry import trace\n"
        "trace.set_tracer_provider(trace.NoOpTracerProvider())  # what opentelemetry-instrument does first\n"
        "from mcp_resources.server import build_server\nfrom mcp_resources.testing import assemble_toml\n"
        'app = assemble_toml(\'[providers.docs]\\ntype = "filesystem"\\nroot = "docs"\\n\', Path(sys.argv[1])).app\n'
        "print([getattr(m, '__name__', type(m).__name__) for m in build_server(app).middleware])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"['{OpenTelemetryMiddleware.__name__}', 'Observer', 'map_errors']"
