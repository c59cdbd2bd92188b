"""The test helpers mcp-resources ships for plugin authors, as pytest fixtures."""

from __future__ import annotations

import pytest

pytest_plugins = ["mcp_resources.testing"]


@pytest.fixture
def anyio_backend() -> str:
    """mcp-resources runs on asyncio."""
    return "asyncio"
