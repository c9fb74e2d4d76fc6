"""What the Results screen reads from the answers beside its results (the respondents, the answers per
condition, the extremity-adjusted kinds), kept with the results: it comes back as computed, and every
input it depends on makes it stale when it changes (report/kept_extras.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.helpers.collection import DILEMMAS, answer_model
from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.personas import default_personas
from valuegap_tui.metrics.items import DEFAULT_AGGREGATE
from valuegap_tui.metrics.protocols import protocols_asked, reference_protocol
from valuegap_tui.metrics.summary import compute_results, filter_frame
from valuegap_tui.report.collection import respondents_of
from valuegap_tui.report.kept_extras import Extras, adjusted_rows, keep_extras, kept_extras, read_inputs
from valuegap_tui.report.writer import choices_by_condition
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.store import open_study
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store import personas as persona_store
from valuegap_tui.store import results_cache
from valuegap_tui.store import runs as run_store

OPTIONS = "opts"


def _study(path, people: dict[str, int] = {}):
    """Model a answered everything, b four questions, people as many as ``people`` says; the run has
    the baseline and two moderate and two max personas, and was stopped."""
    study = open_study(path, create=True)
    seed_study(study, DILEMMAS)
    personas = [p for p in default_personas() if str(getattr(p.kind, "value", p.kind)) in ("moderate", "max")]
    persona_store.save_many(study, personas)
    chosen = [p.id for p in personas if "moderate" in str(p.kind)][:2] + [p.id for p in personas
                                                                         if "max" in str(p.kind)][:2]
    models = [{"name": name, "endpoints": ["http://127.0.0.1:1"], "concurrency": 8} for name in ("a", "b")]
    run_id = create_run(study, definition(models=models, personas=chosen, repeats=2))
    answer_model(study, run_id, "a", 10_000)
    answer_model(study, run_id, "b", 4)
    for name, count in people.items():
        _answer_as(study, run_id, name, count)
    run_store.set_status(study, run_id, "stopped", "stopped by the user")
    return study, run_id


def _extras(study, run_id) -> tuple[Extras, object]:
    """The extras as the Results screen computes them from the answers (its worker's way)."""
    frame = frame_store.load_answer_frame(study, run_id)
    inputs = read_inputs(study, run_id)
    results = compute_results(frame, model="a")
    one_way = filter_frame(frame, protocol=reference_protocol(protocols_asked(frame)))
    who = respondents_of(one_way, inputs.collection, DEFAULT_AGGREGATE)
    shown = filter_frame(frame, "a", None, results.protocol)
    return Extras(who, choices_by_condition(shown, results), adjusted_rows(shown, DEFAULT_AGGREGATE, inputs.extremities),
                  inputs.missing), inputs


def _same(a, b) -> bool:
    """Equal, NaN equal to NaN, a tuple to the list JSON gives back, an array to an array."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b and (type(a) is type(b) or {type(a), type(b)} <= {int, float} or
                       isinstance(a, (np.generic, bool)) or isinstance(b, (np.generic, bool)))


def _keep_now(study, run_id) -> tuple[Extras, str]:
    extras, inputs = _extras(study, run_id)
    state = results_cache.fingerprint(study, run_id)
    keep_extras(study, run_id, OPTIONS, state, inputs, extras)
    return extras, state


def _kept_now(study, run_id) -> Extras | None:
    return kept_extras(study, run_id, OPTIONS, results_cache.fingerprint(study, run_id), read_inputs(study, run_id))


def test_kept_extras_come_back_as_computed(tmp_path):
    study, run_id = _study(tmp_path / "s.db", {"ann": 7, "bo": 3})  # two models and two people
    extras, _state = _keep_now(study, run_id)
    back = _kept_now(study, run_id)
    assert back is not None
    assert back.who.collection == extras.who.collection and back.who.order == extras.who.order
    assert len(extras.who.order) == 4 and extras.who.people
    for mine, theirs in ((extras.who.table, back.who.table), (extras.who.pairs, back.who.pairs)):
        assert (theirs.name, theirs.title, theirs.columns) == (mine.name, mine.title, mine.columns)
        assert len(theirs.rows) == len(mine.rows) > 0
        assert all(isinstance(row, tuple) for row in theirs.rows)
        assert _same(mine.rows, theirs.rows), (mine.rows, theirs.rows)
    assert extras.per_condition["a"] and _same(extras.per_condition, back.per_condition)
    assert extras.adjusted and _same(extras.adjusted, back.adjusted)
    assert back.missing == extras.missing
    # recomputed from the answers now, the same again
    assert _same(_extras(study, run_id)[0].adjusted, back.adjusted)


def _make_older_run(study, run_id):
    """A run from before the personas' extremities and levels were recorded with it: the persona store's
    current levels stand in."""
    with study.transaction() as db:
        db.execute("UPDATE run_personas SET extremity = NULL, levels_json = NULL WHERE run_id = ?", [run_id])


def _edit_a_persona(study, run_id):
    persona_id = next(pid for pid, snap in run_store.personas_of(study, run_id).items() if snap.kind == "max")
    persona = persona_store.get(study, persona_id)
    levels = {name: 2 if level <= 2 else 3 for name, level in persona.levels.items()}  # each level less extreme
    persona_store.save(study, persona.model_copy(update={"levels": levels}))


CHANGES = {
    "the run's status": lambda study, run_id: run_store.set_status(study, run_id, "finished"),
    "the run's stop reason": lambda study, run_id: run_store.set_status(study, run_id, "stopped", "server gone"),
    "a new answer": lambda study, run_id: answer_model(study, run_id, "b", 1),
    "a person's answer": lambda study, run_id: _answer_as(study, run_id, "ann", 1),
    "a person registered": lambda study, run_id: StudyResponder(study, run_id, "cy").agree(),
    "a persona's levels, for an older run": lambda study, run_id: _edit_a_persona(study, run_id),
}


def _answer_as(study, run_id, name, count):
    """``count`` more answers of the person ``name`` (registered and consenting first if new)."""
    responder = StudyResponder(study, run_id, name)
    responder.agree()
    done = len(respondent_store.answered(study, run_id, name))
    for q in responder.questions[done:done + count]:
        responder.answer(q, 0, 1.0)


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_input_makes_kept_extras_stale_when_it_changes(tmp_path, change):
    study, run_id = _study(tmp_path / "s.db", {"ann": 2} if "person" in change else {})
    if "older run" in change:
        _make_older_run(study, run_id)
    kept, _state = _keep_now(study, run_id)
    assert _kept_now(study, run_id) is not None  # nothing changed: kept
    CHANGES[change](study, run_id)
    assert _kept_now(study, run_id) is None, change  # changed: computed again
    recomputed, _inputs = _extras(study, run_id)
    differs = (recomputed.who.collection != kept.who.collection or not _same(recomputed.adjusted, kept.adjusted)
               or not _same(recomputed.who.table.rows, kept.who.table.rows))
    assert differs, change  # and what is computed again shows the change


def test_nothing_is_kept_where_the_extremities_cannot_be_read(tmp_path, monkeypatch):
    from valuegap_tui.report import writer

    study, run_id = _study(tmp_path / "s.db")
    extras, inputs = _extras(study, run_id)

    def broken(study, run_id):
        raise ValueError("persona store unreadable")

    monkeypatch.setattr(writer, "run_extremities", broken)
    unreadable = read_inputs(study, run_id)
    assert unreadable.extremities is None and "unreadable" in unreadable.error and unreadable.key() is None
    state = results_cache.fingerprint(study, run_id)
    keep_extras(study, run_id, OPTIONS, state, unreadable, extras)
    monkeypatch.undo()
    assert kept_extras(study, run_id, OPTIONS, state, inputs) is None
