"""A large run's report computes its intervals in two child processes at once (metrics/apart.py, the halves
of summary.PARTS) and what it reads beside them meanwhile: every file it writes, and the results it keeps,
are byte for byte those of a report that computes them in its own process; children that fail leave the
report to compute them itself; a report that fails leaves no child behind."""

from __future__ import annotations

import sys

import matplotlib
import pytest

from tests.helpers.collection import staged_study
from valuegap_tui.metrics import apart
from valuegap_tui.metrics.items import DEFAULT_AGGREGATE
from valuegap_tui.report import writer
from valuegap_tui.report.kept import EVERY_MODEL, options_key
from valuegap_tui.report.kept_report import report_options
from valuegap_tui.store import results_cache


@pytest.fixture(autouse=True)
def _fixed_dates(monkeypatch):
    """PDF and SVG files carry the time they were written, and SVG ids a random salt: both fixed."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setitem(matplotlib.rcParams, "svg.hashsalt", "fixed")
    monkeypatch.setattr(apart, "split_by_default", lambda: True)  # as on two cores, whatever this machine has


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _kept(study, run_id: int) -> list[str | None]:
    """The text kept for the next report: its results with intervals, and what it read beside them."""
    options = options_key(EVERY_MODEL, None, DEFAULT_AGGREGATE, None)
    state = results_cache.fingerprint(study, run_id)
    return [results_cache.load(study, run_id, key, "intervals", state) for key in (options, report_options(options))]


def _started(monkeypatch) -> list:
    started = []
    real = apart.Apart
    monkeypatch.setattr(apart, "Apart", lambda *a, **k: started.append(real(*a, **k)) or started[-1])
    return started


@pytest.mark.parametrize("workers", [1, 2])
def test_intervals_computed_apart_give_the_same_report_and_kept_results(tmp_path, monkeypatch, workers):
    study, run_id = staged_study(tmp_path / "s.db", "person", {"ann": 6, "bob": 3})
    started = _started(monkeypatch)
    monkeypatch.setattr(writer, "APART_FROM", 10**12)
    writer.report_run(study, run_id, tmp_path / "here", workers=workers)
    here = _kept(study, run_id)
    assert None not in here
    assert started == []
    results_cache.forget(study)
    monkeypatch.setattr(writer, "APART_FROM", 0)
    writer.report_run(study, run_id, tmp_path / "apart", workers=workers)
    assert len(started) == 1 and len(started[0].children) == 2  # both halves, in children of their own
    assert _files(tmp_path / "apart") == _files(tmp_path / "here")  # tables, summary, figures
    assert _kept(study, run_id) == here  # the results and the extras kept for the next report


def test_children_that_fail_leave_the_report_to_compute_the_intervals_itself(tmp_path, monkeypatch):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    writer.report_run(study, run_id, tmp_path / "here", workers=1)
    results_cache.forget(study)
    monkeypatch.setattr(writer, "APART_FROM", 0)
    monkeypatch.setattr(apart, "COMMAND", (sys.executable, "-c", "import sys; sys.exit('out of memory')"))
    computed = []
    real = writer.compute_results
    monkeypatch.setattr(writer, "compute_results", lambda frame, **kw: computed.append(kw) or real(frame, **kw))
    writer.report_run(study, run_id, tmp_path / "again", workers=1)
    assert [kw.get("bootstrap", True) for kw in computed] == [True]  # here, once the children failed
    assert _files(tmp_path / "again") == _files(tmp_path / "here")


def test_a_report_that_fails_while_its_children_compute_stops_them(tmp_path, monkeypatch):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    started = _started(monkeypatch)
    monkeypatch.setattr(writer, "APART_FROM", 0)
    monkeypatch.setattr(apart, "COMMAND", (sys.executable, "-c", "import time; time.sleep(60)"))

    def failing(*args, **kwargs):
        raise RuntimeError("the respondents could not be read")

    monkeypatch.setattr(writer, "respondents_of", failing)
    with pytest.raises(RuntimeError, match="could not be read"):
        writer.report_run(study, run_id, tmp_path / "out", workers=1)
    assert [child.process.poll() is not None for child in started[0].children] == [True, True]
    assert apart.running() == 0
