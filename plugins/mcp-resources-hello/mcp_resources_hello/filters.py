"""Jinja filters the plugin adds to the prompt environment.

Filters run inside the sandboxed render workers: keep them pure functions of
their arguments (no I/O, no state), and cheap.
"""

from __future__ import annotations

__all__ = ["greet"]


def greet(name: object, greeting: str = "Hello") -> str:
    """`{{ "Ada" | greet }}` -> `Hello, Ada!`; `{{ "Ada" | greet("Hi") }}` -> `Hi, Ada!`."""
    return f"{greeting}, {str(name).strip() or 'world'}!"
