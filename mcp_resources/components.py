"""The component contract: what a plugin implements and what the App calls.

A plugin registers component *classes* (`ResourceProvider`, `Notifier`
subclasses) from a hook at start-up. The config file makes *instances* of
them, one per `[providers.NAME]` or `[notifiers.NAME]` table, validated by the
class's own `config_model`. The request path then calls the instance's async
methods directly, so a slow or broken provider only affects its own requests.

The value types here are small frozen dataclasses rather than the SDK's wire
models: the plugin API stays stable across SDK versions and the request path
builds no pydantic model per item.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import anyio
import anyio.to_thread
from anyio import TASK_STATUS_IGNORED
from anyio.abc import TaskStatus
from pydantic import BaseModel, ConfigDict

__all__ = [
    "BlobContent",
    "ChangeEvent",
    "Completion",
    "ComponentConfig",
    "Contents",
    "Notifier",
    "NotifierConfig",
    "PromptsListChanged",
    "ProviderConfig",
    "Publish",
    "Resource",
    "ResourcePage",
    "ResourceProvider",
    "ResourceTemplate",
    "ResourceUpdated",
    "ResourcesListChanged",
    "TextContent",
]


# --- values -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resource:
    """One entry of `resources/list`.

    `last_modified` is an ISO 8601 timestamp; `size` is in bytes. `meta` ends
    up in the resource's `_meta` on the wire.
    """

    uri: str
    name: str
    title: str | None = None
    description: str | None = None
    mime_type: str | None = None
    size: int | None = None
    last_modified: str | None = None
    meta: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ResourcePage:
    """One page of a provider's listing and the cursor of the next page.

    `next_cursor` is `None` on the last page. Cursors are the provider's own
    opaque strings; the App wraps them into its global cursor.
    """

    resources: Sequence[Resource]
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceTemplate:
    """An RFC 6570 URI template the provider can read (`resources/templates/list`)."""

    uri_template: str
    name: str
    title: str | None = None
    description: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class TextContent:
    """Text contents of a read. `meta` carries size, lastModified, window info..."""

    uri: str
    text: str
    mime_type: str | None = None
    meta: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class BlobContent:
    """Binary contents of a read; the server base64-encodes `data` on the wire."""

    uri: str
    data: bytes
    mime_type: str | None = None
    meta: Mapping[str, Any] | None = None


Contents = TextContent | BlobContent


@dataclass(frozen=True, slots=True)
class Completion:
    """Completion values for one template argument (at most 100 are sent)."""

    values: Sequence[str] = ()
    total: int | None = None
    has_more: bool = False


# --- change events ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceUpdated:
    """The contents behind `uri` changed; subscribers of that exact URI are told."""

    uri: str


@dataclass(frozen=True, slots=True)
class ResourcesListChanged:
    """Resources appeared or disappeared: every client's listing is stale."""


@dataclass(frozen=True, slots=True)
class PromptsListChanged:
    """Prompts appeared, disappeared or changed."""


ChangeEvent = ResourceUpdated | ResourcesListChanged | PromptsListChanged
Publish = Callable[[ChangeEvent], Awaitable[None]]
"""What `watch()`/`run()` receive: `await publish(ResourceUpdated(uri))`."""


# --- configuration ----------------------------------------------------------


