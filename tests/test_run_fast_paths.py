"""The evaluation path's shortcuts store and read exactly what the general code does.

- ``record_attempts`` writes a batch without distributions through one attrgetter and SQL
  expressions; the rows must equal those of the general row builder, attempt for attempt.
- ``fill_record`` reads the usual reply shape without its general helpers; the record must equal
  the general reading for every shape, usual or not.
- a run raises the garbage collector's thresholds while it goes and puts them back.
"""

from __future__ import annotations

import copy
import gc
from dataclasses import asdict

import pytest

from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate import collector
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.server import replies
from valuegap_tui.server.replies import REPLY_TEXT_CAP, fill_record
from valuegap_tui.server.transports import TransportError
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import open_study
from valuegap_tui.store import run_progress
from valuegap_tui.store import runs as run_store

OUTCOMES = [("valid", "answered"), ("abstained", "answered"), ("no_letter", "pending"), ("refusal", "invalid"),
            ("refusal", "pending"), ("server_error", "pending"), ("server_error", "server_error"),
            ("cut_off", "invalid"), ("malformed", "invalid"), ("too_long", "invalid")]


def attempts_for(items, with_distribution: bool) -> list[run_store.Attempt]:
    """One attempt per item, cycling through every outcome and item status, with odd values in every column."""
    attempts = []
    for i, item in enumerate(items):
        outcome, status = OUTCOMES[i % len(OUTCOMES)]
        answered = status == "answered"
        attempts.append(run_store.Attempt(
            item_id=item.id, attempt=1 + i % 3, outcome=outcome, item_status=status,
            letter="ABCDEF"[i % 6] if answered else None, position=i % 6 if answered else None,
            choice=(i * 5) % 6 if answered else None, score=(3 - i % 7) if answered else None,
            raw_text=[None, "B", "", "It's 'C'; \"D\"\x00", "é" * 40][i % 5],
            reasoning=[None, "thinking...", ""][i % 3],
            distribution=[0.1, 0.2, 0.3, 0.15, 0.15, 0.1000004] if with_distribution and (i // 7) % 2 and i % 2 else None,
            covered_mass=[None, 0.93][i % 2], latency_s=[None, 0.0123456789][i % 2],
            prompt_tokens=[None, 301][i % 2], completion_tokens=[None, 1, 0][i % 3],
            finish_reason=[None, "stop", "length"][i % 3], error=[None, "request failed: x"][i % 2],
            error_kind=[None, "http_5xx", "client"][i % 3], endpoint=[None, "http://127.0.0.1:1/v1"][i % 2],
            raw_dropped=i % 4, reasoning_dropped=i % 2))
    return attempts


def stored(study, run_id):
    responses = study.db.execute("SELECT * FROM run_responses WHERE run_id = ? ORDER BY id", [run_id]).fetchall()
    items = study.db.execute("SELECT * FROM run_items WHERE run_id = ? ORDER BY id", [run_id]).fetchall()
    return responses, items


@pytest.mark.parametrize("with_distribution", [False, True])  # True: every other batch has some
def test_a_batch_is_stored_alike_through_either_row_builder(tmp_path, monkeypatch, with_distribution):
    monkeypatch.setattr(run_store, "now_iso", lambda: "2026-01-02T03:04:05.678901+00:00")
    results = []
    for general in (False, True):
        study = open_study(tmp_path / f"study-{general}.db", create=True)
        seed_study(study, 6)
        run_id = create_run(study, definition(repeats=2))
        items = run_store.pending_items(study, run_id)
        attempts = attempts_for(items, with_distribution)
        if general:  # every batch through the row builder that handles distributions
            monkeypatch.setattr(run_store, "any", lambda _: True, raising=False)
        for start in range(0, len(attempts), 7):
            run_store.record_attempts(study, run_id, attempts[start:start + 7])
        monkeypatch.delattr(run_store, "any", raising=False)
        results.append(stored(study, run_id))
        study.close()
    (fast_responses, fast_items), (general_responses, general_items) = results
    assert len(fast_responses) == len(attempts) and fast_responses == general_responses
    assert fast_items == general_items
    # the columns the shortcut works out in SQL, against the rule they follow
    by_id = {a.item_id: a for a in attempts}
    columns = [d[0] for d in study_description(tmp_path / "study-False.db")]
    for row in fast_items:
        item = dict(zip(columns, row))
        a = by_id[item["id"]]
        assert item["refusal"] == int(a.outcome == "refusal") and type(item["refusal"]) is int
        assert item["outcome"] == (None if a.item_status == "pending" else a.outcome)


def retried_in_one_batch(items) -> list[run_store.Attempt]:
    """Attempts in arrival order where many items are asked again within one batch: a first attempt that
    leaves the item pending, then (later in the batch) one that answers it, leaves it pending again or
    ends it; some items once only."""
    firsts, seconds = [], []
    for i, item in enumerate(items):
        outcome = ["no_letter", "server_error", "refusal"][i % 3]
        firsts.append(run_store.Attempt(item_id=item.id, attempt=1, outcome=outcome, item_status="pending",
                                        raw_text="hmm", latency_s=0.5, error_kind=None))
        if i % 4 == 3:
            continue
        final = [("valid", "answered"), ("no_letter", "pending"), ("refusal", "invalid"), ("abstained", "answered"),
                 ("server_error", "server_error")][i % 5]
        answered = final[1] == "answered"
        seconds.append(run_store.Attempt(item_id=item.id, attempt=2, outcome=final[0], item_status=final[1],
                                         letter="C" if answered else None, position=2 if answered else None,
                                         choice=i % 6 if answered else None, score=(i % 5) - 2 if answered else None,
                                         raw_text="C", latency_s=0.25))
    return [a for pair in zip(firsts, seconds + [None] * len(firsts)) for a in pair if a is not None]


def counts(study, run_id):
    return (study.db.execute("SELECT * FROM run_item_counts WHERE run_id = ? ORDER BY 1, 2, 3, 4, 5",
                             [run_id]).fetchall(),
            study.db.execute("SELECT * FROM run_response_counts WHERE run_id = ? ORDER BY 1, 2", [run_id]).fetchall())


def each_way(tmp_path, monkeypatch, *, dilemmas: int, repeats: int):
    """A fresh study and run, stored many rows a statement (where SQLite allows), then row by row."""
    from valuegap_tui.store import batch_updates

    supported = batch_updates.SUPPORTED
    for one_statement in (True, False):
        monkeypatch.setattr(batch_updates, "SUPPORTED", one_statement and supported)
        study = open_study(tmp_path / f"study-{one_statement}.db", create=True)
        seed_study(study, dilemmas)
        yield study, create_run(study, definition(repeats=repeats))


@pytest.mark.parametrize("batch", [1, 5, 16, 1000])
@pytest.mark.parametrize("attempts_of", ["every_outcome", "retried_in_one_batch"])
@pytest.mark.parametrize("rows_per_statement", [5, 128])
@pytest.mark.parametrize("with_distribution", [False, True])
def test_a_batchs_items_are_updated_in_one_statement_as_row_by_row(tmp_path, monkeypatch, batch, attempts_of,
                                                                   rows_per_statement, with_distribution):
    """A batch without distributions is stored many rows a statement (store/batch_updates.py): the
    same answers and items, the same kept counts, as one insert and one update per answer; a batch
    holding an item twice updates its items row by row (retried_in_one_batch even answers some items
    before their first attempt arrives). Five rows a statement: full statements and the rest's. With
    distributions, the batches that hold one go through the general row builder, many rows a statement
    too."""
    from valuegap_tui.store import batch_updates

    monkeypatch.setattr(run_store, "now_iso", lambda: "2026-01-02T03:04:05.678901+00:00")
    monkeypatch.setattr(batch_updates, "ROWS_PER_STATEMENT", rows_per_statement)
    used = []
    real = run_store.update_items

    def spied(conn, statement, rows, *head):
        used.append(batch_updates.SUPPORTED and len(rows) > 1 and len({row[-1] for row in rows}) == len(rows))
        return real(conn, statement, rows, *head)

    monkeypatch.setattr(run_store, "update_items", spied)
    results, supported = [], batch_updates.SUPPORTED
    for study, run_id in each_way(tmp_path, monkeypatch, dilemmas=6, repeats=2):
        items = run_store.pending_items(study, run_id)
        attempts = (attempts_for(items, with_distribution) if attempts_of == "every_outcome"
                    else retried_in_one_batch(items))
        for start in range(0, len(attempts), batch):
            run_store.record_attempts(study, run_id, attempts[start:start + batch])
        results.append((stored(study, run_id), counts(study, run_id)))
        assert run_progress.progress(study, run_id) == run_progress.progress(study, run_id, recount=True)
        study.close()
    assert results[0] == results[1]
    (_, items_rows), (item_counts, _) = results[0]
    assert len(items_rows) == 24 and sum(n for *_, n in item_counts) == 24
    if batch > 1 and supported:
        # one statement where no item is in a batch twice; row by row where one is (asked again)
        assert any(used) == (attempts_of == "every_outcome" or batch < 16)


def test_values_of_any_type_are_stored_as_row_by_row(tmp_path, monkeypatch):
    """Every value is bound as a parameter, many rows a statement or one: a float or a bool score, the
    largest and smallest 64-bit integers, a text with a NUL are stored alike."""
    monkeypatch.setattr(run_store, "now_iso", lambda: "2026-01-02T03:04:05.678901+00:00")
    results = []
    for study, run_id in each_way(tmp_path, monkeypatch, dilemmas=2, repeats=1):
        first, second, third, fourth = run_store.pending_items(study, run_id)[:4]
        answered = dict(outcome="valid", item_status="answered", position=0, choice=1)
        run_store.record_attempts(study, run_id, [
            run_store.Attempt(item_id=first.id, attempt=1, score=1.5, **answered),
            run_store.Attempt(item_id=second.id, attempt=1, score=True, raw_text="a\x00b", **answered),
            run_store.Attempt(item_id=third.id, attempt=1, score=2**63 - 1, latency_s=0.1 + 0.2, **answered),
            run_store.Attempt(item_id=fourth.id, attempt=1, score=-2**63, prompt_tokens=2**63 - 1, **answered)])
        run_store.record_attempts(study, run_id, [  # a NUL in the outcome, and the item asked again
            run_store.Attempt(item_id=first.id, attempt=2, outcome="odd\x00one", item_status="invalid"),
            run_store.Attempt(item_id=second.id, attempt=2, outcome="valid", item_status="answered", score=2)])
        results.append((stored(study, run_id), counts(study, run_id),
                         study.db.execute("SELECT typeof(score), typeof(outcome) FROM run_items ORDER BY id").fetchall()))
        assert run_progress.progress(study, run_id) == run_progress.progress(study, run_id, recount=True)
        study.close()
    assert results[0] == results[1]
    (responses, items), _, types = results[0]
    by_id = {row[0]: row for row in items}
    assert by_id[first.id][-2] == "odd\x00one" and types[2] == ("integer", "text")
    assert [row[8] for row in responses[:4]] == [1.5, 1, 2**63 - 1, -2**63]
    assert [row[13] for row in responses[:4]][2] == 0.1 + 0.2


def study_description(path):
    study = open_study(path)
    try:
        return study.db.execute("SELECT * FROM run_items LIMIT 1").description
    finally:
        study.close()


def test_a_timestamp_that_could_break_the_statement_is_refused():
    with pytest.raises(ValueError):
        run_store._insert_plain(1, "2026-01-01'); DROP TABLE runs; --")


def _reply(content="B", **overrides):
    message = {"role": "assistant", "content": content}
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    payload = {"id": "x", "choices": [choice], "usage": {"prompt_tokens": 300, "completion_tokens": 1}}
    for key, value in overrides.items():
        where, _, name = key.partition("__")
        target = {"payload": payload, "choice": choice, "message": message, "usage": payload["usage"]}[where]
        if value is _DROP:
            target.pop(name, None)
        else:
            target[name] = value
    return payload


_DROP = object()


class _Text(str):
    pass


REPLIES = [
    _reply(), _reply(""), _reply(None), _reply("The answer is B."), _reply("x" * REPLY_TEXT_CAP),
    _reply("x" * (REPLY_TEXT_CAP + 5)), _reply(["B"]), _reply([{"type": "text", "text": "B"}]), _reply(7),
    _reply(_Text("B")), _reply(message__reasoning="so B"), _reply(message__reasoning=""),
    _reply(message__reasoning_content=""), _reply(message__reasoning_content="hmm"),
    _reply(message__reasoning=None, message__reasoning_content=None), _reply(message__reasoning=[]),
    _reply(choice__finish_reason=None), _reply(choice__finish_reason=3), _reply(choice__finish_reason=_Text("stop")),
    _reply(choice__finish_reason=_DROP), _reply(choice__logprobs=None),
    _reply(choice__logprobs={"content": [{"token": "B", "logprob": -0.1, "top_logprobs": []}]}),
    _reply(choice__message=None), _reply(choice__message="B"), _reply(payload__usage=None),
    _reply(payload__usage=_DROP), _reply(payload__usage=[1]), _reply(usage__prompt_tokens=-1),
    _reply(usage__prompt_tokens=True), _reply(usage__prompt_tokens=2.0), _reply(usage__completion_tokens="1"),
    _reply(usage__completion_tokens=0), _reply(usage__prompt_tokens=2**70),
    {"choices": []}, {"choices": None}, {"choices": ["B"]}, {}, [], "B", None,
]


@pytest.mark.parametrize("index", range(len(REPLIES)))
@pytest.mark.parametrize("unwrap", [False, True])
def test_the_usual_reply_is_read_as_the_general_reader_reads_it(monkeypatch, index, unwrap):
    payload = REPLIES[index]

    def read(shortcut: bool):
        record = CompletionRecord(text="old", reasoning="old", finish_reason="old", prompt_tokens=9,
                                  first_token_logprobs={"old": 0.0}, malformed="old", text_dropped=5)
        with monkeypatch.context() as patch:
            if not shortcut:
                patch.setattr(replies, "_fill_plain", lambda record, payload: False)
            try:
                fill_record(record, copy.deepcopy(payload), unwrap=unwrap)
            except TransportError as exc:
                return ("raised", exc.kind, str(exc), asdict(record))
        return asdict(record)

    assert read(True) == read(False)


def test_the_usual_reply_takes_the_shortcut(monkeypatch):
    calls = []
    monkeypatch.setattr(replies, "reply_text", lambda *a: calls.append(a) or (None, None))
    record = CompletionRecord()
    fill_record(record, _reply("C"))
    assert (record.text, record.finish_reason, record.prompt_tokens, calls) == ("C", "stop", 300, [])


def test_a_run_raises_the_collector_thresholds_and_puts_them_back():
    before = gc.get_threshold()
    with collector.fewer_collections():
        assert gc.get_threshold() == collector.RUN_GC_THRESHOLD
        with collector.fewer_collections():  # a second run at once (the app)
            assert gc.get_threshold() == collector.RUN_GC_THRESHOLD
        assert gc.get_threshold() == collector.RUN_GC_THRESHOLD
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError):
        with collector.fewer_collections():
            raise RuntimeError("a run that fails")
    assert gc.get_threshold() == before


