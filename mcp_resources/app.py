"""The App: routes requests to providers by URI prefix, prompts to the registry; the error policy.

The App does no I/O of its own. It owns the provider and notifier instances
made from the config, merges their listings into one paginated catalogue with
an opaque cursor, and isolates them from each other: a provider that raises
or hangs fails only the request it was serving (listing skips it and logs),
and what reaches the server layer is either a result, a `ClientError` meant
for the client, or an `InternalError` with a generic message. The catalogue
walk is in `catalogue` and the error policy in `isolation`; the App applies them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anyio
from anyio import TASK_STATUS_IGNORED
from anyio.abc import TaskStatus

from mcp_resources.access import current_access
from mcp_resources.catalogue import complete_uris, list_page
from mcp_resources.clientlog import FOR_CLIENTS
from mcp_resources.components import (
    BlobContent,
    Completion,
    Contents,
    Notifier,
    Publish,
    ResourcePage,
    ResourceProvider,
    ResourceTemplate,
    TextContent,
)
from mcp_resources.config import ServerSettings
from mcp_resources.errors import (
    AccessDenied,
    ConfigError,
    InternalError,
    InvalidRequest,
    ResourceNotFound,
)
from mcp_resources.isolation import guarded, own_events
from mcp_resources.watchers import START_TIMEOUT_S, Runner, WatcherState, supervise

if TYPE_CHECKING:  # the prompt machinery is imported only when a config has prompts
    from mcp_resources.prompts.messages import PromptMessage
    from mcp_resources.prompts.registry import Prompt, PromptRegistry

__all__ = ["PROVIDER_META", "UNTRUSTED_META", "App"]

PROVIDER_META = "mcp-resources/provider"
"""`_meta` key naming the provider a content came from."""
UNTRUSTED_META = "mcp-resources/untrusted"
"""`_meta` key marking content as untrusted data (it may contain text that looks like instructions)."""

log = logging.getLogger(__name__)


class App:
    """The providers and notifiers of one config, behind one routing table."""

    def __init__(
        self,
        providers: Sequence[ResourceProvider[Any]],
        notifiers: Sequence[Notifier[Any]] = (),
        settings: ServerSettings | None = None,
        source: str = "",
        prompts: PromptRegistry | None = None,
    ) -> None:
        self.settings = settings or ServerSettings()
        self.source = source
        """Where the configuration came from (named in start-up errors)."""
        self.providers = list(providers)
        self.notifiers = list(notifiers)
        self.prompts = prompts
        """The prompt registry (None when no prompt source is configured)."""
        # Longest prefix first, so routing never depends on config order.
        self._routes = sorted(self.providers, key=lambda p: len(p.prefix), reverse=True)
        self._started: list[ResourceProvider[Any]] = []
        self.watchers: dict[str, WatcherState] = {}
        """State of every supervised watcher, by config key (`providers.docs`)."""

    # --- life cycle -----------------------------------------------------------

    async def start(self) -> None:
        """Start every provider; on failure, close those already started and raise `ConfigError`."""
        if self.prompts is not None:
            await self.prompts.start()
        for provider in self.providers:
            try:
                await provider.start()
            except Exception as exc:
                with anyio.CancelScope(shield=True):
                    try:
                        await provider.aclose()  # release what it opened before failing
                    except Exception:
                        log.exception("closing %r after a failed start failed", provider.name)
                await self.aclose()
                detail = " ".join(str(exc).split()) or type(exc).__name__
                where = f"{self.source}: " if self.source else ""
                raise ConfigError([f"{where}providers.{provider.name}: cannot start: {detail}"]) from exc
            except BaseException:
                await self.aclose()
                raise
            self._started.append(provider)

    async def aclose(self) -> None:
        """Close every started provider and every notifier, logging (not raising) failures."""
        components: list[ResourceProvider[Any] | Notifier[Any]] = [*reversed(self._started), *self.notifiers]
        self._started = []
        if self.prompts is not None:
            await self.prompts.aclose()
        for component in components:
            with anyio.CancelScope(shield=True):
                try:
                    await component.aclose()
                except Exception:
                    log.exception("closing %r failed", component.name)

    async def __aenter__(self) -> App:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- change notifications -----------------------------------------------------

    @property
    def watching(self) -> bool:
        """Whether any provider or notifier can publish change events."""
        prompts = self.prompts is not None and self.prompts.watches
        return prompts or bool(self.notifiers) or any(p.watches for p in self.providers)

    async def run_watchers(
        self, publish: Publish, *, task_status: TaskStatus[None] = TASK_STATUS_IGNORED
    ) -> None:
        """Supervise every watcher until cancelled; started once they all are (or 10 s passed)."""
        runs: list[tuple[str, Runner, Publish]] = [
            (f"providers.{p.name}", p.watch, own_events(p, publish)) for p in self.providers if p.watches
        ]
        runs += [(f"notifiers.{n.name}", n.run, publish) for n in self.notifiers]
        if self.prompts is not None and self.prompts.watches:
            runs.append(("prompts", self.prompts.watch, publish))
        async with anyio.create_task_group() as tg:
            readies = []
            for name, run, scoped in runs:
                state = self.watchers[name] = WatcherState(name)
                readies.append(ready := anyio.Event())
                tg.start_soon(supervise, state, run, scoped, ready)
            with anyio.move_on_after(START_TIMEOUT_S) as waited:
                for ready in readies:
                    await ready.wait()
            if waited.cancelled_caught:
                late = [name for name, state in self.watchers.items() if not state.running]
                log.warning(
                    "watchers not started after %ss: %s", START_TIMEOUT_S, ", ".join(late), extra=FOR_CLIENTS
                )
            task_status.started()

    async def check_subscription(self, uri: str) -> str:
        """Validate a subscription to `uri` as a read; return the URI its events carry."""
        provider = self.provider_for(uri)
        if not provider.watches and not self.notifiers:
            raise InvalidRequest("This resource's provider sends no change notifications", uri=uri)
        return await guarded(
            provider, provider.check(uri), "subscription check", self.settings.request_timeout, uri=uri
        )

    # --- routing --------------------------------------------------------------

    def provider_for(self, uri: str) -> ResourceProvider[Any]:
        """The provider owning `uri`: `ResourceNotFound`, or `AccessDenied` outside the caller's scopes."""
        for provider in self._routes:
            if uri.startswith(provider.prefix):
                if not current_access().allows(provider.name):
                    raise AccessDenied(
                        uri, f"Not authorised: your token's scopes do not include provider {provider.name!r}"
                    )
                return provider
        raise ResourceNotFound(uri)

    def visible_providers(self) -> list[ResourceProvider[Any]]:
        """The providers the caller may use, in config order."""
        access = current_access()
        return [p for p in self.providers if access.allows(p.name)]

    # --- requests -------------------------------------------------------------

    async def list_resources(self, cursor: str | None = None) -> ResourcePage:
        """One page of the merged catalogue: providers in config order, each in its own order."""
        return await list_page(
            self.visible_providers(), cursor, self.settings.page_size, self.settings.request_timeout
        )

    async def list_templates(self) -> list[ResourceTemplate]:
        """Every provider's templates (a failing provider is skipped and logged)."""
        templates: list[ResourceTemplate] = []
        for provider in self.visible_providers():
            try:
                templates.extend(
                    await guarded(
                        provider, provider.list_templates(), "templates", self.settings.request_timeout
                    )
                )
            except InternalError:
                continue
        return templates

    async def read(self, uri: str) -> Sequence[Contents]:
        """Read `uri` through the provider owning its prefix.

        Every content is stamped with its provenance and marked untrusted (X-3):
        it is data from disk or a database, never instructions for the model.
        """
        provider = self.provider_for(uri)
        contents = await guarded(provider, provider.read(uri), "read", self.settings.request_timeout, uri=uri)
        stamp = {PROVIDER_META: provider.name, UNTRUSTED_META: True}
        return [
            TextContent(c.uri, c.text, c.mime_type, {**c.meta, **stamp} if c.meta else stamp)
            if isinstance(c, TextContent)
            else BlobContent(c.uri, c.data, c.mime_type, {**c.meta, **stamp} if c.meta else stamp)
            for c in contents
        ]

    async def complete(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Completion:
        """Complete a template argument through the provider owning the template's prefix."""
        try:
            provider = self.provider_for(template)
        except ResourceNotFound:
            raise InvalidRequest("Unknown resource template", uri=template) from None
        return await guarded(
            provider,
            provider.complete(template, argument, value, context),
            "completion",
            self.settings.request_timeout,
            uri=template,
        )

    # --- prompts ----------------------------------------------------------------

    def _registry(self, name: str) -> PromptRegistry:
        if self.prompts is None:
            raise InvalidRequest(f"Unknown prompt {name!r}", prompt=name)
        return self.prompts

    async def list_prompts(self, cursor: str | None = None) -> tuple[Sequence[Prompt], str | None]:
        """One page of prompts in name order, and the cursor of the next."""
        if self.prompts is None:
            return [], None
        return await self.prompts.page(cursor, self.settings.page_size)

    async def get_prompt(
        self, name: str, arguments: Mapping[str, str] | None
    ) -> tuple[Prompt, list[PromptMessage]]:
        """Render prompt `name`: that prompt, and its messages (resources read like `resources/read`)."""
        from mcp_resources.prompts.messages import build_messages

        registry = self._registry(name)
        rendered = await registry.render(name, arguments)
        max_embed = int(registry.settings.max_embed)
        return rendered.prompt, await build_messages(rendered, self.read, registry.diff, max_embed)

    async def complete_prompt(
        self, name: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Completion:
        """Complete a prompt argument: its declared values, catalogue URIs or a provider's template."""
        from mcp_resources.prompts.frontmatter import CompleteFromResources, CompleteFromTemplate

        spec = (await self._registry(name).get(name)).argument(argument)
        if spec.values is not None:
            values = [v for v in spec.values if v.startswith(value)]
            return Completion(values, len(values))
        if isinstance(spec.complete, CompleteFromTemplate):
            template, variable = spec.complete.template, spec.complete.variable or argument
            return await self.complete(template, variable, value, context)
        if isinstance(spec.complete, CompleteFromResources):
            return await complete_uris(
                self.visible_providers(), spec.complete, value, self.settings.request_timeout
            )
        return Completion()
