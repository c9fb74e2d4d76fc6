"""A Results screen on a fixed synthetic run: two models, long and marked-up condition names."""

from __future__ import annotations

from types import SimpleNamespace

from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.report import writer as report_writer
from valuegap_tui.tui.screens import results as results_module

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
    monkeypatch.setattr(results_module.frame_store, "load_answer_frame", lambda study, run_id: frame)
    extremities = {"baseline": 0.0, LONG: 1 / 3, MARKED: 1.0, "incongruous-1": 0.6}
    # the Kinds tab reads them through the report's run_extremities (tui/widgets/results_tables.py)
    monkeypatch.setattr(report_writer, "run_extremities", lambda study, run_id: (extremities, []))
    return frame