def test_a_run_in_the_app_never_lowers_the_thresholds_the_app_set():
    """The app sets Python's own trigger far up (tui/idle_gc.py: it collects between keys); a run started
    from it must not bring the trigger down to the run's, or collections land inside keys again."""
    before = gc.get_threshold()
    gc.set_threshold(200_000, 20, 20)
    try:
        with collector.fewer_collections():
            assert gc.get_threshold() == (200_000, 20, 100)
        assert gc.get_threshold() == (200_000, 20, 20)
    finally:
        gc.set_threshold(*before)


def test_item_rows_are_read_as_the_dataclass_builds_them(study):
    seed_study(study, 3)
    run_id = create_run(study, definition(repeats=2, protocols=["standard", "abstain"]))
    rows = study.db.execute(f"SELECT {run_store._ITEM_COLUMNS} FROM run_items WHERE run_id = ? ORDER BY id",
                            [run_id]).fetchall()
    read = run_store.pending_items(study, run_id, limit=len(rows))
    assert len(read) == len(rows) == 24 and read == [run_store.ItemRow(*row) for row in rows]
    assert [hash(item) for item in read] == [hash(run_store.ItemRow(*row)) for row in rows]
    assert run_store.all_items(study, run_id) == read
    with pytest.raises(AttributeError):  # still frozen
        read[0].attempts = 3


