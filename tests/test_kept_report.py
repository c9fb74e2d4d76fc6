"""What a report reads from the answers beside its results (the extremity-adjusted kinds, the respondents
and their paired comparisons, the answers per condition), kept with the results (report/kept_report.py): a
report of unchanged answers reads none of them and writes byte for byte the files of the report that read
them; a new answer, a person's answer, the run's status or a persona's levels make them stale."""

from __future__ import annotations

import pytest

from tests.helpers.collection import answer_model, staged_study
from valuegap_tui.report import writer
from valuegap_tui.report.kept_figures import forget_figures
from valuegap_tui.report.kept_report import Inputs, ReportExtras, from_text, to_text
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.store import runs as run_store


pytestmark = pytest.mark.usefixtures("fixed_file_stamps")


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _reads(monkeypatch) -> list[int]:
    """The runs whose answers a report reads from now on."""
    reads = []
    real = writer.load_frame
    monkeypatch.setattr(writer, "load_frame", lambda study, run_id: reads.append(run_id) or real(study, run_id))
    return reads


def test_a_report_of_unchanged_answers_reads_none_and_writes_the_same_files(tmp_path, monkeypatch):
    # people half-way through a survey beside the model: respondents, paired comparisons, adjusted kinds
    study, run_id = staged_study(tmp_path / "s.db", "person", {"ann": 6, "bob": 3})
    reads = _reads(monkeypatch)
    first = writer.report_run(study, run_id, tmp_path / "first", workers=1)
    assert reads == [run_id]
    names = {p.name for p in first.tables}
    assert {"kinds_adjusted.csv", "respondents.csv"} <= names and any("pair" in n for n in names), names
    assert any(p.name.startswith("answer_choices_") for p in first.figures)
    forget_figures(study)  # the figures drawn again, from the kept answers per condition
    again = writer.report_run(study, run_id, tmp_path / "again", workers=1)
    assert reads == [run_id]  # the answers were not read again
    assert _files(tmp_path / "again") == _files(tmp_path / "first")  # tables, summary and figures
    assert [p.name for p in again.figures] == [p.name for p in first.figures]


def _persona_unknown(monkeypatch):
    """The personas' extremities as the run and the persona store give them now: one known to neither."""
    real = writer.run_extremities
    monkeypatch.setattr(writer, "run_extremities", lambda study, run_id: (real(study, run_id)[0], ["gone"]))


CHANGES = {
    "the run's status": lambda study, run_id: run_store.set_status(study, run_id, "finished"),
    "a new answer": lambda study, run_id: answer_model(study, run_id, "b", 1),
    "a person registered": lambda study, run_id: StudyResponder(study, run_id, "cy").agree(),
    "the personas' extremities": None,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_input_makes_the_kept_extras_stale(tmp_path, monkeypatch, change):
    monkeypatch.setattr("valuegap_tui.report.drawing.draw_figures", lambda *a, **k: ([], {}))  # not at issue here
    monkeypatch.setattr("valuegap_tui.report.drawing.early_possible", lambda workers=None: False)
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    writer.report_run(study, run_id, tmp_path / "first", workers=1)
    reads = _reads(monkeypatch)
    writer.report_run(study, run_id, tmp_path / "kept", workers=1)
    assert reads == []  # nothing changed: kept
    assert _files(tmp_path / "kept") == _files(tmp_path / "first")
    if CHANGES[change] is None:
        _persona_unknown(monkeypatch)
    else:
        CHANGES[change](study, run_id)
    writer.report_run(study, run_id, tmp_path / "changed", workers=1)
    assert reads == [run_id], change  # read again
    assert _files(tmp_path / "changed") != _files(tmp_path / "first"), change  # and the change shows


def test_extras_kept_by_another_layout_or_for_other_inputs_are_not_read(tmp_path):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    from valuegap_tui.metrics.summary import compute_results
    from valuegap_tui.report.collection import collection_status, respondents_of

    frame = writer.load_frame(study, run_id)
    results = compute_results(frame)
    collection = collection_status(study, run_id)
    extras = ReportExtras(results.kinds, respondents_of(frame, collection), writer.choices_by_condition(frame, results))
    inputs = Inputs(collection, {"p": 0.5})
    text = to_text(extras, inputs.key())
    back = from_text(text, inputs.key())
    assert back is not None and back.adjusted.columns == results.kinds.columns
    same = lambda a, b: a == b or (a != a and b != b)  # NaN kept as NaN
    assert all(len(x) == len(y) and all(map(same, x, y))
               for x, y in zip(back.adjusted.rows, results.kinds.rows, strict=True))
    assert back.who.order == extras.who.order and back.who.collection == collection
    assert from_text(text, Inputs(collection, {"p": 0.6}).key()) is None  # another extremity
    assert from_text(text.replace('"format":1', '"format":0'), inputs.key()) is None  # another layout
