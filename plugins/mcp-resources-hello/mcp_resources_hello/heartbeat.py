"""The `heartbeat` notifier: tells subscribers to re-read some URIs every few seconds.

A notifier has no resources of its own; it only publishes change events. This
one suits resources whose changes nothing can observe (a query over a remote
database, a page computed from the clock):

    [notifiers.refresh]
    type = "heartbeat"
    uris = ["hello://world"]
    seconds = 60
"""

from __future__ import annotations

import anyio
from anyio import TASK_STATUS_IGNORED
from anyio.abc import TaskStatus
from pydantic import Field

from mcp_resources import Notifier, NotifierConfig, Publish, ResourceUpdated

__all__ = ["HeartbeatConfig", "HeartbeatNotifier"]


class HeartbeatConfig(NotifierConfig):
    """The keys of a `[notifiers.NAME]` table with `type = "heartbeat"`."""

    uris: list[str] = Field(min_length=1)
    """The URIs announced as updated on every beat (subscribers of exactly these URIs hear it)."""
    seconds: float = Field(60.0, ge=0.01, le=86_400)
    """Time between beats."""


class HeartbeatNotifier(Notifier[HeartbeatConfig]):
    """Publishes `ResourceUpdated` for each configured URI every `seconds`."""

    type_name = "heartbeat"
    config_model = HeartbeatConfig

    async def run(self, publish: Publish, *, task_status: TaskStatus[None] = TASK_STATUS_IGNORED) -> None:
        """Beat until cancelled. Started at once: there is nothing to set up before the first beat."""
        task_status.started()
        while True:
            await anyio.sleep(self.config.seconds)
            for uri in self.config.uris:
                await publish(ResourceUpdated(uri))
