"""How a report's figures are drawn: in worker processes, with the same files as drawn one after another;
and kept with the results, so a second report of unchanged results copies them, while a new answer, other
options, another title or other matplotlib settings draw them anew."""

from __future__ import annotations

import json

import matplotlib
import pytest

from tests.helpers.collection import answer_model, staged_study
from tests.helpers.figures import svg_texts
from valuegap_tui import processes
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.report import drawing, writer
from valuegap_tui.report.figure_files import FORMATS
from valuegap_tui.report.kept_figures import SUFFIXES, KeptFigures, figures_key
from valuegap_tui.store import results_cache


pytestmark = pytest.mark.usefixtures("fixed_file_stamps")


def _figure_files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in SUFFIXES}


def test_figures_drawn_in_worker_processes_are_those_drawn_one_after_another(tmp_path):
    frame = synthetic_frame(models=("model-a", "model-b"), topics=2, repeats=2, seed=4)
    results = compute_results(frame)
    assert drawing.worker_count(12, 2) == 2  # the pool is used here, not the fallback
    serial = writer.write_report(results, tmp_path / "serial", "Two models", frame=frame, workers=1)
    parallel = writer.write_report(results, tmp_path / "parallel", "Two models", frame=frame, workers=2)
    assert [p.name for p in parallel.figures] == [p.name for p in serial.figures]
    assert [p.name for p in parallel.run_figures] == ["models_conditions.png", "models_kinds.png"]
    assert {m: [p.name for p in ps] for m, ps in parallel.figures_by_model.items()} == \
        {m: [p.name for p in ps] for m, ps in serial.figures_by_model.items()}
    assert len(serial.figures) == 3 * 12
    one, other = _figure_files(tmp_path / "serial"), _figure_files(tmp_path / "parallel")
    assert one.keys() == other.keys() and len(one) == 36
    assert one == other  # PNG, PDF and SVG byte for byte
    assert (tmp_path / "serial" / "summary.md").read_text() == (tmp_path / "parallel" / "summary.md").read_text()


def test_one_process_draws_where_other_threads_run_or_one_worker_is_asked():
    import threading

    assert drawing.worker_count(7, 1) == 1
    assert drawing.worker_count(1, 4) == 1  # never more workers than figures
    started, done = threading.Event(), threading.Event()
    thread = threading.Thread(target=lambda: (started.set(), done.wait(10)))
    thread.start()
    try:
        started.wait(10)
        assert drawing.worker_count(7, 2) == 1  # a forked child could inherit a lock that thread holds
    finally:
        done.set()
        thread.join()


def test_by_default_a_worker_per_core(monkeypatch):
    monkeypatch.setattr(processes.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert drawing.worker_count(7) == 3
    assert drawing.worker_count(2) == 2


def _counting_draws(monkeypatch) -> list:
    calls = []
    real = drawing._draw
    monkeypatch.setattr(drawing, "_draw", lambda job: calls.append(job[1]) or real(job))
    return calls


def test_a_second_report_of_unchanged_results_copies_the_figures_of_the_first(tmp_path, monkeypatch):
    # people half-way through a survey beside the model: the report of a survey under way
    study, run_id = staged_study(tmp_path / "s.db", "person", {"ann": 6, "bob": 3})
    first = writer.report_run(study, run_id, tmp_path / "first", workers=1)
    assert len(first.figures) >= 3 * 7
    monkeypatch.setattr(drawing, "_draw", lambda job: pytest.fail(f"{job[1]} drawn again"))
    again = writer.report_run(study, run_id, tmp_path / "again", workers=1)
    assert [p.name for p in again.figures] == [p.name for p in first.figures]
    assert {m: [p.name for p in ps] for m, ps in again.figures_by_model.items()} == \
        {m: [p.name for p in ps] for m, ps in first.figures_by_model.items()}
    assert _figure_files(tmp_path / "again") == _figure_files(tmp_path / "first")
    assert (tmp_path / "again" / "summary.md").read_text() == (tmp_path / "first" / "summary.md").read_text()


def test_kept_figures_are_drawn_anew_after_a_new_answer_other_options_or_forgetting(tmp_path, monkeypatch):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    writer.report_run(study, run_id, tmp_path / "first", workers=1)
    calls = _counting_draws(monkeypatch)
    writer.report_run(study, run_id, tmp_path / "kept", workers=1)
    assert calls == []
    answer_model(study, run_id, "b", 40)  # more answers: other results, other figures
    writer.report_run(study, run_id, tmp_path / "new answer", workers=1)
    assert "alignment_heatmap" in calls and "models_conditions" in calls
    assert _figure_files(tmp_path / "new answer") != _figure_files(tmp_path / "first")
    drawn = len(calls)
    writer.report_run(study, run_id, tmp_path / "cell means", aggregate="cell_mean", workers=1)  # other options
    assert len(calls) > drawn
    drawn = len(calls)
    writer.report_run(study, run_id, tmp_path / "one model", model="b", workers=1)
    assert len(calls) > drawn
    drawn = len(calls)
    writer.report_run(study, run_id, tmp_path / "kept again", workers=1)
    assert len(calls) == drawn
    results_cache.forget(study, run_id)  # what the benches do for "nothing kept"
    writer.report_run(study, run_id, tmp_path / "forgotten", workers=1)
    assert len(calls) > drawn


def test_the_key_covers_the_results_the_title_the_choices_and_matplotlibs_settings():
    shares = {"m": [["baseline", {"value": [0.5, 0.5], "action": [1.0, 0.0]}]]}
    key = figures_key("results", "Run 1: a", shares)
    assert figures_key("results", "Run 1: a", json.loads(json.dumps(shares))) == key
    assert figures_key("results!", "Run 1: a", shares) != key
    assert figures_key("results", "Run 1: b", shares) != key
    assert figures_key("results", "Run 1: a", {"m": [["baseline", {"value": [0.5, 0.5], "action": [0.9, 0.1]}]]}) != key
    with matplotlib.rc_context({"font.size": 13}):
        assert figures_key("results", "Run 1: a", shares) != key
    # figures drawn another way by the same version (a single model's run drew the side-by-side two)
    from valuegap_tui.report import kept_figures

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kept_figures, "FIGURES_FORMAT", kept_figures.FIGURES_FORMAT - 1)
        assert figures_key("results", "Run 1: a", shares) != key


