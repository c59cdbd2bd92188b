"""Reading `mcp-resources.toml`: TOML -> pydantic, with errors a person can act on.

The file is validated in two stages. `load_config` checks the fixed tables
(`[server]`, `[plugins]`, `[prompts]`, `[http]`, `[audit]`) and the shape of every component table
(`[providers.NAME]`, `[notifiers.NAME]` each with a `type`). Once plugins are
loaded, `validate_component` checks each component table against the model of
the class registered for its type. Every problem becomes one line naming the
file, the TOML key path and the fix; all problems are reported together.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ByteSize, Field, ValidationError

from mcp_resources.configtypes import ConfigPath, Secret, Strict
from mcp_resources.errors import ConfigError

if TYPE_CHECKING:
    from mcp_resources.http.settings import HttpSettings

__all__ = [
    "AuditSettings",
    "ComponentTable",
    "Config",
    "ConfigPath",
    "PluginSettings",
    "PromptSettings",
    "Secret",
    "ServerSettings",
    "format_validation_error",
    "load_config",
    "suggest",
    "validate_component",
    "validate_model",
]

ModelT = TypeVar("ModelT", bound=BaseModel)


class ServerSettings(Strict):
    """`[server]`: how the server presents itself and bounds each request."""

    name: str = "mcp-resources"
    """Server name reported to clients."""
    instructions: str | None = None
    """Text sent to clients as the server's instructions."""
    page_size: int = Field(100, ge=1, le=1000)
    """Resources per `resources/list` page."""
    request_timeout: float = Field(30.0, gt=0, le=3600)
    """Seconds a provider may spend on one request before the client gets an error."""
    max_subscriptions: int = Field(4096, ge=1, le=1_000_000)
    """Resource subscriptions one connection may hold (one listen stream, for 2026-07-28 clients)."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """Level of the log written to stderr."""
    tools: bool = False
    """Also offer the catalogue as read-only tools, for clients whose model only calls tools."""


class PluginSettings(Strict):
    """`[plugins]`: where one-off plugins live and which plugins to block."""

    dirs: list[ConfigPath] = []
    """Folders whose `*.py` files are loaded as plugins."""
    disable: list[str] = []
    """Plugin names to block, built-ins included (see `mcp-resources plugins`)."""


class PromptSettings(Strict):
    """`[prompts]`: where prompt templates come from, and the limits they render under."""

    dirs: list[ConfigPath] = []
    """Folders of prompt files served as MCP prompts (watched: edits are announced)."""
    library: bool = True
    """Serve the prompt library shipped with mcp-resources."""
    watch: bool = True
    """Reload `dirs` when their files change and send `prompts/list_changed`."""
    time_limit_ms: int = Field(2000, ge=100, le=60_000)
    """Wall-clock limit of one render (the worker process is killed past it)."""
    memory: ByteSize = Field(ByteSize(256 << 20), ge=32 << 20, le=8 << 30)
    """Memory a render may use beyond the worker's own (its address-space limit)."""
    max_output: ByteSize = Field(ByteSize(1 << 20), ge=1024, le=64 << 20)
    """Longest rendered text, in characters (embedded resources not counted)."""
    max_embed: ByteSize = Field(ByteSize(256 << 10), ge=1024, le=64 << 20)
    """Largest resource embedded whole; a bigger one is embedded as a window with a link."""
    max_embeds: int = Field(16, ge=1, le=256)
    """Most resources (and diffs) one prompt may embed."""
    max_argument_length: int = Field(16_384, ge=16, le=1 << 20)
    """Longest argument value accepted, in characters (front matter can lower it per argument)."""
    workers: int = Field(2, ge=1, le=32)
    """Worker processes that render prompts (each render is one job on one of them)."""


class AuditSettings(Strict):
    """`[audit]`: a tamper-evident log of every read, subscription and prompt."""

    path: ConfigPath | None = None
    """JSON-lines file to append to (each line chained to the previous by SHA-256)."""


class _TopLevel(Strict):
    server: ServerSettings = ServerSettings()
    plugins: PluginSettings = PluginSettings()
    prompts: PromptSettings = PromptSettings()
    http: dict[str, Any] = {}  # validated apart, and only when present: see `_http_settings`
    audit: AuditSettings = AuditSettings()
    providers: dict[str, dict[str, Any]] = {}
    notifiers: dict[str, dict[str, Any]] = {}


@dataclass(frozen=True)
class ComponentTable:
    """A `[providers.NAME]` or `[notifiers.NAME]` table before its type is known."""

    section: Literal["providers", "notifiers"]
    name: str
    type: str
    table: Mapping[str, Any]

    @property
    def key(self) -> str:
        """The table's TOML key path, e.g. `providers.docs`."""
        return f"{self.section}.{_toml_key(self.name)}"


