"""The prompt registry: Jinja2 prompt files rendered in a sandboxed worker process.

`registry.PromptRegistry` serves prompts from `[prompts] dirs`, plugins'
packaged folders and the built-in library; `messages.build_messages` turns a
rendered prompt into MCP messages with embedded resources. Templates are only
ever compiled and rendered in `worker.py`'s child processes.
"""

from __future__ import annotations

__all__: list[str] = []
