"""Drawing a report's figures: every figure (its PNG, and its PDF and SVG as asked) is one job, and the
jobs run in worker processes where the machine has more than one core; where the figures of the same results and options
were kept by an earlier report (``report/kept.py``), they are copied instead of drawn.

Workers are forked, so they start with the results and matplotlib already in memory, and each writes its
own figure's files: nothing is sent back but the file's path. A process with other threads running (the
app writes its reports from a worker thread) is never forked, since a child can inherit a lock another
thread held: there the figures are drawn one after another, as they are where fork does not exist.
"""

from __future__ import annotations

import gc
import importlib.util
import multiprocessing
import pickle
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from valuegap_tui.metrics.summary import Results
from valuegap_tui.processes import cores
from valuegap_tui.report.figure_formats import FORMATS, drawn_as, suffixes

#: each figure's relative cost of drawing at a large run (its CPU at a million answers, in fifteenths of a
#: second, rounded): the workers take the heaviest first, so the last one to finish is a light one
_COST = {"position": 19, "alignment_heatmap": 16, "answer_choices": 15, "conditions": 9, "models_conditions": 8,
         "kinds": 6, "models_kinds": 5}

#: (results, answer choices per model, folder, title) while a report draws: the forked workers read it
_WORK: tuple | None = None
#: the figures drawn from the numbers alone (no interval in them): a report that computes its results
#: draws them while it computes the intervals (``start_early``)
EARLY = ("alignment_heatmap", "answer_choices")


@contextmanager
def pyplot_meanwhile():
    """Around reading a run's answers: pyplot is imported in a thread meanwhile (about 0.4 s of CPU, which
    drawing the figures would otherwise wait for), since SQLite lets go of the interpreter while it reads.
    The thread has ended when the block does (a process with other threads running never forks). The PDF
    backend is left to the fork (``_fork_pool``): imported in this thread too, it held the interpreter
    from the reading long enough that the report finished 0.1-0.2 s later."""
    thread = None
    if "matplotlib.pyplot" not in sys.modules and importlib.util.find_spec("matplotlib") is not None:
        thread = threading.Thread(target=_import_pyplot, name="import-pyplot", daemon=True)
        thread.start()
    try:
        yield
    finally:
        if thread is not None:
            thread.join()


def _import_pyplot() -> None:
    try:
        import valuegap_tui.report.figure_files  # noqa: F401  (pyplot, on the Agg backend)
    except Exception:  # noqa: BLE001 - drawing imports it again, and says what is wrong
        pass


def figure_title(title: str, results: Results) -> str:
    """A run asked several ways: each figure says which one its numbers are under (never pooled)."""
    return title if len(results.protocols) < 2 else f"{title}, protocol {results.protocol}"


def worker_count(jobs: int, workers: int | None = None) -> int:
    """How many processes draw ``jobs`` figures: ``workers`` (None: one per core this process may use),
    at most one per figure; 1 (this process alone) where fork is missing or other threads run."""
    if workers is None:
        workers = cores()
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return max(1, min(workers, jobs))


def _draw(job: tuple) -> Path | None:
    from valuegap_tui.report.comparison_figures import draw_run_figure
    from valuegap_tui.report.figures import draw_model_figure

    kind, name, model, path, heading, given = job
    # given: what the figure is drawn from, sent with the job; None: as the worker was forked with
    results, per_condition, out_dir, title = _WORK if given is None else given
    if kind == "run":
        return draw_run_figure(results, name, out_dir, title)
    return draw_model_figure(results, name, model, path, heading, per_condition.get(model))


def _inputs(job: tuple, results: Results, per_condition: dict) -> bytes:
    """What an ``EARLY`` figure is drawn from, to compare (pickled: arrays, NaN and all)."""
    name, model = job[1], job[2]
    if name == "alignment_heatmap":
        return pickle.dumps(results.heatmaps.get(model))
    return pickle.dumps((per_condition.get(model), results.choices.get(model)))


