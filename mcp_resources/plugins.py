"""Plugin loading: one pluggy manager per App, never global, nothing on import.

Plugins come from three places, in this order:

1. the built-ins listed in `BUILTIN_PLUGINS`, loaded exactly like the others
   (but only when the config uses a type they provide);
2. installed distributions declaring the `mcp_resources` entry-point group;
3. one-off `*.py` files in the folders of `[plugins] dirs`.

Each load and each hook call is guarded and runs with stdout sent to stderr.
A plugin that fails is recorded in `PluginSet.failures` and skipped; the
config loader turns that into an error only when the config needs a type the
plugin would have provided.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.metadata
import importlib.util
import logging
import re
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from mcp_resources import hookspecs
from mcp_resources.components import Notifier, NotifierConfig, ProviderConfig, ResourceProvider
from mcp_resources.hookspecs import PROJECT_NAME, PromptSource

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginFailure",
    "PluginInfo",
    "PluginSet",
    "load_plugins",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = PROJECT_NAME

BUILTIN_PLUGINS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("filesystem", "mcp_resources.builtins.filesystem", ("filesystem",)),
    ("sqlite", "mcp_resources.builtins.sqlite", ("sqlite",)),
    ("logs", "mcp_resources.builtins.logs", ("logs",)),
    ("prompt-library", "mcp_resources.builtins.library", ()),
)
"""(plugin name, module, provider types) of every built-in plugin, registered like third-party ones.

A built-in whose provider types the config does not use is listed but not
imported (see `load_plugins(needed=...)`): sqlglot, aiosqlite and re2 would
cost start-up time and memory for nothing."""

_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")


@dataclass
class PluginInfo:
    """A plugin that loaded, and what it registered."""

    name: str
    source: str
    provider_types: list[str] = field(default_factory=list)
    notifier_types: list[str] = field(default_factory=list)
    prompt_sources: list[PromptSource] = field(default_factory=list)


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded or registered, with a one-line reason."""

    name: str
    source: str
    error: str


@dataclass
class PluginSet:
    """The plugins of one App and the component classes their hooks registered."""

    manager: pluggy.PluginManager
    plugins: list[PluginInfo] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)
    provider_types: dict[str, type[ResourceProvider[Any]]] = field(default_factory=dict)
    notifier_types: dict[str, type[Notifier[Any]]] = field(default_factory=dict)
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    """Type names registered by more than one plugin -> those plugins' names."""
    unloaded: dict[str, str] = field(default_factory=dict)
    """Provider types of built-ins left unimported because the config does not use them -> plugin name."""

    def origin(self, type_name: str) -> str | None:
        """Name of the plugin that registered a provider or notifier type."""
        for info in self.plugins:
            if type_name in info.provider_types or type_name in info.notifier_types:
                return info.name
        return None

    def prompt_sources(self) -> list[tuple[str, PromptSource]]:
        """(plugin name, folder) of every prompt folder plugins registered."""
        return [(info.name, src) for info in self.plugins for src in info.prompt_sources]

    def prepare_jinja2_environment(self, env: Any) -> None:
        """Let every plugin customise the prompt environment (guarded per plugin)."""
        for impl in self.manager.hook.prepare_jinja2_environment.get_hookimpls():
            try:
                with _stdout_to_stderr():
                    impl.function(env=env)
            except Exception as exc:
                log.error("plugin %r failed in prepare_jinja2_environment: %s", impl.plugin_name, exc)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    # On stdio, stdout is the protocol: a stray print() in a plugin would corrupt it.
    with contextlib.redirect_stdout(sys.stderr):
        yield


def _describe(exc: BaseException) -> str:
    """`Type: message` on one line (pluggy's messages span several)."""
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_component(cls: object, base: type, config_base: type) -> str:
    """Validate a registered class; return its type name or raise TypeError."""
    if not isinstance(cls, type) or not issubclass(cls, base):
        raise TypeError(f"register() expects a {base.__name__} subclass, got {cls!r}")
    type_name = getattr(cls, "type_name", None)
    if not isinstance(type_name, str) or not _TYPE_NAME.match(type_name):
        raise TypeError(
            f"{cls.__name__}.type_name must be a lowercase name like 'my-type', got {type_name!r}"
        )
    config_model = getattr(cls, "config_model", None)
    if not isinstance(config_model, type) or not issubclass(config_model, config_base):
        raise TypeError(f"{cls.__name__}.config_model must subclass {config_base.__name__}")
    return type_name