def test_plan_rows_are_the_planned_items_as_tuples():
    from dataclasses import astuple, fields

    from valuegap_tui.plan.items import PlannedItem, plan_items, plan_rows

    args = (["a", "b"], ["baseline", "p"], ["d1", "d2", "d3"], 4, 7)
    kwargs = dict(questions_of=lambda d: ((0, 6), (1, 4 + len(d))), protocols=["standard", "abstain"])
    rows, items = list(plan_rows(*args, **kwargs)), list(plan_items(*args, **kwargs))
    assert len(rows) == 2 * 2 * 2 * 3 * 2 * 4 and rows == [astuple(item) for item in items]
    assert run_store._PLANNED.__reduce__()[1] == tuple(f.name for f in fields(PlannedItem))


def test_planned_items_and_plan_rows_are_stored_alike(tmp_path):
    from valuegap_tui.plan.items import plan_items, plan_rows

    stored_items = []
    for name, plan in (("objects", plan_items), ("rows", plan_rows)):
        study = open_study(tmp_path / f"{name}.db", create=True)
        seed_study(study, 4)
        run_id = create_run(study, definition(repeats=3), stream=True)  # the head only
        with study.transaction() as db:
            run_store._insert_items(db, run_id, list(plan(["m"], ["baseline"], ["x1", "x2"], 3, 5))[:9])
        stored_items.append(study.db.execute("SELECT * FROM run_items ORDER BY id").fetchall())
        study.close()
    assert len(stored_items[0]) == 4 * 2 * 3 + 9 and stored_items[0] == stored_items[1]


