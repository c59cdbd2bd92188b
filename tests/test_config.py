"""Config mistakes fail at start-up naming the file, the TOML key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TEST_PLUGINS, fs_config

from mcp_resources.config import load_config
from mcp_resources.errors import ConfigError
from mcp_resources.testing import assemble_toml, write_config


def problems(toml: str, folder: Path) -> list[str]:
    (folder / "root").mkdir(exist_ok=True)
    with pytest.raises(ConfigError) as caught:
        assemble_toml(toml, folder)
    return caught.value.problems


def test_a_valid_config_builds_providers_with_default_prefixes(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    assembly = assemble_toml(fs_config() + fs_config(name="more", prefix="more://x/"), tmp_path)
    assert [(p.name, p.prefix) for p in assembly.app.providers] == [
        ("docs", "docs://"),
        ("more", "more://x/"),
    ]


def test_unknown_key_suggests_the_near_miss(tmp_path: Path) -> None:
    [line] = problems('[providers.docs]\ntype = "filesystem"\nroot = "root"\nexlcude = ["x"]\n', tmp_path)
    assert (
        line
        == f"{tmp_path / 'mcp-resources.toml'}: providers.docs.exlcude: unknown key; did you mean 'exclude'?"
    )


def test_unknown_key_without_near_miss_lists_allowed_keys(tmp_path: Path) -> None:
    [line] = problems("[server]\nzzz = 1\n", tmp_path)
    assert "server.zzz: unknown key; allowed keys: name, instructions, page_size" in line


def test_unknown_table_suggests_the_section(tmp_path: Path) -> None:
    [line] = problems('[srever]\nname = "x"\n', tmp_path)
    assert "srever: unknown key; did you mean 'server'?" in line


def test_missing_required_key(tmp_path: Path) -> None:
    [line] = problems('[providers.docs]\ntype = "filesystem"\n', tmp_path)
    assert "providers.docs.root: required key is missing; add `root = ...`" in line


def test_missing_type(tmp_path: Path) -> None:
    [line] = problems('[providers.docs]\nroot = "root"\n', tmp_path)
    assert 'providers.docs.type: required key is missing; add `type = "..."`' in line


def test_unknown_type_suggests_the_near_miss(tmp_path: Path) -> None:
    [line] = problems('[providers.docs]\ntype = "filesytem"\nroot = "root"\n', tmp_path)
    assert "providers.docs.type: unknown provider type 'filesytem'; did you mean 'filesystem'?" in line
    assert "available: filesystem, logs, sqlite;" in line


def test_unknown_type_suggests_a_builtin_left_unimported(tmp_path: Path) -> None:
    # The config uses no sqlite provider, so the sqlite built-in is not imported, yet still suggested.
    [line] = problems('[providers.db]\ntype = "sqlit"\npath = "x.db"\n', tmp_path)
    assert "unknown provider type 'sqlit'; did you mean 'sqlite'?" in line


def test_wrong_value_type_names_the_key_and_value(tmp_path: Path) -> None:
    [line] = problems('[server]\npage_size = "many"\n', tmp_path)
    assert "server.page_size: Input should be a valid integer" in line and "'many'" in line


def test_out_of_range_value(tmp_path: Path) -> None:
    [line] = problems("[server]\npage_size = 0\n", tmp_path)
    assert "server.page_size: Input should be greater than or equal to 1" in line


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    toml = '[server]\npage_size = 0\n[providers.a]\ntype = "nope"\n[providers.b]\ntype = "filesystem"\n'
    lines = problems(toml, tmp_path)
    assert len(lines) == 1  # [server] fails first: the fixed tables are checked before components
    lines = problems('[providers.a]\ntype = "nope"\n[providers.b]\ntype = "filesystem"\n', tmp_path)
    assert len(lines) == 2 and "providers.a.type" in lines[0] and "providers.b.root" in lines[1]


def test_invalid_toml_names_line_and_column(tmp_path: Path) -> None:
    [line] = problems("[server\nname = 1\n", tmp_path)
    assert "invalid TOML" in line and "line 1" in line


def test_missing_file_suggests_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml")
    assert "no such file; create one with `mcp-resources init nope.toml`" in caught.value.problems[0]


def test_relative_paths_resolve_against_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cfg" / "data").mkdir(parents=True)
    monkeypatch.chdir("/")
    path = write_config(fs_config("data") + '[plugins]\ndirs = ["."]\n', tmp_path / "cfg")
    config = load_config(path)
    assert config.plugins.dirs == [tmp_path / "cfg"]
    assembly = assemble_toml(fs_config("data"), tmp_path / "cfg")
    assert assembly.app.providers[0].config.root == tmp_path / "cfg" / "data"


def test_root_that_does_not_exist(tmp_path: Path) -> None:
    [line] = problems(fs_config("missing"), tmp_path)
    assert (
        f"providers.docs.root: folder '{tmp_path / 'missing'}' does not exist; create it or fix the path"
        in line
    )


def test_root_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    [line] = problems(fs_config("file.txt"), tmp_path)
    assert "is not a folder" in line


def test_bad_default_prefix_name(tmp_path: Path) -> None:
    [line] = problems('[providers."My Docs"]\ntype = "filesystem"\nroot = "root"\n', tmp_path)
    assert "providers.\"My Docs\": the name 'My Docs' cannot be a URI scheme" in line
    assert 'prefix = "name://"' in line


@pytest.mark.parametrize("prefix", ["docs", "Docs://", "docs://x", "docs://a?b/", "1abc://"])
def test_bad_prefix(tmp_path: Path, prefix: str) -> None:
    [line] = problems(fs_config(prefix=prefix), tmp_path)
    assert "providers.docs.prefix" in line and "is not a URI prefix" in line


def test_overlapping_prefixes(tmp_path: Path) -> None:
    [line] = problems(fs_config() + fs_config(name="api", prefix="docs://api/"), tmp_path)
    assert "providers.api.prefix: 'docs://api/' overlaps 'docs://' of providers.docs" in line


def test_plugin_and_prompt_dirs_that_do_not_exist(tmp_path: Path) -> None:
    plugin_line, prompt_line = problems(
        '[plugins]\ndirs = ["nope"]\n[prompts]\ndirs = [".", "gone"]\n', tmp_path
    )
    assert "plugins.dirs[0]: folder" in plugin_line and "does not exist" in plugin_line
    assert "prompts.dirs[1]: folder" in prompt_line and "gone" in prompt_line


def test_secret_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import BaseModel

    from mcp_resources.config import Secret, validate_model

    class WithSecret(BaseModel):
        token: Secret

    monkeypatch.setenv("MCPR_TEST_TOKEN", "s3cr3t")
    model = validate_model(WithSecret, {"token": {"env": "MCPR_TEST_TOKEN"}}, tmp_path / "c.toml")
    assert model.token.get_secret_value() == "s3cr3t" and "s3cr3t" not in repr(model)
    monkeypatch.delenv("MCPR_TEST_TOKEN")
    with pytest.raises(ConfigError) as caught:
        validate_model(
            WithSecret, {"token": {"env": "MCPR_TEST_TOKEN"}}, tmp_path / "c.toml", ("providers", "x")
        )
    assert caught.value.problems == [
        f"{tmp_path / 'c.toml'}: providers.x.token: environment variable MCPR_TEST_TOKEN is not set; "
        "export it before starting the server"
    ]
    with pytest.raises(ConfigError) as caught:
        validate_model(WithSecret, {"token": {"file": "x"}}, tmp_path / "c.toml")
    assert 'expected a string or { env = "VARIABLE" }' in caught.value.problems[0]


def test_max_read_bytes_accepts_units(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    assembly = assemble_toml(fs_config(max_read_bytes="2MiB"), tmp_path)
    assert int(assembly.app.providers[0].config.max_read_bytes) == 2 * 1024 * 1024


def test_notifier_tables_are_validated_by_their_type(tmp_path: Path) -> None:
    plugins = f'[plugins]\ndirs = ["{TEST_PLUGINS}"]\n'
    assembly = assemble_toml(
        plugins + '[notifiers.tick]\ntype = "interval"\nuri = "x://y"\nseconds = 2\n', tmp_path
    )
    [tick] = assembly.app.notifiers
    assert (tick.name, tick.type_name, tick.config.seconds) == ("tick", "interval", 2.0)
    lines = problems(
        plugins + '[notifiers.tick]\ntype = "intervall"\n[notifiers.tock]\ntype = "interval"\n', tmp_path
    )
    assert "notifiers.tick.type: unknown notifier type 'intervall'; did you mean 'interval'?" in lines[0]
    assert "notifiers.tock.uri: required key is missing" in lines[1]