class _Loader:
    def __init__(self, disable: Collection[str]) -> None:
        self.disable = set(disable)
        manager = pluggy.PluginManager(PROJECT_NAME)
        manager.add_hookspecs(hookspecs)
        self.result = PluginSet(manager=manager)

    def add(self, name: str, source: str, load: Callable[[], object]) -> None:
        """Load one plugin, register it and run its registration hooks."""
        if name in self.disable:
            log.info("plugin %r is disabled by [plugins] disable", name)
            return
        manager = self.result.manager
        if manager.has_plugin(name):
            self._fail(name, source, f"another plugin is already named {name!r}")
            return
        try:
            with _stdout_to_stderr():
                plugin = load()
            manager.register(plugin, name=name)
        except (Exception, SystemExit) as exc:  # a plugin calling sys.exit() must not end the server
            self._fail(name, source, _describe(exc))
            return
        try:
            manager.check_pending()
            info, providers, notifiers = self._run_registration_hooks(name, source)
        except (Exception, SystemExit) as exc:
            manager.unregister(name=name)
            self._fail(name, source, _describe(exc))
            return
        self._commit(info, providers, notifiers)

    def add_unloaded(self, name: str, provider_types: tuple[str, ...]) -> None:
        """List a built-in plugin, and the types it provides, without importing it."""
        if name not in self.disable:
            self.result.plugins.append(PluginInfo(name, "built-in", list(provider_types)))
            self.result.unloaded.update(dict.fromkeys(provider_types, name))

    def _fail(self, name: str, source: str, error: str) -> None:
        log.error("plugin %r (%s) failed to load: %s", name, source, error)
        self.result.failures.append(PluginFailure(name, source, error))

    def _run_registration_hooks(
        self, name: str, source: str
    ) -> tuple[PluginInfo, dict[str, type[ResourceProvider[Any]]], dict[str, type[Notifier[Any]]]]:
        info = PluginInfo(name, source)
        providers: dict[str, type[ResourceProvider[Any]]] = {}
        notifiers: dict[str, type[Notifier[Any]]] = {}

        def register_provider(cls: type[ResourceProvider[Any]]) -> None:
            providers[_check_component(cls, ResourceProvider, ProviderConfig)] = cls

        def register_notifier(cls: type[Notifier[Any]]) -> None:
            notifiers[_check_component(cls, Notifier, NotifierConfig)] = cls

        def register_prompts(src: PromptSource) -> None:
            info.prompt_sources.append(src)

        hook = self.result.manager.hook
        for hook_caller, register in (
            (hook.register_providers, register_provider),
            (hook.register_notifiers, register_notifier),
            (hook.register_prompt_loaders, register_prompts),
        ):
            for impl in hook_caller.get_hookimpls():
                if impl.plugin_name == name:
                    with _stdout_to_stderr():
                        impl.function(**({"register": register} if impl.argnames else {}))
        info.provider_types = sorted(providers)
        info.notifier_types = sorted(notifiers)
        return info, providers, notifiers

    def _commit(
        self,
        info: PluginInfo,
        providers: dict[str, type[ResourceProvider[Any]]],
        notifiers: dict[str, type[Notifier[Any]]],
    ) -> None:
        registries: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = (
            (self.result.provider_types, providers),
            (self.result.notifier_types, notifiers),
        )
        for registry, new in registries:
            for type_name, cls in new.items():
                if type_name in registry or type_name in self.result.conflicts:
                    owners = self.result.conflicts.setdefault(
                        type_name, [self.result.origin(type_name) or "?"]
                    )
                    owners.append(info.name)
                    registry.pop(type_name, None)
                    log.error("type %r is registered by several plugins: %s", type_name, ", ".join(owners))
                else:
                    registry[type_name] = cls
        self.result.plugins.append(info)


def _import_file(path: Path) -> ModuleType:
    module_name = f"mcp_resources_local_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path.name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def load_plugins(
    dirs: Sequence[Path] = (),
    disable: Collection[str] = (),
    *,
    entry_points: bool = True,
    needed: Collection[str] | None = None,
) -> PluginSet:
    """Load built-in, installed and one-off plugins into a fresh `PluginSet`.

    `disable` blocks plugins by name (built-ins included) before they are
    imported. `entry_points=False` skips installed plugins (used by tests).
    With `needed` (the provider types a config uses), a built-in providing
    none of them is listed in `plugins` and `unloaded` but not imported.
    """
    loader = _Loader(disable)
    for name, module, provider_types in BUILTIN_PLUGINS:
        if needed is not None and provider_types and not set(provider_types) & set(needed):
            loader.add_unloaded(name, provider_types)
            continue
        loader.add(name, "built-in", functools.partial(importlib.import_module, module))
    if entry_points:
        found = sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
        for ep in found:
            dist = ep.dist
            source = f"{dist.name} {dist.version}" if dist else f"entry point {ep.value}"
            loader.add(ep.name, source, ep.load)
    for folder in dirs:
        for path in sorted(folder.glob("*.py")):
            if not path.name.startswith("_"):
                loader.add(path.stem, f"file {path.name}", functools.partial(_import_file, path))
    return loader.result