class ComponentConfig(BaseModel):
    """Base of every component's config table. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    """The registered type name (`type = "filesystem"`)."""


class ProviderConfig(ComponentConfig):
    """Keys every `[providers.NAME]` table accepts."""

    prefix: str | None = None
    """URI prefix this provider owns; defaults to `NAME://`."""


class NotifierConfig(ComponentConfig):
    """Keys every `[notifiers.NAME]` table accepts."""


ProviderConfigT = TypeVar("ProviderConfigT", bound=ProviderConfig)
NotifierConfigT = TypeVar("NotifierConfigT", bound=NotifierConfig)
_T = TypeVar("_T")


# --- components -------------------------------------------------------------


class ResourceProvider(ABC, Generic[ProviderConfigT]):
    """A source of resources: one instance per `[providers.NAME]` table.

    Subclasses set `type_name` (the `type = ...` value in config) and
    `config_model` (a `ProviderConfig` subclass validating the table). The App
    owns the instance's life: `start()`, requests, `watch()`, `aclose()`.

    Every method may raise `mcp_resources.errors.ClientError` subclasses for
    bad input; anything else is reported to the client as an internal error
    and logged with its traceback.
    """

    type_name: ClassVar[str]
    config_model: ClassVar[type[ProviderConfig]] = ProviderConfig
    worker_threads: ClassVar[int] = 4
    """How many of this provider's `run_sync` calls run at once."""

    def __init__(self, name: str, config: ProviderConfigT, prefix: str) -> None:
        self.name = name
        self.config = config
        self.prefix = prefix
        self._workers = anyio.CapacityLimiter(self.worker_threads)

    async def run_sync(self, func: Callable[..., _T], *args: Any) -> _T:
        """Run blocking work (disk, parsing) in a worker thread.

        Each provider has its own `worker_threads` slots, so a hung disk behind
        one provider stalls neither the event loop nor the other providers.
        """
        return await anyio.to_thread.run_sync(functools.partial(func, *args), limiter=self._workers)

    async def start(self) -> None:
        """Acquire what the provider needs (open the root, connect). Called once."""

    def started(self, value: _T | None) -> _T:
        """`value`, set by `start()`; a clear error if the provider is used before it."""
        if value is None:
            raise RuntimeError(f"provider {self.name!r} is not started")
        return value

    @abstractmethod
    async def list_resources(self, cursor: str | None, limit: int) -> ResourcePage:
        """Return at most `limit` resources after `cursor` (keyset order).

        The work done must be proportional to the page, not to the whole
        catalogue, and the order must stay stable when items are added or
        removed. A cursor the provider did not issue raises `InvalidRequest`.
        """

    async def list_templates(self) -> Sequence[ResourceTemplate]:
        """Return the URI templates this provider can read."""
        return ()

    @abstractmethod
    async def read(self, uri: str) -> Sequence[Contents]:
        """Read `uri` (which starts with `self.prefix`).

        Contents are bounded: something larger than the provider's limit comes
        back as a window plus the URI of the next window, never silently cut.
        """

    async def complete(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Completion:
        """Complete `argument` of `template` given the partial `value`.

        `context` holds the values of the template's other arguments that the
        client already chose.
        """
        return Completion()

    async def check(self, uri: str) -> str:
        """Raise as `read(uri)` would if `uri` cannot be read; return its canonical URI.

        Used to validate subscriptions. The canonical URI is the one `watch()`
        publishes events under (no window parameters, one spelling). The default
        reads the resource and returns `uri`; override it with something cheaper.
        """
        await self.read(uri)
        return uri

    @property
    def watches(self) -> bool:
        """Whether `watch()` publishes events; subscriptions to a provider that does not are refused."""
        return type(self).watch is not ResourceProvider.watch

    async def watch(self, publish: Publish, *, task_status: TaskStatus[None] = TASK_STATUS_IGNORED) -> None:
        """Run until cancelled, publishing change events for this provider's URIs.

        Call `task_status.started()` once changes are being observed: the server
        answers its first request only after every watcher has started (or
        failed), so a client never misses a change made right after connecting.
        If this raises, the App logs it and calls it again after a backoff.
        The default publishes nothing: such a provider accepts no subscriptions.
        """

    async def aclose(self) -> None:
        """Release files, connections and watchers. Called once, at shutdown."""


class Notifier(ABC, Generic[NotifierConfigT]):
    """A source of change events with no resources of its own (`[notifiers.NAME]`)."""

    type_name: ClassVar[str]
    config_model: ClassVar[type[NotifierConfig]] = NotifierConfig

    def __init__(self, name: str, config: NotifierConfigT) -> None:
        self.name = name
        self.config = config

    @abstractmethod
    async def run(self, publish: Publish, *, task_status: TaskStatus[None] = TASK_STATUS_IGNORED) -> None:
        """Run until cancelled, publishing change events.

        Call `task_status.started()` once running. If this raises, the App logs
        it and calls it again after a backoff.
        """

    async def aclose(self) -> None:
        """Release what `run()` acquired."""
