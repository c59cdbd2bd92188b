"""`RootedProvider`: the part of a provider that serves files under one root folder.

The filesystem and logs providers both open their root as a `Sandbox` at
start-up, hand it out after that and close it on shutdown; this is that part,
written once.
"""

from __future__ import annotations

from mcp_resources.builtins.filesystem.sandbox import Sandbox
from mcp_resources.components import ProviderConfigT, ResourceProvider

__all__ = ["RootedProvider"]


class RootedProvider(ResourceProvider[ProviderConfigT]):
    """A provider whose `start()` opens `_sandbox`; closes it and guards access to it."""

    _sandbox: Sandbox | None = None

    @property
    def sandbox(self) -> Sandbox:
        """The open root (after `start()`)."""
        return self.started(self._sandbox)

    async def aclose(self) -> None:
        """Close the root descriptor."""
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
