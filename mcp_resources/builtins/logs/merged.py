"""Several logs merged into one timeline, like `lnav app.log worker.log`.

Each file's tail is read with the same filters (its lines parsed for time),
then the tails are merged by timestamp and the latest `tail` records kept.
A line without a timestamp keeps its place after the record above it.
"""

from __future__ import annotations

import heapq
from dataclasses import replace
from typing import TYPE_CHECKING

from mcp_resources.builtins.logs.reads import Deadline, read_file
from mcp_resources.builtins.logs.records import Pipeline, Record
from mcp_resources.builtins.logs.render import Answer, render
from mcp_resources.builtins.logs.request import LogRequest
from mcp_resources.builtins.logs.scanning import Scan
from mcp_resources.components import TextContent

if TYPE_CHECKING:
    from mcp_resources.builtins.logs.provider import LogsProvider

__all__ = ["read_merged"]


def read_merged(provider: LogsProvider, names: list[str], req: LogRequest, uri: str) -> TextContent:
    """The merged tail of `names` (runs in a worker thread)."""
    deadline = Deadline(provider.config.time_limit_ms / 1000)
    limits = replace(provider.limits(req), lines=min(provider.config.max_lines, req.tail))
    each = replace(req, mode="tail")  # every file's tail, whatever else the merged view was asked
    tails: list[list[Record]] = []
    stopped: str | None = None
    for name in names:
        file = provider.catalog[name]
        pipeline = Pipeline(
            provider.formats.choose(file, provider.open),
            provider.redactor,
            provider.config.max_line_length,
            True,  # times order the merge
        )
        scan = read_file(provider, file, each, pipeline, limits, deadline, uri).scan
        for record in scan.records:
            record.file = name
        tails.append(scan.records)
        if scan.stopped not in (None, "lines"):
            stopped = stopped or scan.stopped
    merged = list(heapq.merge(*(_timed(t) for t in tails), key=lambda pair: pair[0]))
    kept = Scan()
    for _, record in reversed(merged):
        if not kept.take(record, limits):
            stopped = stopped or kept.stopped
            break
    kept.records.reverse()
    if kept.stopped == "lines" and stopped == "lines":
        stopped = None
    answer = Answer(uri=uri, records=kept.records, stopped=stopped, tail=True, format_name="merged")
    return render(answer, req.format, merged=True)


def _timed(records: list[Record]) -> list[tuple[float, Record]]:
    """Each record with a sort time: its own, else the one above it (0 before any)."""
    current = 0.0
    timed: list[tuple[float, Record]] = []
    for record in records:
        if record.time is not None:
            current = record.time
        timed.append((current, record))
    return timed
