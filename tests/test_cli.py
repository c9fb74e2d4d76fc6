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


def test_python_m_entry_point_works():
    result = subprocess.run([sys.executable, "-m", "valuegap_tui", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "demo" in result.stdout


def test_init_info_and_demo(tmp_path, capsys):
    path = tmp_path / "s.db"
    assert main(["init", "--study", str(path)]) == 0
    assert main(["info", "--study", str(path)]) == 0
    assert "0 dilemmas" in capsys.readouterr().out
    assert main(["demo", "--no-tui", "--study", str(tmp_path / "demo.db")]) == 0
    assert main(["info", "--study", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    assert "8 dilemmas" in out and "draft 8" in out


def test_missing_study_is_one_line_error(tmp_path, capsys):
    assert main(["info", "--study", str(tmp_path / "nope.db")]) == 1
    assert "no study at" in capsys.readouterr().err


def test_demo_refuses_to_overwrite_a_foreign_file(tmp_path, capsys):
    precious = tmp_path / "notes.db"
    precious.write_text("my notes")
    assert main(["demo", "--no-tui", "--study", str(precious)]) == 1
    assert precious.read_text() == "my notes"
