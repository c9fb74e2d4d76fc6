"""Results kept per run: the fingerprint of a run's answers changes with every new answer, retry and
respondent, results kept under one fingerprint are never read under another, and results go to text and
come back the same."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.helpers.collection import answer_model
from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.metrics import results_record
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.store import open_study
from valuegap_tui.store import results_cache
from valuegap_tui.store import runs as run_store


def _run(tmp_path):
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, 6)
    return study, create_run(study, definition(repeats=2))


def test_a_new_answer_a_retry_and_a_new_person_each_make_kept_results_stale(tmp_path):
    study, run_id = _run(tmp_path)
    answer_model(study, run_id, "m", 5)
    state = results_cache.fingerprint(study, run_id)
    assert results_cache.save(study, run_id, "opts", "numbers", state, '{"kept": 1}')
    assert results_cache.load(study, run_id, "opts", "numbers", state) == '{"kept": 1}'
    assert results_cache.load(study, run_id, "other", "numbers", state) is None  # other options: nothing
    assert results_cache.load(study, run_id, "opts", "intervals", state) is None  # other stage: nothing

    answer_model(study, run_id, "m", 1)  # one more answer
    after_answer = results_cache.fingerprint(study, run_id)
    assert after_answer != state
    assert results_cache.load(study, run_id, "opts", "numbers", after_answer) is None

    # a retry: an invalid answer re-opened and answered again leaves the counts of answered items as
    # they were, but not the fingerprint
    (item,) = run_store.pending_items(study, run_id, model="m", limit=1)
    run_store.record_attempts(study, run_id, [run_store.Attempt(item.id, 1, "no_letter", "invalid", None, None, None,
                                                                None)])
    before_retry = results_cache.fingerprint(study, run_id)
    assert run_store.reopen_items(study, run_id, ("invalid",)) == 1
    reopened = results_cache.fingerprint(study, run_id)
    assert reopened != before_retry
    run_store.record_attempts(study, run_id, [run_store.Attempt(item.id, 2, "valid", "answered", "A", 0,
                                                                int(item.permutation[0]), (3, 2, 1, -1, -2, -3)[int(item.permutation[0])])])
    assert results_cache.fingerprint(study, run_id) not in (reopened, before_retry)

    latest = results_cache.fingerprint(study, run_id)
    StudyResponder(study, run_id, "alice").agree()  # a person registered, no answer yet
    assert results_cache.fingerprint(study, run_id) != latest


def test_saving_under_new_answers_drops_the_stale_rows(tmp_path):
    study, run_id = _run(tmp_path)
    results_cache.save(study, run_id, "a", "numbers", "old", "1")
    results_cache.save(study, run_id, "b", "intervals", "old", "2")
    results_cache.save(study, run_id, "a", "numbers", "new", "3")
    assert results_cache.load(study, run_id, "b", "intervals", "old") is None
    assert results_cache.load(study, run_id, "a", "numbers", "new") == "3"
    results_cache.forget(study, run_id)
    assert results_cache.load(study, run_id, "a", "numbers", "new") is None


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b


def test_results_come_back_from_text_as_computed():
    frame = synthetic_frame(models=("m1", "m2"), topics=2, seed=3)
    results = compute_results(frame, model="m1")  # with intervals, tests, position tables
    back = results_record.from_text(results_record.to_text(results))
    assert set(back.tables) == set(results.tables)
    for name, table in results.tables.items():
        other = back.tables[name]
        assert (other.name, other.title, other.columns) == (table.name, table.title, table.columns)
        assert len(other.rows) == len(table.rows) > 0 or name == "outcomes"
        for row, row_back in zip(table.rows, other.rows):
            assert isinstance(row_back, tuple)
            assert all(_same(x, y) and type(x) is type(y) for x, y in zip(row, row_back)), (name, row, row_back)
    heat, heat_back = results.heatmaps["m1"], back.heatmaps["m1"]
    assert heat_back.values == heat.values and heat_back.conditions == heat.conditions
    assert np.array_equal(heat.rates, heat_back.rates, equal_nan=True)
    for question in ("value", "action"):
        assert np.array_equal(results.choices["m1"][question], back.choices["m1"][question])
        assert np.array_equal(results.positions["m1"][question], back.positions["m1"][question])
    assert (back.answers, back.items, back.models, back.topics, back.aggregate, back.expected) == (
        results.answers, results.items, results.models, results.topics, results.aggregate, results.expected)
    assert back.reported_models == ["m1"]


def test_results_of_a_run_asked_several_ways_come_back_with_their_protocols():
    from tests.helpers.results_app import protocols_frame

    results = compute_results(protocols_frame(), bootstrap=False)
    assert results.by_protocol is not None and len(results.protocols) == 3  # the frame asks three ways
    back = results_record.from_text(results_record.to_text(results))
    assert (back.protocol, back.protocols) == (results.protocol, results.protocols)
    assert back.by_protocol.protocols == results.by_protocol.protocols
    assert set(back.tables) == set(results.tables) >= {"protocols", "protocol_spread", "protocol_flips"}
    for name in ("protocols", "protocol_spread", "protocol_flips"):
        assert back.tables[name].columns == results.tables[name].columns
        assert len(back.tables[name].rows) == len(results.tables[name].rows)
        for row, row_back in zip(results.tables[name].rows, back.tables[name].rows):
            assert all(_same(x, y) for x, y in zip(row, row_back)), (name, row, row_back)
    assert back.by_protocol.flagged() == results.by_protocol.flagged()


def test_kept_text_read_in_steps_is_what_json_reads():
    """The kept results are parsed a value at a time (a key pressed meanwhile waits for one value, not for
    the whole text); every depth gives what json.loads gives, and what it refuses is refused."""
    import json

    from tests.helpers.results_app import protocols_frame

    texts = [results_record.to_text(compute_results(protocols_frame())),  # NaN, nested tables, protocols
             ' { "a" : [ 1 , 2.5 , { } , [ ] , "x,]}" ] , "b\\"\\u00e9" : { "c" : null , "d" : [ [ NaN ] ] } } ',
             "[]", "{}", "3", '"plain"', '[{"k": [true, false, -1e-300, Infinity]}]']
    for text in texts:
        want = json.dumps(json.loads(text), sort_keys=True)
        for depth in range(6):
            assert json.dumps(results_record.loads_in_steps(text, depth), sort_keys=True) == want, (text[:40], depth)
    back = results_record.from_text(texts[0])
    assert results_record.to_text(back) == texts[0]
    for broken in ("", "{", "[1,", '{"a" 1}', "[1 2]", "[1] x", '{"a":1,}', "[1,]", '{"a":[1,2}', texts[0][:-1]):
        with pytest.raises(json.JSONDecodeError):
            json.loads(broken)
        for depth in (1, 4):
            with pytest.raises(json.JSONDecodeError):
                results_record.loads_in_steps(broken, depth)


def test_text_of_another_layout_is_not_read():
    assert results_record.from_text('{"format": -1}') is None
    assert results_record.from_text("[1, 2]") is None


def test_the_report_reads_kept_results_until_a_new_answer_arrives(tmp_path, monkeypatch):
    from tests.helpers.collection import staged_study
    from valuegap_tui.report import writer

    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})  # b has questions left
    calls = []
    real = writer.compute_results
    monkeypatch.setattr(writer, "compute_results", lambda frame, **kw: calls.append(kw) or real(frame, **kw))
    monkeypatch.setattr("valuegap_tui.report.drawing.draw_figures", lambda *a, **k: ([], {}))  # figures: not at issue here
    # nor are the figures a report computing its results starts from the numbers alone
    monkeypatch.setattr("valuegap_tui.report.drawing.early_possible", lambda workers=None: False)
    summaries = []
    for step in ("first", "again", "after a new answer"):
        if step == "after a new answer":
            answer_model(study, run_id, "b", 1)
        report = writer.report_run(study, run_id, tmp_path / step)
        summaries.append(report.summary.read_text())
        assert len(calls) == {"first": 1, "again": 1, "after a new answer": 2}[step], step
    assert summaries[1] == summaries[0]  # the kept results report the same
    assert summaries[2] != summaries[1]  # the new answer is counted


def test_a_finished_runs_progress_is_kept_and_read_afresh_after_a_change(tmp_path, monkeypatch):
    from tests.helpers.collection import staged_study
    from valuegap_tui.store import run_progress

    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})  # b has questions left
    reads = []
    real = run_progress.progress
    monkeypatch.setattr(run_progress, "progress", lambda s, r: reads.append(r) or real(s, r))
    going = run_progress.read_progress(study, run_id)
    assert run_progress.read_progress(study, run_id) == going and len(reads) == 2  # pending: read each time
    answer_model(study, run_id, "b", 10_000)  # every question answered: nothing pending
    done = run_progress.read_progress(study, run_id)
    assert done.pending == 0 and done.answered > going.answered
    assert run_progress.read_progress(study, run_id) == done == real(study, run_id)
    assert len(reads) == 3  # the second read of the finished run came from what was kept
    (item,) = [i for i in run_store.all_items(study, run_id) if i.model == "b"][:1]
    run_store.record_attempts(study, run_id, [run_store.Attempt(item.id, 2, "no_letter", "invalid", None, None, None,
                                                                None)])
    changed = run_progress.read_progress(study, run_id)  # a new attempt: read afresh
    assert len(reads) == 4 and changed.invalid == done.invalid + 1


def test_items_added_to_a_run_make_kept_results_stale(tmp_path, monkeypatch):
    from valuegap_tui.evaluate import setup
    from valuegap_tui.evaluate.setup import rest_of_plan

    monkeypatch.setattr(setup, "STREAM_HEAD", 10)  # the plan's head stored first, the rest streamed in later
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, 6)
    run_id = create_run(study, definition(repeats=2), stream=True)
    (head,) = {run_store.stored_items(study, run_id)}
    answer_model(study, run_id, "m", head)  # the head answered: nothing pending
    state = results_cache.fingerprint(study, run_id)
    assert state.split(":")[2] == "0"
    results_cache.save(study, run_id, "opts", "numbers", state, "kept")
    assert run_store.add_items(study, run_id, rest_of_plan(study, run_id)) > 0  # the rest of the plan lands
    after = results_cache.fingerprint(study, run_id)
    assert after != state
    assert results_cache.load(study, run_id, "opts", "numbers", after) is None


def test_progress_counts_every_item_once_by_model_kind_status_and_outcome(tmp_path):
    """Against a count of the items one by one: the progress groups items by model and persona kind,
    and each finished item's last outcome (an item with none counts by its status)."""
    from tests.helpers.collection import staged_study
    from valuegap_tui.store import run_progress

    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 7})
    pending = run_store.pending_items(study, run_id, model="b", limit=5)
    run_store.record_attempts(study, run_id, [
        run_store.Attempt(pending[0].id, 1, "no_letter", "invalid", None, None, None, None),
        run_store.Attempt(pending[1].id, 1, "too_long", "invalid", None, None, None, None),
        run_store.Attempt(pending[2].id, 1, "server_error", "server_error", None, None, None, None)])
    kinds = dict(study.db.execute("SELECT persona_id, kind FROM run_personas WHERE run_id = ?", [run_id]).fetchall())
    groups, statuses, ended = {}, {}, {}
    for model, persona, status, outcome in study.db.execute(
            "SELECT model, persona_id, status, outcome FROM run_items WHERE run_id = ?", [run_id]):
        entry = groups.setdefault((model, kinds[persona]), [0, 0])
        entry[0] += status != "pending"
        entry[1] += 1
        statuses[status] = statuses.get(status, 0) + 1
        if status != "pending":
            name = outcome or {"answered": "valid", "server_error": "server_error"}.get(status, "no_letter")
            ended[name] = ended.get(name, 0) + 1
    p = run_progress.progress(study, run_id)
    assert p.by_group == {k: tuple(v) for k, v in groups.items()} and list(p.by_group) == sorted(groups)
    assert p.item_outcomes == ended and ended["too_long"] == 1 and ended["server_error"] == 1
    assert (p.total, p.answered, p.server_error, p.too_long) == (
        sum(statuses.values()), statuses["answered"], statuses["server_error"], 1)
    assert p.invalid == statuses["invalid"] - 1 and p.pending == statuses["pending"]


