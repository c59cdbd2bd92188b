"""Commands for a shared server's operator: `token` (make a bearer token) and `audit verify`."""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
from pathlib import Path

import click

from mcp_resources.audit import verify_chain

__all__ = ["audit", "token"]


@click.command()
@click.argument("principal")
@click.option(
    "--scopes",
    default="*",
    show_default=True,
    help='Comma-separated provider names the token may use ("*": all).',
)
def token(principal: str, scopes: str) -> None:
    """Make a bearer token for PRINCIPAL: its [[http.tokens]] table (holding only its hash) on stdout.

    The token itself is printed once, on stderr: hand it to the client; the
    config keeps only its SHA-256, e.g. `mcp-resources token alice --scopes docs >> mcp-resources.toml`.
    """
    names = [s.strip() for s in scopes.split(",") if s.strip()]
    if not names:
        raise click.BadParameter("name at least one provider, or *", param_hint="--scopes")
    secret = secrets.token_urlsafe(32)
    digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()
    click.echo(
        f"\n[[http.tokens]]\nprincipal = {json.dumps(principal)}\n"
        f"scopes = {json.dumps(names)}\nsha256 = {json.dumps(digest)}"
    )
    click.echo(f"token for {principal} (shown only now; the config keeps its hash): {secret}", err=True)


@click.group()
def audit() -> None:
    """Work with the audit log ([audit] path)."""


@audit.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
def verify(file: Path) -> None:
    """Check that no line of FILE was changed, removed, inserted or reordered (exit 1 if so)."""
    report = verify_chain(file)
    if report.broken_at is not None:
        click.echo(
            f"{file}: line {report.broken_at}: {report.problem} "
            f"(the {report.entries} line(s) before it chain correctly)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"{file}: {report.entries} entries, chain intact; last hash {report.last_hash}")
