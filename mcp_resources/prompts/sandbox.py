"""The Jinja2 environment prompts compile and render in (used inside the worker process).

It is `ImmutableSandboxedEnvironment` (no attribute or method that mutates,
no access to internals), with the arithmetic that can allocate without bound
checked before it runs: `9 ** 999999`, `"x" * 10**9` and their friends are
refused with a `SecurityError` instead of eating memory or CPU. What is left
(long loops, wide filters) is bounded by the worker's CPU, memory and wall-clock
limits and its output cap.

The environment only knows the prompt folder it was built for: includes and
imports resolve in that folder's files, handed over by the server, never on disk.

This module imports only jinja2 and the standard library, so the worker starts fast.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = ["MAX_INT_BITS", "MAX_SEQUENCE", "FolderLoader", "PromptEnvironment", "uri_with"]

MAX_INT_BITS = 4096
"""Largest integer (in bits) arithmetic may produce in a template."""
MAX_SEQUENCE = 1_000_000
"""Longest string or list `*`, `+` or `%` may produce in a template."""

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "*": operator.mul,
    "**": operator.pow,
    "%": operator.mod,
}


def _size(value: object) -> int | None:
    return len(value) if isinstance(value, str | bytes | list | tuple) else None


def _check_binop(op: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be huge, before computing it."""
    if op == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
        if right * math.log2(abs(left)) > MAX_INT_BITS:
            raise SecurityError(f"the result of ** would exceed {MAX_INT_BITS} bits")
    elif op == "*":
        if isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise SecurityError(f"the result of * would exceed {MAX_INT_BITS} bits")
        else:
            size, times = (_size(left), right) if _size(left) is not None else (_size(right), left)
            if size is not None and isinstance(times, int) and size * times > MAX_SEQUENCE:
                raise SecurityError(f"the result of * would be longer than {MAX_SEQUENCE}")
    elif op == "+":
        a, b = _size(left), _size(right)
        if a is not None and b is not None and a + b > MAX_SEQUENCE:
            raise SecurityError(f"the result of + would be longer than {MAX_SEQUENCE}")
    elif op == "%" and isinstance(left, str):
        # printf-style widths and precisions allocate: "%999999999d" % 1.
        digits = "".join(c if c.isdigit() else " " for c in left).split()
        if any(len(d) > 6 or int(d) > MAX_SEQUENCE for d in digits):
            raise SecurityError("a % format width or precision is too large")


class FolderLoader(BaseLoader):
    """Templates of one prompt folder, from memory; a template's file name is its name in the folder."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        """The source of `template`; names are exact (no `..`, no absolute paths: there is no disk)."""
        if template not in self.files:
            raise TemplateNotFound(template)
        return self.files[template], template, lambda: True

    def list_templates(self) -> list[str]:
        """Every file of the folder."""
        return sorted(self.files)


class PromptEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox prompts run in: immutable, strict about undefined names, size-checked arithmetic."""

    intercepted_binops = frozenset(_OPERATORS)

    def __init__(self, files: Mapping[str, str]) -> None:
        super().__init__(
            loader=FolderLoader(files),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.loopcontrols"],
        )
        self.globals["uri_with"] = uri_with

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Check the size of `*`, `**`, `+` and `%` results before computing them."""
        _check_binop(operator, left, right)
        return _OPERATORS[operator](left, right)


def uri_with(uri: str, **params: object) -> str:
    """`uri` with query parameters set (replacing any of the same name; `None` or "" removes one).

    `uri_with(log, level="error", tail=200)` -> `logs://app.log?level=error&tail=200`.
    """
    if not isinstance(uri, str):
        raise TypeError("uri_with() needs a URI string")
    parts = urlsplit(uri)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, str(v)) for k, v in params.items() if v is not None and v != ""]
    return urlunsplit(parts._replace(query=urlencode(query, safe=":/,", quote_via=quote)))
