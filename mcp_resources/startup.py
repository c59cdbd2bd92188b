"""Start-up: config file + plugins -> an App, or one `ConfigError` listing every mistake."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_resources.app import App
from mcp_resources.builtins.library import LIBRARY_PLUGIN
from mcp_resources.components import Notifier, ResourceProvider
from mcp_resources.config import ComponentTable, Config, load_config, suggest, validate_component
from mcp_resources.errors import ConfigError
from mcp_resources.plugins import PluginSet, load_plugins
from mcp_resources.prompts.files import PromptFolder

if TYPE_CHECKING:  # the prompt machinery is imported only when a config has prompts
    from mcp_resources.prompts.registry import PromptRegistry

__all__ = ["Assembly", "assemble", "load"]

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
_PREFIX = re.compile(r"^[a-z][a-z0-9+.-]*://([^?#\s\\]*/)?$")


@dataclass(frozen=True)
class Assembly:
    """What start-up produced: the config, the loaded plugins and the App."""

    config: Config
    plugins: PluginSet
    app: App


def load(path: str | os.PathLike[str], *, entry_points: bool = True) -> Assembly:
    """Read the config at `path`, load its plugins and build the App (not started)."""
    config = load_config(path)
    return assemble(config, entry_points=entry_points)


def assemble(config: Config, plugins: PluginSet | None = None, *, entry_points: bool = True) -> Assembly:
    """Build the App for a validated config; raises `ConfigError` listing every problem."""
    problems = [
        f"{config.path}: {section}.dirs[{i}]: folder {str(folder)!r} does not exist; create it or remove it"
        for section, dirs in (("plugins", config.plugins.dirs), ("prompts", config.prompts.dirs))
        for i, folder in enumerate(dirs)
        if not folder.is_dir()
    ]
    if plugins is None:
        plugins = load_plugins(
            [d for d in config.plugins.dirs if d.is_dir()],
            config.plugins.disable,
            entry_points=entry_points,
            needed={table.type for table in config.providers},
        )
    providers: list[ResourceProvider[Any]] = []
    for table in config.providers:
        cls = _component_class(config, plugins, table, plugins.provider_types, problems)
        if cls is None:
            continue
        try:
            settings = validate_component(config, table, cls.config_model)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        prefix = settings.prefix or f"{table.name}://"
        if _prefix_problem(config, table, settings.prefix, problems):
            continue
        providers.append(cls(table.name, settings, prefix))
    _check_overlaps(config, providers, problems)

    notifiers: list[Notifier[Any]] = []
    for table in config.notifiers:
        notifier_cls = _component_class(config, plugins, table, plugins.notifier_types, problems)
        if notifier_cls is None:
            continue
        try:
            notifiers.append(
                notifier_cls(table.name, validate_component(config, table, notifier_cls.config_model))
            )
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    app = App(providers, notifiers, config.server, str(config.path), _prompts(config, plugins, entry_points))
    return Assembly(config, plugins, app)


def _prompts(config: Config, plugins: PluginSet, entry_points: bool) -> PromptRegistry | None:
    """The prompt registry: `[prompts] dirs`, then plugins' folders, then the library."""
    folders = [PromptFolder(str(folder), folder, watch=True) for folder in config.prompts.dirs]
    for plugin, source in plugins.prompt_sources():
        if plugin == LIBRARY_PLUGIN and not config.prompts.library:
            continue
        root = Path(source) if isinstance(source, os.PathLike) else source
        folders.append(PromptFolder("library" if plugin == LIBRARY_PLUGIN else f"plugin {plugin}", root))
    if not folders:
        return None
    from mcp_resources.prompts.registry import PromptRegistry

    # The worker renders in its own process: it loads the plugins again only if one customises Jinja,
    # and then only those (the others are blocked by name before import: loading the built-ins would
    # cost each new worker over a second, which its first job's time limit would have to absorb).
    options = None
    if preparers := {
        impl.plugin_name for impl in plugins.manager.hook.prepare_jinja2_environment.get_hookimpls()
    }:
        others = [info.name for info in plugins.plugins if info.name not in preparers]
        options = {
            "dirs": [str(d) for d in config.plugins.dirs],
            "disable": [*config.plugins.disable, *others],
            "entry_points": entry_points,
        }
    return PromptRegistry(folders, config.prompts, options)


def _component_class(
    config: Config, plugins: PluginSet, table: ComponentTable, registry: dict[str, Any], problems: list[str]
) -> Any:
    if table.type in registry:
        return registry[table.type]
    kind = "provider" if table.section == "providers" else "notifier"
    where = f"{config.path}: {table.key}.type"
    if table.type in plugins.conflicts:
        owners = plugins.conflicts[table.type]
        problems.append(
            f"{where}: type {table.type!r} is registered by several plugins ({', '.join(owners)}); "
            f'keep one with [plugins] disable = ["{owners[-1]}"]'
        )
        return None
    known = sorted({*registry, *(plugins.unloaded if kind == "provider" else ())})
    line = f"{where}: unknown {kind} type {table.type!r}{suggest(table.type, known)}"
    line += f" (available: {', '.join(known) or 'none'}; see `mcp-resources plugins`)"
    if plugins.failures:
        failed = "; ".join(f"{f.name}: {f.error}" for f in plugins.failures)
        line += f"; plugins that failed to load and may provide it: {failed}"
    problems.append(line)
    return None


def _prefix_problem(config: Config, table: ComponentTable, prefix: str | None, problems: list[str]) -> bool:
    where = f"{config.path}: {table.key}"
    if prefix is None and not _SCHEME.match(table.name):
        problems.append(
            f"{where}: the name {table.name!r} cannot be a URI scheme, so it cannot be the default prefix; "
            'rename the table (lowercase letters, digits, "+", ".", "-") or set prefix = "name://"'
        )
        return True
    if prefix is not None and not _PREFIX.match(prefix):
        problems.append(
            f"{where}.prefix: {prefix!r} is not a URI prefix; use a lowercase scheme and "
            'end with "://" or "/", like "docs://" or "docs://guides/"'
        )
        return True
    return False


def _check_overlaps(config: Config, providers: list[ResourceProvider[Any]], problems: list[str]) -> None:
    for i, first in enumerate(providers):
        for second in providers[i + 1 :]:
            if first.prefix.startswith(second.prefix) or second.prefix.startswith(first.prefix):
                problems.append(
                    f"{config.path}: providers.{second.name}.prefix: {second.prefix!r} overlaps "
                    f"{first.prefix!r} of providers.{first.name}; give each provider its own prefix"
                )