@dataclass(frozen=True)
class Config:
    """A validated config file (component tables are validated later, by type)."""

    path: Path
    server: ServerSettings
    plugins: PluginSettings
    prompts: PromptSettings
    providers: Sequence[ComponentTable]
    notifiers: Sequence[ComponentTable]
    http: HttpSettings | None
    """`[http]`, validated; None when the file has none (or an empty one)."""
    audit: AuditSettings


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(part: object) -> str:
    text = str(part)
    return text if _BARE_KEY.match(text) else f'"{text}"'


def suggest(word: str, candidates: Sequence[str]) -> str:
    """`"; did you mean 'x'?"` for a near miss among `candidates`, else `""`."""
    import difflib  # only mistakes need it: kept off start-up

    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _fields_at(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """Field names of the (nested) model found by walking `loc` from `model`."""
    current: Any = model
    for part in loc:
        field = current.model_fields.get(part) if isinstance(part, str) else None
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        current = annotation
    return list(current.model_fields)


def _describe_value(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_validation_error(
    exc: ValidationError, path: Path, model: type[BaseModel], prefix: Sequence[str] = ()
) -> list[str]:
    """One actionable line per pydantic error: file, TOML key path, problem, fix."""
    lines = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"] if not isinstance(p, int)]
        indexes = "".join(f"[{p}]" for p in error["loc"] if isinstance(p, int))
        key = ".".join(_toml_key(p) for p in (*prefix, *loc)) + indexes
        kind = error["type"]
        if kind == "extra_forbidden":
            allowed = _fields_at(model, loc[:-1])
            hint = suggest(loc[-1], allowed) or (f"; allowed keys: {', '.join(allowed)}" if allowed else "")
            lines.append(f"{path}: {key}: unknown key{hint}")
        elif kind == "missing":
            lines.append(f"{path}: {key}: required key is missing; add `{_toml_key(loc[-1])} = ...`")
        else:
            message = error["msg"].removeprefix("Value error, ")
            got = "" if kind == "value_error" else f" (got {_describe_value(error.get('input'))})"
            lines.append(f"{path}: {key}: {message}{got}")
    return lines


def validate_model(
    model: type[ModelT], data: Mapping[str, Any], path: Path, prefix: Sequence[str] = ()
) -> ModelT:
    """Validate `data` with `model`, raising `ConfigError` with keyed messages."""
    try:
        return model.model_validate(data, context={"base_dir": path.parent})
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, path, model, prefix)) from None


def _component_tables(
    path: Path, section: Literal["providers", "notifiers"], tables: Mapping[str, Any]
) -> tuple[list[ComponentTable], list[str]]:
    found, problems = [], []
    for name, table in tables.items():
        key = f"{section}.{_toml_key(name)}"
        kind = table.get("type")
        if not isinstance(kind, str) or not kind:
            fix = 'add `type = "..."` (see `mcp-resources plugins`)'
            problems.append(f"{path}: {key}.type: required key is missing; {fix}")
            continue
        found.append(ComponentTable(section, name, kind, table))
    return found, problems


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a config file; raises `ConfigError` listing every problem."""
    path = Path(path).expanduser().absolute()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            [f"{path}: no such file; create one with `mcp-resources init {path.name}`"]
        ) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the file: {exc.strerror}"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: the file is not UTF-8 text; save it as UTF-8"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: invalid TOML: {exc}"]) from None

    for section in ("providers", "notifiers"):
        for name, table in (data.get(section) or {}).items() if isinstance(data.get(section), dict) else ():
            if not isinstance(table, dict):
                raise ConfigError(
                    [f"{path}: {section}.{_toml_key(name)}: expected a table `[{section}.{name}]`"]
                )
    top = validate_model(_TopLevel, data, path)
    providers, problems = _component_tables(path, "providers", top.providers)
    notifiers, more = _component_tables(path, "notifiers", top.notifiers)
    try:
        http = _http_settings(top.http, path) if top.http else None
    except ConfigError as exc:
        problems += exc.problems
    if problems or more:
        raise ConfigError(problems + more)
    return Config(path, top.server, top.plugins, top.prompts, providers, notifiers, http, top.audit)


def _http_settings(table: Mapping[str, Any], path: Path) -> HttpSettings:
    # Imported only for a file with an [http] table: a stdio server never builds these
    # models (~10 ms of its start-up).
    from mcp_resources.http.settings import HttpSettings

    return validate_model(HttpSettings, table, path, ("http",))


def validate_component(config: Config, table: ComponentTable, model: type[ModelT]) -> ModelT:
    """Validate one component table with its class's config model."""
    return validate_model(model, table.table, config.path, (table.section, table.name))
