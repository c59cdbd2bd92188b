"""The docs say what the code does: every config key with its default, every link resolvable.

(Every hook of hookspecs.py having its section in docs/plugins.md is checked in test_hooks.py.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from mcp_resources.components import NotifierConfig, ProviderConfig
from mcp_resources.config import AuditSettings, PluginSettings, PromptSettings, ServerSettings, _TopLevel
from mcp_resources.http.settings import HttpSettings, JwtSettings, RateLimit, StaticToken
from mcp_resources.plugins import load_plugins

REPO = Path(__file__).parent.parent
DOCS = REPO / "docs"
REFERENCE = (DOCS / "configuration.md").read_text(encoding="utf-8")
# The word standing for a table's own name in headings like [providers.NAME.queries.QUERY].
PLACEHOLDERS = {"queries": "QUERY", "params": "PARAM", "formats": "FORMAT"}

Section = tuple[str, str | None]  # (table path, provider type)


def _nested(path: str, model: type[BaseModel]) -> dict[Section, type[BaseModel]]:
    """Sections of the tables of models nested in `model` (`dict[str, Model]` fields)."""
    found: dict[Section, type[BaseModel]] = {}
    for name, field in model.model_fields.items():
        args = typing.get_args(field.annotation)
        if typing.get_origin(field.annotation) is dict and isinstance(args[1], type(BaseModel)):
            assert name in PLACEHOLDERS, f"name the tables of {model.__name__}.{name} in PLACEHOLDERS"
            table = f"{path}.{name}.{PLACEHOLDERS[name]}"
            found[(f"[{table}]", None)] = args[1]
            found.update(_nested(table, args[1]))
    return found


def _expected() -> dict[Section, type[BaseModel]]:
    sections: dict[Section, type[BaseModel]] = {
        ("[server]", None): ServerSettings,
        ("[plugins]", None): PluginSettings,
        ("[prompts]", None): PromptSettings,
        ("[http]", None): HttpSettings,
        ("[[http.tokens]]", None): StaticToken,
        ("[http.jwt]", None): JwtSettings,
        ("[http.rate_limit]", None): RateLimit,
        ("[audit]", None): AuditSettings,
        ("[providers.NAME]", None): ProviderConfig,
        ("[notifiers.NAME]", None): NotifierConfig,
    }
    for type_name, cls in load_plugins(entry_points=False).provider_types.items():
        sections[("[providers.NAME]", type_name)] = cls.config_model
        sections.update(_nested("providers.NAME", cls.config_model))
    return sections


def _documented() -> dict[Section, dict[str, str]]:
    """Each section's key table: key -> its default cell."""
    sections: dict[Section, dict[str, str]] = {}
    rows: dict[str, str] | None = None
    for line in REFERENCE.splitlines():
        heading = re.match(r'^#{2,3} `(\[\[?[^\]]+\]\]?)`(?: with `type = "([a-z0-9_-]+)"`)?$', line)
        if heading:
            rows = sections.setdefault((heading[1], heading[2]), {})
        elif line.startswith("#"):
            rows = None
        elif rows is not None and (
            row := re.match(r"^\| `([a-z0-9_]+)` \| [^|]+ \| ([^|]+) \| .+ \|$", line)
        ):
            rows[row[1]] = row[2].strip()
    return sections


EXPECTED = _expected()
DOCUMENTED = _documented()


def test_every_table_is_documented_and_nothing_else() -> None:
    top = {section.strip("[]").split(".")[0] for section, _ in EXPECTED}
    assert top == set(_TopLevel.model_fields), "a new top-level table needs its section here and in the docs"
    assert sorted(DOCUMENTED, key=str) == sorted(EXPECTED, key=str)


@pytest.mark.parametrize("section", sorted(EXPECTED, key=str), ids=lambda s: f"{s[0]}{s[1] or ''}")
def test_every_key_is_documented_with_its_default(section: Section) -> None:
    model = EXPECTED[section]
    keys = set(model.model_fields)
    if section[1] is not None:  # a provider type: its own keys (type and prefix are documented once)
        keys -= set(ProviderConfig.model_fields)
    documented = DOCUMENTED.get(section, {})
    assert set(documented) == keys, f"docs/configuration.md, {section}: fix the keys"
    for key, cell in documented.items():
        field = model.model_fields[key]
        if field.is_required():
            assert cell == "required", (section, key)
        elif field.default is None:
            assert cell == "—", (section, key)
        else:
            assert cell.startswith("`") and cell.endswith("`"), (section, key, cell)
            value: Any = tomllib.loads(f"value = {cell[1:-1]}")["value"]
            assert TypeAdapter(field.annotation).validate_python(value) == field.default, (section, key)


def test_the_readme_links_every_doc() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for doc in sorted(DOCS.glob("*.md")):
        assert f"(docs/{doc.name})" in readme, f"README.md does not link docs/{doc.name}"


@pytest.mark.parametrize(
    "page",
    [REPO / "README.md", *sorted(DOCS.glob("*.md")), *sorted(REPO.glob("[ep]*/**/*.md"))],
    ids=lambda page: str(page.relative_to(REPO)),
)
def test_relative_links_resolve(page: Path) -> None:
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
        assert (page.parent / target).exists(), f"{page.relative_to(REPO)} links {target}, which is missing"


def test_the_getting_started_commands_work(tmp_path: Path) -> None:
    """Every command of docs/getting-started.md but installing, npx and claude, in order, in a fresh HOME."""
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    lines = [
        line for block in re.findall(r"```sh\n(.*?)```", page, flags=re.DOTALL) for line in block.splitlines()
    ]
    # Left out: installing, commands needing Node or Claude, and serving over HTTP (it runs until
    # stopped; tests/test_http.py serves examples/http for real).
    skipped = ("python3 -m venv", "npx ", "claude ")
    commands = [line for line in lines if not line.startswith(skipped) and " --http " not in line]
    assert sum(".venv/bin/mcp-resources install-claude" in c for c in commands) == 2
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CONFIG_HOME", "VIRTUAL_ENV")}
    env["HOME"] = str(tmp_path)
    for command in commands:
        line = command.replace(".venv/bin/", f"{Path(sys.executable).parent}/")
        result = subprocess.run(["/bin/sh", "-c", line], capture_output=True, text=True, env=env, cwd=REPO)
        assert result.returncode == 0, f"{command}\n{result.stderr}"
    assert (tmp_path / "my-data" / "mcp-resources.toml").is_file()
