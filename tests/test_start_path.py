"""What `valuegap run start` does before its first request, kept small: the planner's dilemma
snapshots go to the executor in the same process, and the command line imports only what it uses."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.execute import RunExecutor
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.store import runs as run_store


def test_the_executor_takes_the_snapshots_just_planned_and_reads_them_back_otherwise(study, monkeypatch):
    seed_study(study, 5)
    run_id = create_run(study, definition(repeats=2), stream=True)
    stored = run_store.dilemmas_of(study, run_id)
    reads = []
    dilemmas_of = run_store.dilemmas_of
    monkeypatch.setattr(run_store, "dilemmas_of", lambda *a: reads.append(a) or dilemmas_of(*a))
    first = RunExecutor(study, run_id, {})
    assert reads == [] and first.dilemmas == stored and list(first.dilemmas) == list(stored)
    again = RunExecutor(study, run_id, {})  # a second executor (a resume) reads the study
    assert len(reads) == 1 and again.dilemmas == stored


def test_run_start_imports_no_heavy_module_it_does_not_use():
    """aiohttp, sqlite-utils, tomlkit, NumPy, Textual and the metrics stay out of `run start`'s process."""
    code = ("import sys\nfrom valuegap_tui.cli import build_parser\n"
            "build_parser(['run', 'start', 'x.toml'])\n"
            "from valuegap_tui.evaluate import execute, session, setup\n"
            "from valuegap_tui.server import client\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in"
            " ('aiohttp', 'sqlite_utils', 'tomlkit', 'textual', 'openai', 'matplotlib', 'numpy')"
            " or m.startswith('valuegap_tui.metrics') or m.startswith('valuegap_tui.tui'))))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert found == []
