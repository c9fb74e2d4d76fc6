"""Every file the tool exports gets the user's umask, like any file they make: the answers export (each
format and its dictionary), the dataset export, the report and a batch export."""

from __future__ import annotations

import os
import stat

import pytest

from valuegap_tui.cli import main
from tests.helpers.collection import answer_model
from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.setup import create_run


@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def _modes(folder) -> dict[str, int]:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_every_export_gets_the_umask(study, tmp_path, umask, mask):
    seed_study(study, 4)
    run_id = create_run(study, definition(models=[{"name": "m", "endpoints": ["http://127.0.0.1:1"]}], repeats=1))
    answer_model(study, run_id, "m", 8)  # some answers to export, some questions left for a batch file
    umask(mask)
    out = tmp_path / "out"
    for name in ("answers.csv", "answers.jsonl", "answers.parquet"):
        assert main(["run", "export-answers", str(run_id), str(out / name), "--study", str(study.path)]) == 0
    assert main(["export", str(out / "dilemmas.jsonl"), "--study", str(study.path)]) == 0
    assert main(["report", str(run_id), str(out / "report"), "--study", str(study.path)]) == 0
    assert main(["run", "export-batch", str(run_id), str(out / "batch"), "--study", str(study.path)]) == 0
    modes = _modes(out)
    assert {"answers.csv", "answers.csv.dictionary.json", "answers.parquet", "dilemmas.jsonl"} <= set(modes)
    assert any(name.startswith("report/") for name in modes) and "batch/manifest.json" in modes
    wrong = {name: oct(mode) for name, mode in modes.items() if mode != 0o666 & ~mask}
    assert wrong == {}, f"umask {oct(mask)}: {wrong}"