def test_kept_figures_named_outside_the_folder_are_not_written(tmp_path):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    state = results_cache.fingerprint(study, run_id)
    kept = KeptFigures(study, run_id, "opts", state, "results")
    options = kept.options_for("t", {})
    out = tmp_path / "out"
    out.mkdir()
    for name in ("../evil.png", "sub/evil.png", "evil.sh"):
        record = {"run": ["x.png"], "by_model": {}, "files": {name: "AAAA", "x.png": "AAAA", "x.pdf": "AAAA",
                                                                "x.svg": "AAAA"}}
        assert results_cache.save(study, run_id, options, "intervals", state, json.dumps(record))
        assert kept.restore(options, out) is None
    assert not (tmp_path / "evil.png").exists() and list(out.iterdir()) == []
    record = {"run": ["x.png", "y.png"], "by_model": {}, "files": {"x.png": "AAAA", "x.pdf": "AAAA", "x.svg": "AAAA"}}
    assert results_cache.save(study, run_id, options, "intervals", state, json.dumps(record))
    assert kept.restore(options, out) is None  # a listed figure's files missing: drawn again


def test_the_kept_files_are_those_a_figure_is_written_as():
    assert SUFFIXES == tuple(f".{fmt}" for fmt in FORMATS)


def test_forgetting_the_figures_keeps_the_results(tmp_path, monkeypatch):
    from valuegap_tui.report.kept_figures import forget_figures

    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    writer.report_run(study, run_id, tmp_path / "first", workers=1)
    forget_figures(study)
    calls = _counting_draws(monkeypatch)
    computed = []
    real = writer.compute_results
    monkeypatch.setattr(writer, "compute_results", lambda frame, **kw: computed.append(kw) or real(frame, **kw))
    writer.report_run(study, run_id, tmp_path / "again", workers=1)
    assert computed == [] and "alignment_heatmap" in calls


def test_figures_kept_again_for_the_same_results_replace_the_earlier_ones(tmp_path):
    from valuegap_tui.report.kept_figures import MARK

    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    state = results_cache.fingerprint(study, run_id)
    kept = KeptFigures(study, run_id, "opts", state, "results")
    png = tmp_path / "x.png"
    for suffix in SUFFIXES:
        png.with_suffix(suffix).write_bytes(b"drawn")
    assert results_cache.save(study, run_id, "elsewhere", "intervals", state, "{}")
    for title in ("Run 1: a", "Run 1: renamed"):
        assert kept.keep(kept.options_for(title, {}), [png], {})
    rows = [o for o in (kept.options_for(t, {}) for t in ("Run 1: a", "Run 1: renamed"))
            if results_cache.load(study, run_id, o, "intervals", state) is not None]
    assert rows == [kept.options_for("Run 1: renamed", {})] and MARK in rows[0]
    assert results_cache.load(study, run_id, "elsewhere", "intervals", state) == "{}"  # not a figure: kept


