"""One typed settings model: every section of config.toml and valuegap's environment variables,
checked as written, every problem of a file listed with its line and field."""

from __future__ import annotations

import pytest

from valuegap_tui.cli import main
from valuegap_tui.config import TomlLines, config_path, load_section, save_section
from valuegap_tui.settings import (ConfigError, LimitSettings, SettingsError, current_limits, environment,
                                   load_settings)

BROKEN = '''# my settings
[reviewer]
name = 5
blind = "false"

[keys]
"review.accept" = "enter"

[servers]
default = "nope"

[servers.lab]
endpoints = ["http:///v1", {url = "http://gpu2:99999/v1", concurrency = 0}]
timeout_s = "10"
colour = "blue"

[limits]
field_chars = 10
'''


def write_config(text: str):
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text(text, encoding="utf-8")
    return config_path()


def test_every_problem_of_a_file_is_listed_with_its_line_and_field():
    write_config(BROKEN)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    problems = caught.value.problems
    expected = [  # (line, field) in the order of the file
        (3, "[reviewer] name"), (4, "[reviewer] blind"), (10, "[servers] default"),
        (13, "[servers.lab] endpoints.0.url"), (13, "[servers.lab] endpoints.1.url"),
        (13, "[servers.lab] endpoints.1.concurrency"), (14, "[servers.lab] timeout_s"),
        (15, "[servers.lab] colour"), (18, "[limits] field_chars"),
    ]
    assert [p.split(": ")[0] for p in problems] == [f"line {line}, {field}" for line, field in expected]
    assert "true or false" in problems[1] and "'false'" in problems[1]
    assert "names no host" in problems[3] and "port" in problems[4]
    assert "unknown setting" in problems[7]
    assert str(caught.value).startswith(f"{config_path()}: 9 problems: line 3, [reviewer] name")
    assert "\n" not in str(caught.value)


def test_values_are_taken_as_written_not_guessed():
    write_config('[reviewer]\nname = "5"\nblind = false\n')
    reviewer = load_settings().reviewer
    assert (reviewer.name, reviewer.blind) == ("5", False)
    for body in ('[reviewer]\nblind = "false"\n', '[reviewer]\nblind = "true"\n', "[reviewer]\nblind = 1\n",
                 "[reviewer]\nname = 5\n", "[reviewer]\nname = true\n"):
        write_config(body)
        with pytest.raises(SettingsError, match=r"line \d, \[reviewer\]"):
            load_settings()


def test_a_section_is_read_alone_so_a_broken_one_does_not_stop_the_others():
    write_config(BROKEN.replace("name = 5\n", 'name = "ann"\n').replace('blind = "false"\n', "blind = true\n"))
    reviewer = load_settings(only=("reviewer",)).reviewer
    assert (reviewer.name, reviewer.blind) == ("ann", True)
    assert load_settings(only=("keys",)).keys == {"review.accept": "enter"}
    with pytest.raises(SettingsError, match=r"\[servers\] default"):
        load_settings(only=("servers",))


def test_saving_a_section_keeps_comments_and_reads_back_typed():
    path = write_config("# who reviews\n[reviewer]\nname = \"ann\"  # me\n\n# keys\n[keys]\n\"review.accept\" = \"z\"\n")
    save_section("reviewer", {"name": "bob", "blind": True})
    text = path.read_text(encoding="utf-8")
    assert "# who reviews" in text and "# keys" in text and '"review.accept" = "z"' in text
    settings = load_settings()
    assert (settings.reviewer.name, settings.reviewer.blind, settings.keys) == ("bob", True, {"review.accept": "z"})
    assert load_section("reviewer") == {"name": "bob", "blind": True}


def test_a_missing_file_gives_the_defaults_and_a_broken_one_its_reason():
    assert load_settings() == load_settings(config_path().parent / "nothing-here.toml")
    assert load_settings().limits == LimitSettings()
    write_config("[reviewer\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()


def test_an_api_key_of_the_wrong_type_is_named_but_never_shown():
    write_config('[servers.lab]\nendpoints = ["http://127.0.0.1:9/v1"]\napi_key = 987654321\n')
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "line 3, [servers.lab] api_key: must be text in quotes" in str(caught.value)
    assert "987654321" not in str(caught.value)


def test_environment_variables_are_checked_and_named():
    assert environment({}).busy_timeout_s is None
    assert environment({"VALUEGAP_BUSY_TIMEOUT_S": "2.5", "VALUEGAP_MAX_INPUT_MB": ""}).busy_timeout_s == 2.5
    for name, value in [("VALUEGAP_BUSY_TIMEOUT_S", "soon"), ("VALUEGAP_BUSY_TIMEOUT_S", "-1"),
                        ("VALUEGAP_BUSY_TIMEOUT_S", "nan"), ("VALUEGAP_MAX_INPUT_MB", "0"),
                        ("VALUEGAP_MAX_FIELD_CHARS", "ten"), ("VALUEGAP_MAX_JSON_DEPTH", "1.5")]:
        with pytest.raises(SettingsError) as caught:
            environment({name: value})
        assert str(caught.value).startswith(f"environment: {name}={value!r}") and "unset it" in str(caught.value)


def test_limits_come_from_the_environment_else_the_config_else_the_defaults(monkeypatch):
    assert current_limits().field_chars == 131_072
    write_config("[limits]\nfield_chars = 2048\ninput_mb = 3\n")
    assert (current_limits().field_chars, current_limits().input_mb) == (2048, 3)
    monkeypatch.setenv("VALUEGAP_MAX_FIELD_CHARS", "4096")
    assert (current_limits().field_chars, current_limits().input_mb) == (4096, 3)


def test_config_check_prints_every_problem_one_per_line(capsys, monkeypatch):
    write_config(BROKEN)
    monkeypatch.setenv("VALUEGAP_BUSY_TIMEOUT_S", "soon")
    assert main(["config", "check"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10
    assert lines[0] == f"{config_path()}: line 3, [reviewer] name: must be text in quotes, not 5"
    assert lines[-1].startswith("environment: VALUEGAP_BUSY_TIMEOUT_S='soon'")
    monkeypatch.delenv("VALUEGAP_BUSY_TIMEOUT_S")
    write_config('[reviewer]\nname = "ann"\n')
    assert main(["config", "check"]) == 0
    assert "no problems" in capsys.readouterr().out


def test_toml_lines_follow_tables_arrays_of_tables_and_multiline_strings():
    lines = TomlLines('a = """\n[not.a.table]\nx = 1\n"""\n[[models]]\nname = "a"\n[[models]]\nname = "b"\n'
                      '[models.generation]\nt = 1\n[dilemmas]\nvalues = [\n  "x",\n]\n')
    assert lines.line_of(("models", 1, "name")) == 8
    assert lines.line_of(("models", 1, "generation", "t")) == 10
    assert lines.line_of(("dilemmas", "values", 0)) == 12
    assert lines.line_of(("not",)) is None and lines.line_of(("x",)) is None
    assert lines.field_name(("dilemmas", "values", 0)) == "[dilemmas] values.0"