def _fork_pool(count: int, work: tuple, jobs: list[tuple],
               formats: tuple[str, ...]) -> tuple[ProcessPoolExecutor, list]:
    """A pool of ``count`` forked workers holding ``work`` (``_WORK``) and writing ``formats``, drawing
    ``jobs`` (their futures)."""
    from valuegap_tui.report.figure_files import import_backends

    import_backends(formats)  # once here, not once in each worker
    global _WORK
    _WORK = work
    # the workers' garbage collector leaves this process's objects (a million answers) alone: walking
    # them would copy every page of them into each worker
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
        with drawn_as(formats):  # the workers are forked at the first job, with the formats set
            return pool, [pool.submit(_draw, (*job, None)) for job in jobs]
    finally:
        gc.unfreeze()
        _WORK = None


@dataclass
class EarlyFigures:
    """The figures of ``EARLY`` being drawn from a run's numbers while its intervals are computed
    (``start_early``); ``draw_figures`` takes those whose inputs the full results left unchanged."""

    pool: ProcessPoolExecutor
    jobs: list[tuple]
    futures: list
    inputs: list[bytes]
    made_folder: bool
    formats: tuple[str, ...]
    taken: int = 0  # early figures taken as drawn by ``finish``
    #: the other figures, started by ``ahead`` once the results are computed (futures by job), and the
    #: results, folder and title they are drawn from
    started: dict = field(default_factory=dict)
    started_from: tuple | None = None
    taken_ahead: int = 0  # of those, taken as drawn by ``finish``

    def ahead(self, results: Results, out_dir: Path, title: str) -> None:
        """Start drawing the figures of ``results`` other than ``EARLY`` (none of them needs the answer
        choices) as soon as the results are computed, heaviest first: the workers draw them while the
        report reads what it writes beside them and writes its tables. ``finish`` takes them when given
        the same results and title."""
        given = (results, {}, out_dir, title)
        self.started_from = (results, out_dir, title)
        jobs = [job for job in _jobs(results, out_dir, title) if job[1] not in EARLY]
        for job in sorted(jobs, key=lambda job: -_COST.get(job[1], 1)):
            self.started[job] = self.pool.submit(_draw, (*job, given))

    def finish(self, jobs: list[tuple], given: tuple) -> list[Path | None]:
        """``jobs`` drawn from ``given`` (results, answer choices per condition, folder, title): an early
        job drawn from the same inputs is taken as drawn, any other drawn now by the same workers."""
        results, per_condition = given[0], given[1]
        early = {job: i for i, job in enumerate(self.jobs)}
        futures = {}
        try:
            same = (self.started_from is not None and self.started_from[0] is results
                    and self.started_from[1:] == (given[2], given[3]))
            for job, future in self.started.items():
                if same and job in jobs:
                    futures[jobs.index(job)] = future
                    self.taken_ahead += 1
                else:  # drawn from other results: drawn again once written, or its files go
                    wait([future])
                    if job not in jobs:
                        _remove(_png(job, self.started_from[1]), self.formats)
            for i, job in enumerate(jobs):
                j = early.pop(job, None)
                if j is not None and self.inputs[j] == _inputs(job, results, per_condition):
                    futures[i] = self.futures[j]
                    self.taken += 1
                elif j is not None:  # drawn from other numbers: drawn again, once that one is written
                    wait([self.futures[j]])
            for j in early.values():  # a figure the full results do not have: its files go
                wait([self.futures[j]])
                _remove(self.jobs[j][3], self.formats)
            for i in sorted(set(range(len(jobs))) - set(futures), key=lambda i: -_COST.get(jobs[i][1], 1)):
                futures[i] = self.pool.submit(_draw, (*jobs[i][:5], given))
            return [futures[i].result() for i in range(len(jobs))]
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def cancel(self) -> None:
        """The report failed before its figures were finished: stop, and leave none of the early files."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        for job in self.jobs:
            _remove(job[3], self.formats)
        for job in self.started:
            _remove(_png(job, self.started_from[1]), self.formats)
        if self.made_folder:
            with suppress(OSError):  # only if empty
                self.jobs[0][3].parent.rmdir()


def _jobs(results: Results, out_dir: Path, title: str) -> list[tuple]:
    """The figures of ``results``: the models side by side (where several have paired items), then each model's."""
    from valuegap_tui.report.comparison_figures import RUN_FIGURES, run_models
    from valuegap_tui.report.figures import model_jobs

    jobs = [("run", name, None, None, None) for name in RUN_FIGURES] if run_models(results) else []
    return jobs + [("model", *job) for job in model_jobs(results, out_dir, title)]


