"""Each design's own commands and options come from the design (designs.COMMANDS, its generator's
scope fields, its import): the command line lists them without importing a design, and a design's
command or option refuses another design's study in one line."""

from __future__ import annotations

import argparse
import importlib

import pytest

from valuegap_tui.cli import main
from valuegap_tui.designs import COMMANDS, design_ids, set_study_design
from valuegap_tui.store import open_study


def test_each_designs_commands_are_what_its_module_registers():
    for design_id in design_ids():
        declared = COMMANDS.get(design_id, ())
        for module in {m for _, m, _ in declared}:
            commands = argparse.ArgumentParser().add_subparsers()
            importlib.import_module(module).register(commands)
            registered = sorted((a.dest, module, a.help) for a in commands._choices_actions)
            assert registered == sorted(c for c in declared if c[1] == module), design_id


def study_of(tmp_path, design_id):
    path = tmp_path / f"{design_id}.db"
    study = open_study(path, create=True)
    set_study_design(study, design_id)
    study.close()
    return str(path)


@pytest.mark.parametrize("argv, design, says", [
    (["check-labels"], "valact", "`valuegap check-labels` belongs to a study of the 'graded_actions' design"),
    (["questionnaire", "show"], "graded_actions", "`valuegap questionnaire` belongs to a study of the 'valact'"),
    (["generate", "--values", "wisdom", "--dry-run"], "valact", "does not generate by values: it takes topics, variants"),
    (["generate", "--dry-run"], "via", "is not generated: import its items"),
    (["import", "x.jsonl"], "via", "has no `valuegap import`"),
])
def test_a_designs_command_or_option_refuses_another_designs_study(tmp_path, capsys, argv, design, says):
    path = study_of(tmp_path, design)
    assert main([*argv, "--study", path]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err


def test_generate_names_what_a_valact_study_would_generate(tmp_path, capsys):
    path = study_of(tmp_path, "valact")
    assert main(["generate", "--topics", "religion,environment", "--variants", "2", "--dry-run", "--study", path]) == 0
    assert "4 scenario(s) to generate" in capsys.readouterr().err
