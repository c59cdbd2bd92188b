"""The logs provider's URI templates (parsed once: a bad one fails at start-up)."""

from __future__ import annotations

from mcp.shared.uri_template import UriTemplate

from mcp_resources.builtins.logs.config import LogsConfig
from mcp_resources.components import ResourceTemplate

__all__ = ["make_templates"]

_FILTERS = "level,since,until,grep,regex,scan,format"


def make_templates(name: str, prefix: str, config: LogsConfig) -> list[ResourceTemplate]:
    """Tail-and-filter, line window, byte window, follow and merged templates."""
    filters = (
        "level: at or above (trace, debug, info, notice, warning, error, critical); since/until: ISO 8601 "
        "or relative (15m, 2h, 1d); grep: literal text, any case; regex: RE2 syntax; format: text or json."
    )
    templates = [
        ResourceTemplate(
            f"{prefix}{{+file}}{{?tail,{_FILTERS}}}",
            f"{name}-tail",
            f"The end of a log in {name}, filtered",
            f"tail: lines (default {config.tail_lines}, at most {config.max_lines}). {filters} "
            "With since and no tail: forward from that time.",
            "text/plain",
        ),
        ResourceTemplate(
            f"{prefix}{{+file}}{{?line,count,{_FILTERS}}}",
            f"{name}-lines",
            f"Line window of a log in {name}",
            "line: first line (from 1); count: number of lines.",
            "text/plain",
        ),
        ResourceTemplate(
            f"{prefix}{{+file}}{{?offset,length,{_FILTERS}}}",
            f"{name}-bytes",
            f"Byte window of a log in {name}",
            "offset: first byte (the window starts at the next line start); length: bytes.",
            "text/plain",
        ),
        ResourceTemplate(
            f"{prefix}{{+file}}{{?cursor,{_FILTERS}}}",
            f"{name}-follow",
            f"New lines of a log in {name} since a cursor",
            "cursor: the `cursor` of an earlier read's metadata; survives log rotation.",
            "text/plain",
        ),
        ResourceTemplate(
            f"{prefix}{{?files,tail,{_FILTERS}}}",
            f"{name}-merged",
            f"Logs of {name} merged by time",
            "files: comma-separated names (default: every live log).",
            "text/plain",
        ),
    ]
    for template in templates:
        UriTemplate.parse(template.uri_template)
    return templates
