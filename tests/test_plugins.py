"""Plugin loading: built-ins as data, entry points, one-off files, failures, blocking."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import TEST_PLUGINS, fs_config

from mcp_resources.errors import ConfigError
from mcp_resources.plugins import BUILTIN_PLUGINS, load_plugins
from mcp_resources.testing import assemble_toml


def write_plugin(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


MEMORY_TYPE = """
    from mcp_resources import ResourcePage, ResourceProvider, hookimpl

    class Other(ResourceProvider):
        type_name = "{type_name}"
        async def list_resources(self, cursor, limit):
            return ResourcePage([])
        async def read(self, uri):
            return []

    @hookimpl
    def register_providers(register):
        register(Other)
"""


def test_builtins_are_listed_as_data_and_registered_like_plugins() -> None:
    assert ("filesystem", "mcp_resources.builtins.filesystem", ("filesystem",)) in BUILTIN_PLUGINS
    assert ("sqlite", "mcp_resources.builtins.sqlite", ("sqlite",)) in BUILTIN_PLUGINS
    plugins = load_plugins(entry_points=False)
    assert [(info.name, info.source, info.provider_types) for info in plugins.plugins] == [
        ("filesystem", "built-in", ["filesystem"]),
        ("sqlite", "built-in", ["sqlite"]),
        ("logs", "built-in", ["logs"]),
        ("prompt-library", "built-in", []),
    ]
    declared = {name: list(types) for name, _, types in BUILTIN_PLUGINS}
    assert {info.name: info.provider_types for info in plugins.plugins} == declared
    [library] = plugins.plugins[-1].prompt_sources
    assert (Path(str(library)) / "summarise-file.md.j2").is_file()


def test_importing_the_package_loads_no_plugin() -> None:
    code = (
        "import sys, mcp_resources; print(any(m.startswith('mcp_resources.builtins') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_each_load_gets_its_own_plugin_manager() -> None:
    first, second = load_plugins(entry_points=False), load_plugins(entry_points=False)
    assert first.manager is not second.manager


def test_disable_blocks_a_builtin_before_import() -> None:
    plugins = load_plugins(disable=["filesystem"], entry_points=False)
    assert [info.name for info in plugins.plugins] == ["sqlite", "logs", "prompt-library"]
    assert "filesystem" not in plugins.provider_types


def test_disable_blocks_a_dir_plugin(tmp_path: Path) -> None:
    write_plugin(tmp_path, "extra", MEMORY_TYPE.format(type_name="extra"))
    assert "extra" in load_plugins([tmp_path], entry_points=False).provider_types
    assert "extra" not in load_plugins([tmp_path], disable=["extra"], entry_points=False).provider_types


def test_a_broken_plugin_is_recorded_and_the_rest_load(tmp_path: Path) -> None:
    write_plugin(tmp_path, "broken_import", "import does_not_exist_anywhere\n")
    write_plugin(tmp_path, "fine", MEMORY_TYPE.format(type_name="fine"))
    plugins = load_plugins([tmp_path], entry_points=False)
    [failure] = plugins.failures
    assert failure.name == "broken_import"
    assert "ModuleNotFoundError" in failure.error and "does_not_exist_anywhere" in failure.error
    assert {"filesystem", "fine"} <= set(plugins.provider_types)


def test_a_plugin_calling_sys_exit_is_a_recorded_failure(tmp_path: Path) -> None:
    write_plugin(tmp_path, "quitter", "import sys\nsys.exit(3)\n")
    plugins = load_plugins([tmp_path], entry_points=False)
    assert [(f.name, f.error) for f in plugins.failures] == [("quitter", "SystemExit: 3")]
    assert "filesystem" in plugins.provider_types


def test_a_hook_that_raises_is_a_recorded_failure(tmp_path: Path) -> None:
    write_plugin(
        tmp_path,
        "raiser",
        """
        from mcp_resources import hookimpl
        @hookimpl
        def register_providers(register):
            raise ValueError("cannot start")
        """,
    )
    plugins = load_plugins([tmp_path], entry_points=False)
    assert [(f.name, f.error) for f in plugins.failures] == [("raiser", "ValueError: cannot start")]
    assert not plugins.manager.has_plugin("raiser")


def test_a_misspelt_hook_is_an_error_naming_the_plugin(tmp_path: Path) -> None:
    write_plugin(
        tmp_path,
        "typo",
        """
        from mcp_resources import hookimpl
        @hookimpl
        def register_provider(register):
            pass
        """,
    )
    plugins = load_plugins([tmp_path], entry_points=False)
    [failure] = plugins.failures
    assert failure.name == "typo"
    assert "register_provider" in failure.error and "unknown hook" in failure.error


def test_a_hook_with_a_wrong_argument_is_an_error(tmp_path: Path) -> None:
    write_plugin(
        tmp_path,
        "badargs",
        """
        from mcp_resources import hookimpl
        @hookimpl
        def register_providers(registrar):
            pass
        """,
    )
    [failure] = load_plugins([tmp_path], entry_points=False).failures
    assert failure.name == "badargs" and "registrar" in failure.error


@pytest.mark.parametrize(
    ("registered", "message"),
    [
        ("object", "expects a ResourceProvider subclass"),
        ("Bad", "type_name must be a lowercase name"),
    ],
)
def test_registering_something_invalid_is_a_failure(tmp_path: Path, registered: str, message: str) -> None:
    write_plugin(
        tmp_path,
        "invalid",
        f"""
        from mcp_resources import ResourceProvider, hookimpl
        class Bad(ResourceProvider):
            type_name = "Not A Name"
        @hookimpl
        def register_providers(register):
            register({registered})
        """,
    )
    [failure] = load_plugins([tmp_path], entry_points=False).failures
    assert message in failure.error


def test_two_plugins_registering_one_type_is_an_error_naming_both(tmp_path: Path) -> None:
    write_plugin(tmp_path, "alpha", MEMORY_TYPE.format(type_name="dup"))
    write_plugin(tmp_path, "beta", MEMORY_TYPE.format(type_name="dup"))
    plugins = load_plugins([tmp_path], entry_points=False)
    assert plugins.conflicts == {"dup": ["alpha", "beta"]}
    assert "dup" not in plugins.provider_types
    config = f'[plugins]\ndirs = ["{tmp_path}"]\n[providers.x]\ntype = "dup"\n'
    with pytest.raises(ConfigError) as caught:
        assemble_toml(config, tmp_path)
    [problem] = caught.value.problems
    assert "alpha" in problem and "beta" in problem and "disable" in problem


def test_a_plugin_shadowing_a_builtin_type_is_a_conflict(tmp_path: Path) -> None:
    write_plugin(tmp_path, "myfs", MEMORY_TYPE.format(type_name="filesystem"))
    plugins = load_plugins([tmp_path], entry_points=False)
    assert plugins.conflicts == {"filesystem": ["filesystem", "myfs"]}


def test_plugin_stdout_goes_to_stderr(tmp_path: Path) -> None:
    write_plugin(
        tmp_path,
        "noisy",
        """
        print("printed at import")
        from mcp_resources import hookimpl
        @hookimpl
        def register_providers(register):
            print("printed in a hook")
        """,
    )
    code = f"from mcp_resources.plugins import load_plugins; load_plugins([__import__('pathlib').Path({str(tmp_path)!r})])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == ""
    assert "printed at import" in result.stderr and "printed in a hook" in result.stderr


def test_a_failed_plugin_is_fatal_only_when_the_config_needs_it(tmp_path: Path) -> None:
    plugin_dir = tmp_path / "plugins"
    write_plugin(plugin_dir, "provides_widgets", "raise ImportError('widget library missing')\n")
    (tmp_path / "root").mkdir()
    unused = f'[plugins]\ndirs = ["plugins"]\n{fs_config()}'
    assembly = assemble_toml(unused, tmp_path)
    assert [f.name for f in assembly.plugins.failures] == ["provides_widgets"]
    assert [p.name for p in assembly.app.providers] == ["docs"]

    needed = unused + '[providers.w]\ntype = "widgets"\n'
    with pytest.raises(ConfigError) as caught:
        assemble_toml(needed, tmp_path)
    [problem] = caught.value.problems
    assert "providers.w.type" in problem and "unknown provider type 'widgets'" in problem
    assert "provides_widgets: ImportError: widget library missing" in problem


def test_entry_point_plugins_are_loaded_from_installed_distributions(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_plugin(site, "mcp_resources_demo_ep", MEMORY_TYPE.format(type_name="from-ep"))
    dist = site / "mcp_resources_demo_ep-1.2.3.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mcp-resources-demo-ep\nVersion: 1.2.3\n")
    (dist / "entry_points.txt").write_text("[mcp_resources]\ndemo = mcp_resources_demo_ep\n")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from mcp_resources.plugins import load_plugins\n"
        "p = load_plugins()\n"
        "print([(i.name, i.source, i.provider_types) for i in p.plugins if i.name == 'demo'])\n"
        "p = load_plugins(disable=['demo'])\n"
        "print('from-ep' in p.provider_types)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(site)], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == ["[('demo', 'mcp-resources-demo-ep 1.2.3', ['from-ep'])]", "False"]


def test_test_plugins_folder_loads_cleanly() -> None:
    assert load_plugins([TEST_PLUGINS], entry_points=False).failures == []


def test_the_prompt_library_ships_in_the_wheel(tmp_path: Path) -> None:
    """Built and installed as a wheel (not from the checkout), the library is found in the package."""
    repo = Path(__file__).resolve().parents[1]
    build = [sys.executable, "-m", "pip", "wheel", str(repo), "--no-deps", "-q", "-w", str(tmp_path / "dist")]
    subprocess.run(build, check=True, timeout=300, capture_output=True)
    [wheel] = (tmp_path / "dist").glob("*.whl")
    install = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "-q",
        "--target",
        str(tmp_path / "site"),
        str(wheel),
    ]
    subprocess.run(install, check=True, timeout=300, capture_output=True)
    probe = (
        "import mcp_resources.builtins.library as lib, pathlib; "
        "folder = lib.library_folder(); "
        "print(pathlib.Path(lib.__file__).parent.parent == pathlib.Path(str(folder)).parent, "
        "sorted(p.name for p in folder.iterdir()))"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    found = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert found.returncode == 0, found.stderr
    packaged, names = found.stdout.split(" ", 1)
    assert packaged == "True"
    assert "summarise-file.md.j2" in names and "triage-log-errors.md.j2" in names