def _png(job: tuple, out_dir: Path) -> Path:
    """Where a job's PNG is written (a model's figure names its path; the models side by side, their name)."""
    return job[3] if job[0] == "model" else Path(out_dir) / f"{job[1]}.png"


def _remove(png: Path, formats: tuple[str, ...]) -> None:
    for suffix in suffixes(formats):
        png.with_suffix(suffix).unlink(missing_ok=True)


def early_possible(workers: int | None = None) -> bool:
    """Whether figures can be drawn apart from this process (matplotlib installed, fork, no other thread)."""
    return importlib.util.find_spec("matplotlib") is not None and worker_count(len(EARLY) + 1, workers) > 1


def start_early(results: Results, out_dir: Path, title: str, per_condition: dict[str, list],
                workers: int | None = None, formats: tuple[str, ...] = FORMATS) -> EarlyFigures | None:
    """Start drawing the figures of ``EARLY`` from ``results`` without intervals (``compute_results(...,
    bootstrap=False)``) as ``formats``, in the workers that will draw the rest; None where the figures are
    drawn in this process alone (``early_possible``)."""
    if not early_possible(workers):
        return None
    from valuegap_tui.report.comparison_figures import RUN_FIGURES
    from valuegap_tui.report.figures import model_jobs

    every = model_jobs(results, out_dir, title)
    jobs = [("model", *job) for job in every if job[0] in EARLY]
    count = worker_count(len(every) + len(RUN_FIGURES), workers)
    if count == 1 or not jobs:
        return None
    made_folder = not Path(out_dir).exists()
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    pool, futures = _fork_pool(count, (results, per_condition, out_dir, title), jobs, formats)
    return EarlyFigures(pool, jobs, futures, [_inputs(job, results, per_condition) for job in jobs], made_folder,
                        formats)


def draw_figures(results: Results, out_dir: Path, title: str, per_condition: dict[str, list] | None = None,
                 kept=None, workers: int | None = None, early: EarlyFigures | None = None,
                 formats: tuple[str, ...] = FORMATS) -> tuple[list[Path], dict[str, list[Path]]]:
    """The run's figures (the models side by side) and each model's, as PNG paths (the other ``formats``
    beside each); ``kept``: a ``report.kept_figures.KeptFigures`` to copy them from, or keep them in, when
    given; ``early``: the figures started from the numbers (``start_early``, with the same ``formats``),
    finished here."""
    per_condition = per_condition or {}
    kept_as = kept.options_for(title, per_condition, formats) if kept is not None else None
    if early is None and kept is not None and (found := kept.restore(kept_as, out_dir, formats)) is not None:
        return found
    global _WORK
    jobs = _jobs(results, out_dir, title)  # pyplot is imported only here: copying kept figures needs none of it
    given = (results, per_condition, out_dir, title)
    count = worker_count(len(jobs), workers) if early is None else 0
    if early is not None:
        drawn = early.finish(jobs, given)
    elif count == 1:
        _WORK = given
        try:
            with drawn_as(formats):
                drawn = [_draw((*job, None)) for job in jobs]
        finally:
            _WORK = None
    else:
        heaviest_first = sorted(range(len(jobs)), key=lambda i: -_COST.get(jobs[i][1], 1))
        pool, futures = _fork_pool(count, given, [jobs[i] for i in heaviest_first], formats)
        with pool:
            by_job = dict(zip(heaviest_first, futures))
            drawn = [by_job[i].result() for i in range(len(jobs))]
    run_figures = [path for job, path in zip(jobs, drawn) if job[0] == "run" and path is not None]
    by_model: dict[str, list[Path]] = {}
    for job, path in zip(jobs, drawn):
        if job[0] == "model":
            by_model.setdefault(job[2], []).extend([path] if path is not None else [])  # None: no data for it
    if kept is not None:
        kept.keep(kept_as, run_figures, by_model, formats)
    return run_figures, by_model
