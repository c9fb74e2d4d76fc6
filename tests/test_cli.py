from __future__ import annotations

import subprocess
import sys

import pytest

from valuegap_tui.cli import build_parser, main


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def test_every_command_has_help_and_study_option():
    for name, sub in _subcommands().items():
        text = sub.format_help()
        assert "--study PATH" in text, name
        assert sub.description, name


def test_command_table_matches_what_the_modules_register():
    """`valuegap --help` lists commands from a static table (so it imports no command module): every
    command a module registers is in it, under that module, with the module's own help line."""
    import argparse
    import importlib
    import pkgutil

    import valuegap_tui.cli as cli

    registered = []
    for info in pkgutil.iter_modules(cli.__path__):
        if info.name.startswith("_"):
            continue
        commands = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"valuegap_tui.cli.{info.name}").register(commands)
        registered += [(a.dest, info.name, a.help) for a in commands._choices_actions]
    assert sorted(cli.COMMANDS) == sorted(registered), "add the new command to COMMANDS in valuegap_tui/cli"


def test_help_imports_no_command_module_and_lists_every_command():
    code = ("import sys\nfrom valuegap_tui.cli import COMMANDS, main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('valuegap_tui.cli.')))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
    from valuegap_tui.cli import COMMANDS

    for name, _, help in COMMANDS:
        assert name in result.stdout and help.split()[0] in result.stdout


def test_a_command_gets_its_full_options_alone():
    parser = build_parser(["run", "start", "x.toml"])
    args = parser.parse_args(["run", "start", "x.toml", "--plan-only"])
    assert args.plan_only and args.handler.__name__ == "cmd_start"


def test_python_m_entry_point_works():
    result = subprocess.run([sys.executable, "-m", "valuegap_tui", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "demo" in result.stdout


def test_init_and_info(tmp_path, capsys):
    path = tmp_path / "s.db"
    assert main(["init", "--study", str(path)]) == 0
    assert main(["info", "--study", str(path)]) == 0
    assert "0 dilemmas" in capsys.readouterr().out


def test_demo_runs_the_whole_pipeline_on_the_simulator(tmp_path, capsys):
    from valuegap_tui.store import dilemmas as dilemma_store
    from valuegap_tui.store import open_study
    from valuegap_tui.store import personas as persona_store
    from valuegap_tui.store import runs as run_store
    from valuegap_tui.store import run_progress as progress_store

    assert main(["demo", "--no-tui", "--study", str(tmp_path / "demo.db")]) == 0
    assert "SIMULATED" in capsys.readouterr().err
    study = open_study(tmp_path / "demo.db")
    sources = [d.provenance.source for d in dilemma_store.iter_dilemmas(study)]
    assert sources.count("sample") == 8 and sources.count("generated") >= 1
    kinds = {p.kind for p in persona_store.list_all(study)}
    assert {"baseline", "moderate", "max", "incongruous"} <= kinds
    [run] = run_store.list_runs(study)
    progress = progress_store.progress(study, run.id)
    assert progress.total > 0 and progress.done == progress.total
    asked = {row["persona_id"] for row in study.db.query("SELECT DISTINCT persona_id FROM run_personas")}
    assert {persona_store.get(study, pid).kind for pid in asked} == {"baseline", "moderate", "max", "incongruous"}
    # enough dilemmas for meaningful intervals, personas from every quadrant of the map
    assert study.db.execute("SELECT COUNT(*) FROM run_dilemmas").fetchone()[0] >= 616
    corners = {(x >= 0, y >= 0) for x, y in (persona_store.get(study, pid).position for pid in asked)
               if (x, y) != (0, 0) and x != 0 and y != 0}
    assert corners == {(True, True), (True, False), (False, True), (False, False)}


def test_a_second_demo_keeps_the_first(tmp_path, monkeypatch, capsys):
    from valuegap_tui.store import open_study

    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--no-tui"]) == 0
    first = open_study(tmp_path / "valuegap-demo.db")
    first.set_meta("my.work", "kept")
    first.close()
    capsys.readouterr()
    assert main(["demo", "--no-tui"]) == 0
    assert "valuegap-demo.db holds an earlier demo study (kept as it is)" in capsys.readouterr().err
    assert open_study(tmp_path / "valuegap-demo.db").get_meta("my.work") == "kept"
    assert (tmp_path / "valuegap-demo-2.db").stat().st_size > 0
    # a --study that holds a study is refused, not rebuilt
    assert main(["demo", "--no-tui", "--study", str(tmp_path / "valuegap-demo.db")]) == 1
    assert "already holds a study" in capsys.readouterr().err
    assert open_study(tmp_path / "valuegap-demo.db").get_meta("my.work") == "kept"


def test_missing_study_is_one_line_error(tmp_path, capsys):
    assert main(["info", "--study", str(tmp_path / "nope.db")]) == 1
    assert "no study at" in capsys.readouterr().err


def test_demo_refuses_to_overwrite_a_foreign_file(tmp_path, capsys):
    precious = tmp_path / "notes.db"
    precious.write_text("my notes")
    assert main(["demo", "--no-tui", "--study", str(precious)]) == 1
    assert precious.read_text() == "my notes"


@pytest.mark.parametrize("argv", [["run", "--study", "X", "list"], ["run", "list", "--study", "X"],
                                  ["server", "--study", "X", "probe"], ["server", "probe", "--study", "X"]])
def test_study_option_before_or_after_a_group_subcommand(argv):
    assert str(build_parser().parse_args(argv).study) == "X"
