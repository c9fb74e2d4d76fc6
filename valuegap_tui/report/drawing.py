"""Drawing a report's figures: every figure (its PNG, PDF and SVG) is one job, and the jobs run in worker
processes where the machine has more than one core; where the figures of the same results and options
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
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from valuegap_tui.metrics.summary import Results
from valuegap_tui.processes import cores

#: each figure's share of the drawing at a large run (CPU seconds at a million answers, rounded): the
#: workers take the heaviest first, so the last one to finish is a light one
_COST = {"position": 21, "answer_choices": 17, "alignment_heatmap": 15, "conditions": 9, "models_conditions": 8,
         "kinds": 5, "models_kinds": 5}

#: (results, answer choices per model, folder, title) while a report draws: the forked workers read it
_WORK: tuple | None = None


@contextmanager
def pyplot_meanwhile():
    """Around reading a run's answers: pyplot is imported in a thread meanwhile (about 0.4 s of CPU, which
    drawing the figures would otherwise wait for), since SQLite lets go of the interpreter while it reads.
    The thread has ended when the block does (a process with other threads running never forks)."""
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

    kind, name, model, path, heading = job
    results, per_condition, out_dir, title = _WORK
    if kind == "run":
        return draw_run_figure(results, name, out_dir, title)
    return draw_model_figure(results, name, model, path, heading, per_condition.get(model))


def draw_figures(results: Results, out_dir: Path, title: str, per_condition: dict[str, list] | None = None,
                 kept=None, workers: int | None = None) -> tuple[list[Path], dict[str, list[Path]]]:
    """The run's figures (the models side by side) and each model's, as PNG paths (the PDF and SVG
    beside each); ``kept``: a ``report.kept_figures.KeptFigures`` to copy them from, or keep them in, when given."""
    per_condition = per_condition or {}
    kept_as = kept.options_for(title, per_condition) if kept is not None else None
    if kept is not None and (found := kept.restore(kept_as, out_dir)) is not None:
        return found
    # pyplot is imported only here: copying kept figures needs none of it
    from valuegap_tui.report.comparison_figures import RUN_FIGURES, run_models
    from valuegap_tui.report.figures import model_jobs

    global _WORK
    jobs = [("run", name, None, None, None) for name in RUN_FIGURES] if run_models(results) else []
    jobs += [("model", *job) for job in model_jobs(results, out_dir, title)]
    count = worker_count(len(jobs), workers)
    _WORK = (results, per_condition, out_dir, title)
    try:
        if count == 1:
            drawn = [_draw(job) for job in jobs]
        else:
            heaviest_first = sorted(range(len(jobs)), key=lambda i: -_COST.get(jobs[i][1], 1))
            # the workers' garbage collector leaves this process's objects (a million answers) alone:
            # walking them would copy every page of them into each worker
            gc.freeze()
            try:
                with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork")) as pool:
                    futures = {i: pool.submit(_draw, jobs[i]) for i in heaviest_first}
                    drawn = [futures[i].result() for i in range(len(jobs))]
            finally:
                gc.unfreeze()
    finally:
        _WORK = None
    run_figures = [path for job, path in zip(jobs, drawn) if job[0] == "run" and path is not None]
    by_model: dict[str, list[Path]] = {}
    for job, path in zip(jobs, drawn):
        if job[0] == "model":
            by_model.setdefault(job[2], []).extend([path] if path is not None else [])  # None: no data for it
    if kept is not None:
        kept.keep(kept_as, run_figures, by_model)
    return run_figures, by_model