def test_planned_items_are_inserted_in_one_statement_as_row_by_row(tmp_path, monkeypatch):
    """A chunk of planned items goes many rows an INSERT (store/batch_updates.py): the same rows, ids in
    the same order, the same kept counts; rows already stored (or twice in the chunk) are skipped alike;
    a text with a NUL is stored whole."""
    from valuegap_tui.plan.items import plan_rows
    from valuegap_tui.store import batch_updates

    odd = ["x1", "é'\"\\;--", "tab\there", "ünï\u2028cödé"]
    results, used, supported = [], [], batch_updates.SUPPORTED
    real = batch_updates.run_in_chunks
    monkeypatch.setattr(batch_updates, "run_in_chunks", lambda *a, **k: used.append(True) or real(*a, **k))
    monkeypatch.setattr(batch_updates, "ROWS_PER_STATEMENT", 7)  # full statements and the rest's
    for one_statement in (True, False):
        monkeypatch.setattr(batch_updates, "SUPPORTED", one_statement and supported)
        study = open_study(tmp_path / f"items-{one_statement}.db", create=True)
        seed_study(study, 4)
        run_id = create_run(study, definition(repeats=3), stream=True)  # the head only
        rows = list(plan_rows(["m", "m2"], ["baseline", "p\x01"], odd, 3, 5))
        with study.transaction() as db:
            run_store._insert_items(db, run_id, rows[:20] + rows[:5] + rows)  # some twice, all in plan order
            run_store._insert_items(db, run_id, [("m", "baseline", "nul\x00id", 0, 0, "012345", "standard"),
                                                 ("m", "baseline", "nul\x00id", 1, 0, "012345", "standard")])
        results.append((study.db.execute("SELECT * FROM run_items ORDER BY id").fetchall(), counts(study, run_id)))
        assert run_progress.progress(study, run_id) == run_progress.progress(study, run_id, recount=True)
        study.close()
    assert results[0] == results[1]
    items, _ = results[0]
    assert len(items) == 4 * 2 * 3 + len(rows) + 2 and items[-1][4] == "nul\x00id"
    if supported:  # the run's head, the plan's chunk and the NUL's, each many rows a statement
        assert used == [True, True, True], used