def test_results_and_progress_kept_by_another_version_are_read_afresh(tmp_path, monkeypatch):
    import valuegap_tui
    from tests.helpers.collection import staged_study
    from valuegap_tui.report.kept import EVERY_MODEL, keep, kept, options_key
    from valuegap_tui.store import run_progress

    study, run_id = staged_study(tmp_path / "s.db", "model", {})  # every question answered
    state = results_cache.fingerprint(study, run_id)
    results = compute_results(synthetic_frame(models=("m1",), topics=1, seed=2), bootstrap=False)
    keep(study, run_id, options_key(EVERY_MODEL, None, "pairs", None), "numbers", state, results)
    assert kept(study, run_id, options_key(EVERY_MODEL, None, "pairs", None), "numbers", state) is not None
    reads = []
    real = run_progress.progress
    monkeypatch.setattr(run_progress, "progress", lambda s, r: reads.append(r) or real(s, r))
    run_progress.read_progress(study, run_id)
    run_progress.read_progress(study, run_id)
    assert len(reads) == 1  # kept by this version: read once

    monkeypatch.setattr(valuegap_tui, "__version__", valuegap_tui.__version__ + ".next")  # an upgrade
    assert kept(study, run_id, options_key(EVERY_MODEL, None, "pairs", None), "numbers", state) is None
    run_progress.read_progress(study, run_id)
    assert len(reads) == 2  # the other version's progress is not read
