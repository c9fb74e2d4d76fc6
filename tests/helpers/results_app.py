"""A Results screen on a fixed synthetic run: two models, long and marked-up condition names."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from textual.widgets import Static

from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.report import writer as report_writer
from valuegap_tui.tui.screens import results as results_module
from valuegap_tui.tui.screens import results_compute

LONG = "moderate-traditional-self-expression-with-a-very-long-name"
MARKED = "[bold red]max[/] persona\x1b[31m"
RUN = SimpleNamespace(id=7, name="synthetic [b]run[/b]", status="finished")


def results_frame():
    frame = synthetic_frame(models=("model-a", "org/model [i]b[/i]"), topics=2, seed=5)
    renamed = {"moderate-1": LONG, "max-1": MARKED}
    frame.persona.labels = tuple(renamed.get(label, label) for label in frame.persona.labels)
    return frame


def use_fixed_run(monkeypatch, frame=None):
    frame = results_frame() if frame is None else frame
    monkeypatch.setattr(results_module.run_store, "list_runs", lambda study: [RUN])
    monkeypatch.setattr(results_compute.frame_store, "load_answer_frame", lambda study, run_id: frame)
    extremities = {"baseline": 0.0, LONG: 1 / 3, MARKED: 1.0, "incongruous-1": 0.6}
    # the Kinds tab reads them through the report's run_extremities (tui/widgets/results_tables.py)
    monkeypatch.setattr(report_writer, "run_extremities", lambda study, run_id: (extremities, []))
    return frame


def protocols_frame():
    """A baseline and a max persona (a "[b]marked[/b]" name) under three protocols; paraphrase-1 pushes the
    persona's actions toward opposing, so its change against baseline turns around there."""
    from valuegap_tui.personas import default_personas
    from valuegap_tui.simulator.params import ProtocolEffect, SimulatorParams
    from valuegap_tui.simulator.sample import SampledPersona, catalogue_dilemmas, sample_frame

    persona = next(p for p in default_personas() if str(getattr(p.kind, "value", p.kind)) == "max")
    people = [SampledPersona("baseline", "baseline", {}), SampledPersona("[b]marked[/b]", "max", dict(persona.levels))]
    params = SimulatorParams(position_bias=(1.0,) * 6, persona_gap_reduction=0.9, incongruity_gap=0.0,
                             protocol_effects={"paraphrase-1": ProtocolEffect(action_shift=0.8, personas_only=True)})
    return sample_frame(params, people, catalogue_dilemmas(topics=2), repeats=3,
                        protocols=("standard", "paraphrase-1", "paraphrase-2"))


async def settle(pilot, predicate, tries: int = 400) -> None:
    """Let the app run until ``predicate()`` holds (the Results screen computes in workers); fail after
    ``tries`` pauses of 50 ms."""
    for _ in range(tries):
        await pilot.pause(0.05)
        if predicate():
            return
    raise AssertionError("screen did not settle")


def intervals_shown(screen) -> bool:
    """The fixed run's numbers and their intervals are on the Results screen."""
    status = str(screen.query_one("#results-status", Static).render())
    return f"Run #{RUN.id}" in status and "intervals" not in status


class CountedCompute:
    """compute_results as the screen calls it, counted; the one with intervals waits for ``release``."""

    def __init__(self, monkeypatch):
        self.calls = {True: 0, False: 0}
        self.release = threading.Event()
        self.release.set()
        self._real = results_compute.compute_results
        monkeypatch.setattr(results_compute, "compute_results", self)
        # the intervals, computed here instead of in a process of their own (metrics/apart.py), are counted too
        monkeypatch.setattr(results_compute, "start_apart", lambda frame, **kw: _InPlace(self, frame, kw))

    def __call__(self, frame, **kw):
        intervals = kw.get("bootstrap", True)
        self.calls[intervals] += 1
        if intervals:
            assert self.release.wait(30), "the test never released the intervals"
        return self._real(frame, **kw)


class _InPlace:
    """Stands in for metrics.apart.Apart: computes when the results are asked for, here."""

    def __init__(self, compute, frame, options):
        self.compute, self.frame, self.options = compute, frame, options

    def result(self, cancelled):
        return self.compute(self.frame, **self.options)

    def stop(self):
        pass