def _records_to_score():
    """Records as the client leaves them: every reply shape above, failures, and odd field values."""
    records = []
    for payload in REPLIES:
        record = CompletionRecord(latency_s=0.25, endpoint="http://e/v1", model="m", attempts=1)
        try:
            fill_record(record, copy.deepcopy(payload))
        except TransportError as exc:
            record.error, record.error_kind = str(exc), exc.kind
        records.append(record)
    for text in ("A", "F", "G", "b", " ", "\x00", "AB", "é", _Text("C")):
        records.append(CompletionRecord(text=text, finish_reason="stop", prompt_tokens=3, completion_tokens=1))
    records += [
        CompletionRecord(text="B", error="ConnectionError: x", error_kind="connection"),
        CompletionRecord(text="B", error_kind="http_5xx"),
        CompletionRecord(text="B", malformed="the reply's content is a list without text parts"),
        CompletionRecord(text="B", malformed=""),
        CompletionRecord(text="B", reasoning=""),
        CompletionRecord(text="B", reasoning="so B", reasoning_dropped=4),
        CompletionRecord(text="B", text_dropped=2),
        CompletionRecord(error="timeout", error_kind="timeout"),
        CompletionRecord(error="too long", error_kind="too_long"),
    ]
    return records


SCORE_TABLES = [(3, 2, 1, -1, -2, -3), (3, 2, 1, -1, -2, -3, None), (None, 1, 0, 1, 2, 3)]


