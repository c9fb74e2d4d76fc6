"""The Results screen's computing, in a worker thread: results kept for the run's current answers first
(store/results_cache.py), then whatever is missing, numbers before intervals.

Each stage goes to the screen as soon as it exists: kept results (numbers, or numbers with intervals)
without reading the answers at all; then the answers are read for what is not kept (the respondents,
the per-condition answers, the extremity-adjusted kinds); then the numbers and the intervals that were
not kept are computed and kept for the next time, the intervals in a process of their own
(metrics/apart.py), so this interpreter is free for the keys meanwhile. That process starts as soon as
the numbers are shown: it computes the intervals on the other core while this one keeps the numbers and
reads and draws the respondents and the answers per condition. Where the app started them ahead
(tui/preload.py), they are imported and waiting: the intervals pay no start. Handed the answers before
the numbers instead, they slowed the numbers by 0.15-0.2 s (pickling, and two more busy processes on two
cores) and brought the intervals no sooner (bench/results_screen.py, load 0.5-1.5). The screen draws each stage in
steps (results_drawing.py), so keys are served meanwhile.
"""

from __future__ import annotations

import time

import numpy as np
from textual import work

from valuegap_tui.designs import get_design
from valuegap_tui.metrics.apart import Apart
from valuegap_tui.metrics.humans import HUMAN_PREFIX
from valuegap_tui.metrics.protocols import protocols_asked, reference_protocol
from valuegap_tui.metrics.summary import compute_results, filter_frame
from valuegap_tui.report.kept import FIRST_MODEL, keep, kept, options_key
from valuegap_tui.report.kept_extras import (Extras, adjusted_rows, keep_extras, kept_extras, read_inputs,
                                             same_conditions)
from valuegap_tui.report.writer import choices_by_condition
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.store import results_cache
from valuegap_tui.store import runs as run_store
from valuegap_tui.tui.widgets.results_tables import adjusted_kinds_text, adjusted_kinds_unavailable


def first_respondent(frame, model: str | None) -> str | None:
    """``model`` if the run knows it (the plan's models and registered people), else the first with
    answers, models before people, each by name (as the respondent selector lists them)."""
    order = sorted(frame.model.labels, key=lambda name: (name.startswith(HUMAN_PREFIX), name))
    if model in order:
        return model
    answered = {frame.model.labels[code] for code in np.unique(frame.model.codes)}
    return next((name for name in order if name in answered), order[0] if order else None)


def start_apart(frame, **options) -> Apart:
    """The intervals' computing started in a process of its own (tests compute them here instead)."""
    return Apart(frame, **options)