def test_pyplot_imported_while_the_answers_are_read_leaves_one_thread_and_the_figures_key_alone():
    """The import's thread has ended when the reading has (the figures are then drawn by the workers), and
    importing pyplot changes nothing the figures are kept under: a report that read the answers keeps its
    figures under the key a report that read none looks them up with."""
    import subprocess
    import sys

    code = (
        "import sys, threading\n"
        "from valuegap_tui.report import drawing\n"
        "from valuegap_tui.report.kept_figures import figures_key\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
        "key = figures_key('results', 'Run 1: a', {})\n"
        "with drawing.pyplot_meanwhile():\n"
        "    pass\n"
        "assert 'matplotlib.pyplot' in sys.modules and threading.active_count() == 1\n"
        "assert drawing.worker_count(7, 2) == 2\n"
        "assert figures_key('results', 'Run 1: a', {}) == key\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _early_spy(monkeypatch) -> list:
    started = []
    real = drawing.start_early
    monkeypatch.setattr(drawing, "start_early", lambda *a, **k: started.append(real(*a, **k)) or started[-1])
    return started


def test_figures_started_from_the_numbers_are_those_drawn_one_after_another(tmp_path, monkeypatch):
    """A report that computes its results draws the heatmaps and answer choices from the numbers while it
    computes the intervals: the files are byte for byte those of a report drawn in one process."""
    study, run_id = staged_study(tmp_path / "s.db", "person", {"ann": 6, "bob": 3})
    started = _early_spy(monkeypatch)
    serial = writer.report_run(study, run_id, tmp_path / "serial", workers=1)
    assert started == []  # one process: nothing drawn apart
    results_cache.forget(study, run_id)
    early = writer.report_run(study, run_id, tmp_path / "early", workers=2)
    assert len(started) == 1 and started[0] is not None
    assert {job[1] for job in started[0].jobs} == set(drawing.EARLY)
    assert started[0].taken == len(started[0].jobs)  # each taken as drawn, none drawn again
    # the others started as soon as the intervals were computed, before the rest was read: and taken
    ahead = {job[1] for job in started[0].started}
    assert ahead and ahead.isdisjoint(drawing.EARLY) and {"conditions", "models_kinds"} <= ahead
    assert started[0].taken_ahead == len(started[0].started)  # each taken as drawn, none drawn again
    assert [p.name for p in early.figures] == [p.name for p in serial.figures]
    assert _figure_files(tmp_path / "early") == _figure_files(tmp_path / "serial")
    assert (tmp_path / "early" / "summary.md").read_text() == (tmp_path / "serial" / "summary.md").read_text()


def test_an_early_figure_whose_numbers_changed_with_the_intervals_is_drawn_again(tmp_path, monkeypatch):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    writer.report_run(study, run_id, tmp_path / "serial", workers=1)
    results_cache.forget(study, run_id)
    started = _early_spy(monkeypatch)
    calls = iter(range(1_000_000))
    monkeypatch.setattr(drawing, "_inputs", lambda *a: next(calls).to_bytes(4, "big"))  # never the same twice
    writer.report_run(study, run_id, tmp_path / "early", workers=2)
    assert started[0] is not None and started[0].taken == 0
    assert _figure_files(tmp_path / "early") == _figure_files(tmp_path / "serial")


def test_a_report_that_fails_after_starting_its_figures_leaves_none(tmp_path, monkeypatch):
    import multiprocessing

    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    started = _early_spy(monkeypatch)
    real = writer.compute_results

    def failing(frame, **options):
        if options.get("bootstrap", True):
            raise RuntimeError("the intervals failed")
        return real(frame, **options)

    monkeypatch.setattr(writer, "compute_results", failing)
    with pytest.raises(RuntimeError, match="the intervals failed"):
        writer.report_run(study, run_id, tmp_path / "out", workers=2)
    assert started[0] is not None
    assert not (tmp_path / "out").exists()  # its figures removed, and the folder it made
    assert multiprocessing.active_children() == []


def test_a_report_that_fails_after_starting_every_figure_leaves_none(tmp_path, monkeypatch):
    import multiprocessing

    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    started = _early_spy(monkeypatch)

    def failing(*args, **kwargs):  # read once the intervals are computed and the other figures started
        raise RuntimeError("the respondents could not be read")

    monkeypatch.setattr(writer, "respondents_of", failing)
    with pytest.raises(RuntimeError, match="could not be read"):
        writer.report_run(study, run_id, tmp_path / "out", workers=2)
    assert started[0] is not None and started[0].started
    assert not (tmp_path / "out").exists()  # the figures started ahead removed too, and the folder
    assert multiprocessing.active_children() == []


#: run in a fresh interpreter: which backends each forked worker found imported at its first figure
_WORKERS_FIND = '''
import os, sys
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.report import drawing, writer
frame = synthetic_frame(models=("model-a",), topics=2, repeats=2, seed=4)
results = compute_results(frame)
assert "matplotlib.backends.backend_pdf" not in sys.modules
real = drawing._draw
def draw(job):
    found = {fmt: f"matplotlib.backends.backend_{fmt}" in sys.modules for fmt in ("pdf", "svg")}
    with open(os.path.join(sys.argv[1], f"{os.getpid()}-{job[1]}"), "w") as mark:
        mark.write(repr(found))
    return real(job)
drawing._draw = draw
writer.write_report(results, sys.argv[1] + "/report", "T", frame=frame, workers=2, formats=("png", "pdf"))
'''


def test_the_backends_of_the_formats_are_imported_once_before_the_workers_fork(tmp_path):
    import subprocess
    import sys

    assert drawing.worker_count(5, 2) == 2
    done = subprocess.run([sys.executable, "-c", _WORKERS_FIND, str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    marks = [p for p in tmp_path.iterdir() if p.is_file()]
    # two workers drew the five (one model: no models-side-by-side figures)
    assert len({p.name.split("-")[0] for p in marks}) == 2 and len(marks) == 5
    # every worker found the PDF's backend imported (before the fork), and not the SVG's, which is not asked
    assert {p.read_text() for p in marks} == {repr({"pdf": True, "svg": False})}
