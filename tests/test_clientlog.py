"""Client-facing log messages: handshake-era `logging/setLevel` and what reaches the client."""

from __future__ import annotations

from pathlib import Path

import mcp_types as types
import pytest
from conftest import TEST_PLUGINS
from mcp import MCPDeprecationWarning, MCPError

from mcp_resources.testing import Notifications, connect, serve_toml

pytestmark = pytest.mark.anyio


def _config(root: Path) -> str:
    return (
        f'[plugins]\ndirs = ["{TEST_PLUGINS}"]\n[prompts]\nlibrary = false\n'
        f'[providers.bad]\ntype = "broken"\n[providers.docs]\ntype = "filesystem"\nroot = "{root}"\n'
    )


def _logs(notes: Notifications) -> list[types.LoggingMessageNotificationParams]:
    return [m.params for m in notes.received if isinstance(m, types.LoggingMessageNotification)]


async def test_a_failing_provider_is_reported_to_the_client_without_details(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    notes = Notifications()
    async with (
        serve_toml(_config(tmp_path / "docs"), tmp_path) as service,
        connect(service, mode="legacy", message_handler=notes) as client,
    ):
        assert client.server_capabilities.logging is not None
        with pytest.raises(MCPError):
            await client.read_resource("bad://x")
        message = await notes.wait_for(lambda m: isinstance(m, types.LoggingMessageNotification))
        assert isinstance(message, types.LoggingMessageNotification)
        assert message.params.level == "error"
        assert message.params.data == "provider 'bad': read failed"
        assert message.params.logger == "mcp_resources.app"
        # The exception's text (a password and a host path) stays in the server log.
        assert "hunter2" not in str(notes.received)
        assert "/home/alice" not in str(notes.received)

        # Above the chosen level only: "critical" silences errors.
        with pytest.warns(MCPDeprecationWarning):  # logging is gone at 2026-07-28; not here
            await client.set_logging_level("critical")
        count = len(_logs(notes))
        with pytest.raises(MCPError):
            await client.read_resource("bad://y")
        with pytest.warns(MCPDeprecationWarning):  # a round trip: any log sent meanwhile has arrived
            await client.set_logging_level("error")
        assert len(_logs(notes)) == count


async def test_modern_clients_are_not_offered_logging(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    async with serve_toml(_config(tmp_path / "docs"), tmp_path) as service, connect(service) as client:
        assert client.protocol_version == "2026-07-28"
        assert client.server_capabilities.logging is None
