"""Prompt front matter: TOML in a Jinja comment at the top of the file.

    {#---
    title = "Summarise a file"
    description = "A short summary of one resource."

    [arguments.uri]
    description = "The resource to summarise"
    complete = { from = "resources" }

    [arguments.length]
    default = "short"
    values = ["short", "medium", "long"]
    ---#}

The comment is plain Jinja, so the file still compiles as it is. Without front
matter, a prompt's arguments are the variables its template uses, all required.
"""

from __future__ import annotations

import re
import tomllib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mcp_resources.prompts.helpers import HELPERS

__all__ = [
    "NAME_PATTERN",
    "ArgumentSpec",
    "CompleteFromResources",
    "CompleteFromTemplate",
    "FrontMatter",
    "FrontMatterError",
    "read_front_matter",
]

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$")
"""Prompt names: letters, digits, `.`, `_`, `-` and `/` (folders), at most 128."""
_ARGUMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_BLOCK = re.compile(r"\A\{#---[ \t]*\r?\n(.*?)\r?\n---#\}", re.DOTALL)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CompleteFromResources(_Strict):
    """Complete with URIs from the catalogue: `{ from = "resources", type = "sqlite", glob = "*schema" }`."""

    from_: Literal["resources"] = Field(alias="from")
    type: str | None = None
    """Only resources of providers of this type (`filesystem`, `sqlite`, `logs`, a plugin's)."""
    provider: str | None = None
    """Only resources of this provider (its `[providers.NAME]`)."""
    glob: str | None = None
    """Only URIs matching this shell pattern (`*schema`, `*.md`)."""


class CompleteFromTemplate(_Strict):
    """Complete through a provider's template: `{ from = "template", template = "docs://{+path}" }`."""

    from_: Literal["template"] = Field(alias="from")
    template: str
    """A resource template URI exactly as `resources/templates/list` shows it."""
    variable: str | None = None
    """The template variable to complete (default: the argument's own name)."""


CompletionSource = Annotated[CompleteFromResources | CompleteFromTemplate, Field(discriminator="from_")]


class ArgumentSpec(_Strict):
    """One argument of a prompt."""

    description: str | None = None
    required: bool | None = None
    """Default: required unless it has a default."""
    default: str | None = None
    values: list[str] | None = None
    """The only values allowed (also its completions)."""
    complete: CompletionSource | None = None
    """Where completions come from when `values` is not given."""
    max_length: int | None = Field(default=None, ge=1)
    """Longest value accepted, in characters (default: `[prompts] max_argument_length`)."""

    @property
    def is_required(self) -> bool:
        """Whether a client must give a value."""
        return self.required if self.required is not None else self.default is None


class FrontMatter(_Strict):
    """What a prompt file declares about itself."""

    name: str | None = None
    """Default: the file's path in its folder without suffixes (`review/diff.md.j2` -> `review/diff`)."""
    title: str | None = None
    description: str | None = None
    arguments: dict[str, ArgumentSpec] | None = None
    """Declared arguments, in order; when absent, the template's variables, all required."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not NAME_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a prompt name (letters, digits, . _ - /; up to 128)")
        return value

    @field_validator("arguments")
    @classmethod
    def _arguments(cls, value: dict[str, ArgumentSpec] | None) -> dict[str, ArgumentSpec] | None:
        for name, spec in (value or {}).items():
            if not _ARGUMENT.match(name) or name in HELPERS:
                raise ValueError(
                    f"{name!r} cannot be an argument name (an identifier, not {', '.join(HELPERS)})"
                )
            if spec.values is not None and spec.default is not None and spec.default not in spec.values:
                raise ValueError(f"arguments.{name}.default {spec.default!r} is not one of its values")
        return value


class FrontMatterError(ValueError):
    """The front matter is not valid; the message names the line and the key."""


def read_front_matter(source: str) -> FrontMatter:
    """The front matter of a prompt file (an empty one when the file has none)."""
    found = _BLOCK.match(source.lstrip("\ufeff"))
    if found is None:
        return FrontMatter()
    try:
        data: dict[str, Any] = tomllib.loads(found.group(1))
    except tomllib.TOMLDecodeError as exc:
        # The TOML starts on the file's second line; point at the file's line.
        message = re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) + 1}", str(exc))
        raise FrontMatterError(f"front matter: {message}") from None
    try:
        return FrontMatter.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or 'table'}: {e['msg']}" for e in exc.errors()]
        raise FrontMatterError(f"front matter: {'; '.join(problems)}") from None
