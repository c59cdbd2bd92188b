"""The filesystem provider's URI templates, and completion of their `path` argument."""

from __future__ import annotations

from collections.abc import Callable

from mcp.shared.uri_template import UriTemplate

from mcp_resources.builtins.filesystem.policy import Policy
from mcp_resources.builtins.filesystem.sandbox import Refused
from mcp_resources.builtins.filesystem.walk import Entry
from mcp_resources.components import Completion, ResourceTemplate
from mcp_resources.uris import check_name

__all__ = ["MAX_COMPLETIONS", "complete_path", "make_templates"]

MAX_COMPLETIONS = 100


def make_templates(name: str, prefix: str, max_read_bytes: int) -> list[ResourceTemplate]:
    """Path, byte-window and line-window templates, parsed once (a bad one fails at start-up)."""
    templates = [
        ResourceTemplate(
            f"{prefix}{{+path}}",
            f"{name}-path",
            f"Files in {name}",
            f"A file (text, or base64 for binary) or a folder listing (JSON) under {prefix}. "
            f"Files over {max_read_bytes} bytes come back in windows with a link to the next.",
        ),
        ResourceTemplate(
            f"{prefix}{{+path}}{{?offset,length}}",
            f"{name}-bytes",
            f"Byte window of a file in {name}",
            f"offset: first byte (from 0); length: bytes to read (at most {max_read_bytes}).",
        ),
        ResourceTemplate(
            f"{prefix}{{+path}}{{?line,count}}",
            f"{name}-lines",
            f"Line window of a text file in {name}",
            "line: first line (from 1); count: number of lines.",
        ),
    ]
    for template in templates:
        UriTemplate.parse(template.uri_template)
    return templates


def complete_path(
    value: str, template: str, policy: Policy, scan: Callable[[tuple[str, ...]], list[Entry]]
) -> Completion:
    """Paths that continue `value` (what the client typed so far); folders end in `/`."""
    folder_text, _, stem = value.rpartition("/")
    folder = tuple(folder_text.split("/")) if folder_text else ()
    for name in folder:
        check_name(name, template)
    if policy.path_reason(folder, is_dir=True) is not None:
        return Completion()
    try:
        entries = scan(folder)
    except Refused:
        return Completion()
    values = [
        "/".join((*folder, e.name)) + ("/" if e.is_dir else "") for e in entries if e.name.startswith(stem)
    ]
    return Completion(values[:MAX_COMPLETIONS], len(values), len(values) > MAX_COMPLETIONS)
