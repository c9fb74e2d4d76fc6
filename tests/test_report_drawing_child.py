"""A report of kept results has its figures drawn by a child forked before pyplot is imported
(report/drawing_child.py): the same files, kept as before; the child stopped at once where the figures
are kept, and stopped where the report fails; a drawing error raised in the report's process.

Each report runs in a fresh interpreter, as the command does: the test's own process has pyplot imported
already, where no child is started."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers.collection import staged_study
from valuegap_tui.report import drawing, writer
from valuegap_tui.report.kept_figures import SUFFIXES, forget_figures

pytestmark = pytest.mark.usefixtures("fixed_file_stamps")

#: a report in a fresh interpreter: argv[1] the study, argv[2] the folder, argv[3] what to check
_REPORT = '''
import multiprocessing, sys
import matplotlib
matplotlib.rcParams["svg.hashsalt"] = "fixed"  # as the fixture has it in the test's process
from valuegap_tui.report import drawing_child, writer
from valuegap_tui.store import open_study
study, out, case = open_study(sys.argv[1]), sys.argv[2], sys.argv[3]
made, real = [], drawing_child.start
drawing_child.start = lambda *a, **k: made.append(real(*a, **k)) or made[-1]
if case == "drawing fails":
    from valuegap_tui.report import drawing  # not the figures' module: that one imports pyplot
    def fail(job):
        raise ValueError("no room for the figure")
    drawing._draw = fail
if case == "tables fail":
    from valuegap_tui.metrics.table import Table
    def fail(self, path):
        raise OSError("the disk is full")
    Table.write_csv = fail
try:
    writer.report_run(study, 1, out, workers=2)
except (ValueError, OSError) as exc:
    print("raised:", exc)
assert len(made) == 1, "asked for a child more than once"
assert multiprocessing.active_children() == [], "a child left running"
print("pyplot in the report's process:", "matplotlib.pyplot" in sys.modules)
print("child started:", made[0] is not None)
if made[0] is not None:
    assert made[0].stopped, "the child not stopped"
    print("child drew:", made[0].used)
'''


def _report(study_path, out, case: str) -> str:
    done = subprocess.run([sys.executable, "-c", _REPORT, str(study_path), str(out), case],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _figure_files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in SUFFIXES}


def test_figures_of_kept_results_drawn_by_a_child_are_those_drawn_in_the_process(tmp_path, monkeypatch):
    assert drawing.worker_count(7, 2) == 2  # the child can be started here
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    assert run_id == 1
    first = writer.report_run(study, run_id, tmp_path / "first", workers=1)  # in this process, kept
    forget_figures(study)  # the results kept, the figures not: the report draws them
    said = _report(tmp_path / "s.db", tmp_path / "child", "drawn")
    assert "pyplot in the report's process: False" in said  # the child drew them: pyplot never imported here
    assert "child started: True" in said and "child drew: True" in said
    drawn = _figure_files(tmp_path / "child")
    assert len(drawn) == len(first.figures) >= 2 * 7
    assert drawn == _figure_files(tmp_path / "first")  # PNG and PDF byte for byte
    assert (tmp_path / "child" / "summary.md").read_text() == (tmp_path / "first" / "summary.md").read_text()
    # and kept by the report's process as before: a third report copies them
    monkeypatch.setattr(drawing, "_draw", lambda job: pytest.fail(f"{job[1]} drawn again"))
    writer.report_run(study, run_id, tmp_path / "again", workers=1)
    assert _figure_files(tmp_path / "again") == drawn
    # where they are kept, no child is started (it would cost CPU for nothing), and nothing is drawn
    said = _report(tmp_path / "s.db", tmp_path / "copied", "kept")
    assert "child started: False" in said and "pyplot in the report's process: False" in said
    assert _figure_files(tmp_path / "copied") == drawn


def test_a_drawing_error_in_the_child_is_raised_by_the_report_and_a_failed_report_stops_it(tmp_path):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    writer.report_run(study, run_id, tmp_path / "first", workers=1)
    forget_figures(study)
    said = _report(tmp_path / "s.db", tmp_path / "fails", "drawing fails")
    assert "raised: no room for the figure" in said and "child drew: True" in said
    said = _report(tmp_path / "s.db", tmp_path / "full", "tables fail")
    assert "raised: the disk is full" in said and "child drew: False" in said
    assert not any(p.suffix in SUFFIXES for p in (tmp_path / "full").iterdir())  # nothing drawn