@pytest.mark.parametrize("mode", ["text", "constrained", "logprobs"])
@pytest.mark.parametrize("scores", SCORE_TABLES)
def test_a_one_letter_reply_is_scored_as_the_general_reader_scores_it(mode, scores):
    from valuegap_tui.evaluate.attempts import read_scored_attempt, score_attempt

    n = len(scores)
    compared = shortcut = 0
    for record in _records_to_score():
        for permutation in ("0123456"[:n], "6543210"[7 - n:], "2031546"[:n] if n == 7 else "203154"[:n]):
            for shown in (["a", "b", "c", "d", "e", "f", "g"][:n], ["a", "b"]):
                for attempt, base in ((1, 0), (3, 0), (4, 3)):
                    item = run_store.ItemRow(7, "m", "p", "d", 1, 0, permutation, attempt - 1, base)
                    args = (item, record, attempt, shown, 3, mode, 0.5, scores)
                    try:
                        fast = asdict(score_attempt(*args))
                    except Exception as exc:  # noqa: BLE001 - both must fail alike
                        fast = ("raised", type(exc))
                    try:
                        slow = asdict(read_scored_attempt(*args))
                    except Exception as exc:  # noqa: BLE001
                        slow = ("raised", type(exc))
                    assert fast == slow, (record, permutation, shown, attempt)
                    assert type(fast) is type(slow) and (not isinstance(fast, dict) or all(
                        type(fast[k]) is type(slow[k]) for k in fast))
                    compared += 1
                    shortcut += isinstance(fast, dict) and fast["outcome"] in ("valid", "abstained")
    assert shortcut >= 18 and compared > 1000


def test_the_usual_letter_takes_the_shortcut(monkeypatch):
    from valuegap_tui.evaluate import attempts

    monkeypatch.setattr(attempts, "read_scored_attempt", lambda *a: pytest.fail("took the general reader"))
    item = run_store.ItemRow(7, "m", "p", "d", 1, 0, "531042", 0)
    attempt = attempts.score_attempt(item, CompletionRecord(text="B", finish_reason="stop"), 1, list("abcdef"), 3,
                                     scores=(3, 2, 1, -1, -2, -3))
    assert (attempt.outcome, attempt.letter, attempt.choice, attempt.score) == ("valid", "B", 3, -1)
