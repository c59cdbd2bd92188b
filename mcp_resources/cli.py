"""The `mcp-resources` command line.

Output meant for people and scripts (listings, contents) goes to stdout;
logs, progress and errors go to stderr. `serve` never writes to stdout
itself: there, stdout is the protocol. Start-up problems exit with code 2.
"""

from __future__ import annotations

import gc
import logging
import sys
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mcp_resources import __version__
from mcp_resources.audit import AuditLog
from mcp_resources.claude_desktop import install_claude
from mcp_resources.cli_browse import list_, prompt, read
from mcp_resources.cli_common import assemble, config_arg, fail, level_opt, run_in_loop, setup_logging
from mcp_resources.cli_security import audit, token
from mcp_resources.errors import ConfigError
from mcp_resources.observe import Observer
from mcp_resources.plugins import PluginSet, load_plugins
from mcp_resources.startup import Assembly

if TYPE_CHECKING:
    from mcp_resources.config import Config
    from mcp_resources.http.settings import HttpSettings
    from mcp_resources.transports.stdio import StdioTransport

__all__ = ["main"]

log = logging.getLogger("mcp_resources")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mcp-resources")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Serve files, SQL databases and logs as MCP resources, configured by one TOML file."""
    if ctx.invoked_subcommand != "serve":
        gc.enable()  # off while the command line was imported (entry.py); `serve` keeps it off while starting


def _audit_log(assembly: Assembly) -> AuditLog | None:
    path = assembly.config.audit.path
    if path is None:
        return None
    try:
        return AuditLog(path)
    except ConfigError as exc:
        fail(exc.problems)


def _http_settings(config: Config) -> HttpSettings:
    """The file's `[http]` settings, or their defaults when it has no `[http]` table."""
    from mcp_resources.http.settings import HttpSettings

    return config.http or HttpSettings()


def _serve_http(assembly: Assembly, address: str) -> None:
    from mcp_resources.http.plan import parse_address
    from mcp_resources.transports.http import bind, serve_http

    try:
        host, port = parse_address(address)
        sock = bind(host, port)
    except ValueError as exc:
        fail([f"--http: {exc}"])
    except OSError as exc:
        fail([f"--http {address}: cannot listen there: {exc.strerror}"])
    config = assembly.config
    settings = _http_settings(config)
    audit = _audit_log(assembly)
    try:
        run_in_loop(lambda: serve_http(assembly.app, settings, [sock], source=config.path, audit=audit))
    finally:
        sock.close()
        if audit is not None:
            audit.close()


@main.command()
@config_arg
@click.option(
    "--http",
    "address",
    metavar="[HOST:]PORT",
    help="Serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio (HOST defaults to 127.0.0.1).",
)
@level_opt
@click.option(
    "--stdio-transport",
    type=click.Choice(["own", "sdk"]),
    default="own",
    show_default=True,
    envvar="MCP_RESOURCES_STDIO_TRANSPORT",
    help="own: the event loop reads and writes the pipes; sdk: the MCP SDK's thread-based transport.",
)
def serve(config: Path, address: str | None, log_level: str | None, stdio_transport: StdioTransport) -> None:
    """Serve CONFIG over stdio (Claude Desktop, Claude Code, IDEs), or over HTTP with --http."""
    # Start-up allocates ~100,000 objects that live as long as the process; collecting
    # them over and over costs ~10% of start-up (see entry.py and transports/tuning.py).
    gc.disable()
    from mcp_resources.transports.stdio import serve_stdio

    assembly = assemble(config, log_level)
    if address is not None:
        _serve_http(assembly, address)
        return
    app = assembly.app
    audit = _audit_log(assembly)
    if sys.stdin.isatty():
        click.echo(
            "mcp-resources speaks MCP on stdin/stdout: start it from an MCP client (see the README). "
            "Press Ctrl-C to stop.",
            err=True,
        )
    try:
        run_in_loop(lambda: serve_stdio(app, stdio_transport, observer=Observer(audit)))
    finally:
        if audit is not None:
            audit.close()


def _check_http(config: Config, address: str | None) -> str:
    from mcp_resources.http.plan import preflight

    try:
        return preflight(_http_settings(config), config.path, address)
    except ValueError as exc:
        fail([f"--http: {exc}"])
    except ConfigError as exc:
        fail(exc.problems)


@main.command()
@config_arg
@level_opt
@click.option(
    "--http",
    "address",
    metavar="[HOST:]PORT",
    help="Also check the [http] settings for serving at that address, as serve --http would.",
)
def check(config: Path, log_level: str | None, address: str | None) -> None:
    """Validate CONFIG, load its plugins and open every provider (and check [http] when it has one)."""
    assembly = assemble(config, log_level or "warning")
    # A config without an [http] table is for stdio: its HTTP defaults (token auth, no tokens)
    # are not a mistake until someone serves it over HTTP.
    http = None
    if address is not None or assembly.config.http is not None:
        http = _check_http(assembly.config, address)

    prompts = assembly.app.prompts

    async def open_and_close() -> None:
        async with assembly.app:
            if prompts is not None:
                await prompts.ensure_loaded()  # compiles every template, as serving would

    run_in_loop(open_and_close)
    for provider in assembly.app.providers:
        click.echo(f"provider {provider.name}: {provider.type_name} at {provider.prefix}")
    for notifier in assembly.app.notifiers:
        click.echo(f"notifier {notifier.name}: {notifier.type_name}")
    if prompts is not None:
        click.echo(f"prompts: {', '.join(prompts.prompts) or 'none'}")
    failures = [f"plugin {f.name} ({f.source}) failed to load: {f.error}" for f in assembly.plugins.failures]
    failures += [f"prompt problem: {problem}" for problem in (prompts.problems if prompts else [])]
    if failures:
        fail(failures, 1)
    if http is not None:
        click.echo(http)
    click.echo(f"{assembly.config.path.name}: OK")


@main.command()
@click.option(
    "--config", type=click.Path(path_type=Path, dir_okay=False), help="Also load CONFIG's plugin dirs."
)
def plugins(config: Path | None) -> None:
    """List the plugins, the types they provide and any that failed to load."""
    setup_logging("critical")
    found: PluginSet = load_plugins() if config is None else assemble(config, "critical").plugins
    for info in found.plugins:
        types = [
            *(f"provider:{t}" for t in info.provider_types),
            *(f"notifier:{t}" for t in info.notifier_types),
        ]
        types += [f"prompts:{src}" for src in info.prompt_sources]
        click.echo(f"{info.name}\t{info.source}\t{' '.join(types) or '-'}")
    for failure in found.failures:
        click.echo(f"{failure.name}\t{failure.source}\tFAILED: {failure.error}")
    for type_name, owners in found.conflicts.items():
        click.echo(f"{type_name}\tCONFLICT: registered by {', '.join(owners)}")
    if found.failures or found.conflicts:
        sys.exit(1)


@main.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), default="mcp-resources.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter config to PATH (default mcp-resources.toml)."""
    if path.exists() and not force:
        fail([f"{path} already exists; use --force to overwrite it"], 1)
    path.write_text(files("mcp_resources").joinpath("starter.toml").read_text("utf-8"), "utf-8")
    click.echo(f"wrote {path}; check it with: mcp-resources check {path}", err=True)


for command in (list_, read, prompt, install_claude, token, audit):
    main.add_command(command)
