"""The `mcp-resources` command's entry point: the garbage collector is off before the imports.

Importing the command line imports the MCP SDK, pydantic and our plugins:
~100,000 objects that live as long as the process. With the collector on,
that is ~200 collections (~90 ms, 8% of a server's start-up on the
benchmark VM) that find nothing to free. `serve` turns it back on once it
serves (`transports/tuning.py`, which also freezes those objects out of
later collections); every other command turns it back on before it runs.
"""

from __future__ import annotations

import gc

__all__ = ["main"]


def main() -> None:
    """Run the command line (`mcp_resources.cli.main`) with the collector off while it is imported."""
    gc.disable()
    from mcp_resources.cli import main as cli

    cli()
