"""Meta-tests: every hook is documented, implemented by the test plugin and exercised."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import jinja2
import pytest
from conftest import TEST_PLUGINS

from mcp_resources import hookspecs
from mcp_resources.plugins import load_plugins

DOCS = Path(__file__).parent.parent / "docs" / "plugins.md"
HOOKS = sorted(
    name
    for name, func in inspect.getmembers(hookspecs, inspect.isfunction)
    if getattr(func, "mcp_resources_spec", None) is not None
)


def test_the_surface_is_the_four_documented_hooks() -> None:
    assert HOOKS == [
        "prepare_jinja2_environment",
        "register_notifiers",
        "register_prompt_loaders",
        "register_providers",
    ]


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented_with_a_heading(hook: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert f"### `{hook}(" in text, f"docs/plugins.md has no '### `{hook}(...)`' section"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_docstring_and_type_hints(hook: str) -> None:
    func = getattr(hookspecs, hook)
    assert func.__doc__ and len(func.__doc__.strip()) > 40
    assert all(
        p.annotation is not inspect.Parameter.empty for p in inspect.signature(func).parameters.values()
    )


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_implemented_by_the_test_plugin(hook: str) -> None:
    tree = ast.parse((TEST_PLUGINS / "hooks_plugin.py").read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert hook in defined


def test_register_providers_and_register_notifiers_register_types() -> None:
    plugins = load_plugins([TEST_PLUGINS], entry_points=False)
    assert plugins.failures == []
    assert {"filesystem", "memory", "broken", "slow"} <= set(plugins.provider_types)
    assert set(plugins.notifier_types) == {"interval"}
    assert plugins.origin("memory") == "hooks_plugin"
    assert plugins.origin("filesystem") == "filesystem"


def test_register_prompt_loaders_registers_the_folder() -> None:
    plugins = load_plugins([TEST_PLUGINS], entry_points=False)
    sources = dict(plugins.prompt_sources())
    assert set(sources) == {"prompt-library", "hooks_plugin"}
    folder = sources["hooks_plugin"]
    assert (Path(str(folder)) / "hello.md.j2").is_file()


def test_prepare_jinja2_environment_adds_the_filter() -> None:
    plugins = load_plugins([TEST_PLUGINS], entry_points=False)
    env = jinja2.Environment(autoescape=True)
    plugins.prepare_jinja2_environment(env)
    assert env.from_string("{{ 'hi' | shout }}").render() == "HI!"


def test_a_failing_prepare_jinja2_environment_hook_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "bad_env.py").write_text(
        "from mcp_resources import hookimpl\n"
        "@hookimpl\n"
        "def prepare_jinja2_environment(env):\n"
        "    raise RuntimeError('boom')\n",
        encoding="utf-8",
    )
    plugins = load_plugins([TEST_PLUGINS, tmp_path], entry_points=False)
    env = jinja2.Environment(autoescape=True)
    plugins.prepare_jinja2_environment(env)
    assert "shout" in env.filters