class ResultsComputing:
    """The worker of ResultsScreen (it has ``app``, ``_frames``, ``_respondents`` and the drawing methods)."""

    @work(thread=True, exclusive=True, exit_on_error=False, group="results-compute")
    def compute(self, run_id: int, model: str | None, topic: str | None, aggregate: str,
                expected: bool | None = None, fresh: bool = False) -> None:
        """``fresh``: compute again even where results are kept for these answers."""
        from textual.worker import get_current_worker

        worker = get_current_worker()
        study = self.app.study
        intervals: Apart | None = None  # their computing, started once the numbers are shown
        try:
            run = run_store.get_run(study, run_id)
            if run is not None and not get_design(run.design).core_metrics:
                self._compute_design(run, model)
                return
            state = results_cache.fingerprint(study, run_id)
            options = options_key(model or FIRST_MODEL, topic, aggregate, expected)
            full = None if fresh else kept(study, run_id, options, "intervals", state)
            quick = full or (None if fresh else kept(study, run_id, options, "numbers", state))
            if quick is None:  # else _show shows the core's tabs, in the same call to the UI thread
                self.app.call_from_thread(self._show_design_tab, False)
            elif not worker.is_cancelled:
                shown = quick.reported_models[0] if quick.reported_models else model
                self.app.call_from_thread(self._show, run_id, quick, full is not None, shown, None)
                self._wait_drawn(worker)
            # what the extras depend on beside the answers; read after the numbers on a first open
            inputs = read_inputs(study, run_id) if full is not None else None
            extras = kept_extras(study, run_id, options, state, inputs) if inputs is not None else None
            if extras is not None:  # everything kept: the answers are not read
                if not worker.is_cancelled:
                    self.app.call_from_thread(self._show_kept_extras, run_id, extras)
                return
            frame = self._frames.get((run_id, state))  # a frame read before new answers is not reused
            if frame is None:
                frame = frame_store.load_answer_frame(study, run_id)
                self._frames = {(run_id, state): frame}
            model = first_respondent(frame, model)
            if worker.is_cancelled:
                return

            def start_intervals() -> Apart | None:
                # after the numbers: started before, the child's start and its imports slowed them on a
                # busy machine (0.3-0.5 s at 154,000 answers, load 4)
                return None if full is not None else start_apart(frame, aggregate=aggregate, model=model,
                                                                 topic=topic, expected=expected)

            if quick is None:
                quick = compute_results(frame, aggregate=aggregate, model=model, topic=topic, bootstrap=False,
                                        expected=expected)
                if worker.is_cancelled:
                    return
                self.app.call_from_thread(self._show, run_id, quick, False, model, None)
                intervals = start_intervals()
                keep(study, run_id, options, "numbers", state, quick)  # after: the numbers do not wait for it
            else:
                intervals = start_intervals()
            # the respondents (their progress needs a pass over the run's items) come after the numbers;
            # people are asked one way (the reference protocol), so they are compared under it
            inputs = inputs or read_inputs(study, run_id)
            one_way = filter_frame(frame, protocol=reference_protocol(protocols_asked(frame)))
            who = self._respondents.get(study, run_id, one_way, topic, aggregate, bootstrap=full is not None,
                                        collection=inputs.collection)
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self._show_who, run_id, who)
            shown_frame = filter_frame(frame, model, topic, quick.protocol)  # the tables' way of asking
            per_condition = choices_by_condition(shown_frame, quick)
            adjusted = (adjusted_rows(shown_frame, aggregate, inputs.extremities)
                        if inputs.extremities is not None else None)
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self._show_extras, per_condition, self._adjusted_text(inputs, adjusted))
            if full is None and (quick.items or who.pairs.rows):
                # in a process of its own: keys pressed meanwhile do not wait for this interpreter
                full = intervals.result(lambda: worker.is_cancelled)
                if full is None:  # the screen moved on: the child is stopped
                    return
                if not worker.is_cancelled:  # with the respondents shown so far (their numbers)
                    self.app.call_from_thread(self._show, run_id, full, True, model, None)
                # the respondents' intervals once the tables' are drawn: computed while the children
                # computed, they took 30-60 ms of CPU from them, and the children wait for no one else
                who = self._respondents.get(study, run_id, one_way, topic, aggregate, bootstrap=True,
                                            collection=inputs.collection)
                if not worker.is_cancelled:
                    self.app.call_from_thread(self._show_who, run_id, who)
                keep(study, run_id, options, "intervals", state, full)  # kept even if the screen moved on
                if not same_conditions(quick, full):  # the answers per condition follow the tables' rows
                    per_condition = choices_by_condition(shown_frame, full)
            if full is not None and adjusted is not None and who.collection == inputs.collection:
                keep_extras(study, run_id, options, state, inputs,
                            Extras(who, per_condition, adjusted, inputs.missing))
        except Exception as exc:  # a broken run must not take the screen down
            if intervals is not None:  # stopped before the failure is said
                intervals.stop()
            self.app.call_from_thread(self._status, f"Could not compute run #{run_id}: {exc}")
        finally:
            if intervals is not None:  # not asked for (cancelled, failed, nothing to compute): stopped
                intervals.stop()

    @staticmethod
    def _adjusted_text(inputs, rows: list[dict] | None):
        return adjusted_kinds_unavailable(inputs.error) if rows is None else adjusted_kinds_text(rows, inputs.missing)

    def _show_kept_extras(self, run_id: int, extras) -> None:
        """The respondents, answers per condition and adjusted kinds kept with the results shown."""
        self._show_who(run_id, extras.who)
        self._show_extras(extras.per_condition, adjusted_kinds_text(extras.adjusted, extras.missing))

    def _wait_drawn(self, worker, limit_s: float = 2.0) -> None:
        """Wait (at most ``limit_s``) until every tab of the stage shown is drawn: reading the answers
        meanwhile would compete with the drawing for the interpreter, and keys would wait behind both."""
        deadline = time.monotonic() + limit_s
        while not self.drawn and not worker.is_cancelled and time.monotonic() < deadline:
            time.sleep(0.01)
