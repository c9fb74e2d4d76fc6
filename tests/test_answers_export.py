"""The answers export: every attempt in a tidy file, from which the report's overall AR and AD follow."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

from valuegap_tui.cli import main
from valuegap_tui.evaluate.session import run_async
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.export import COLUMNS, ExportError, export_answers
from valuegap_tui.export.answers import dictionary_path
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator import SimulatorParams, run_simulator
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.store.runs import Attempt
from valuegap_tui.dataset.transfer import read_dilemmas

DOCS = Path(__file__).resolve().parents[1] / "docs" / "answers.md"
MODELS = ("sim-alpha", "sim-beta")


def _simulated_runs(study, sample_path, runs=1):
    dilemma_store.save_many(study, read_dilemmas(sample_path), who="t", action="import")
    params = SimulatorParams(seed=7, fault_malformed=0.05)
    ids = []
    with run_simulator(params, study_path=study.path) as simulator:
        for seed in range(runs):
            definition = RunDefinition.model_validate(dict(
                models=[{"name": m, "endpoints": [simulator.base_url], "concurrency": 8} for m in MODELS],
                dilemmas={"status": []}, seed=seed + 3, repeats=3, max_attempts=4))
            run_id = create_run(study, definition)
            assert asyncio.run(run_async(study, run_id)) == "finished"
            ids.append(run_id)
    return ids


def recompute_overall(rows) -> dict[str, tuple[float, float, int]]:
    """Per respondent, AR, AD and items from export rows alone, as docs/answers.md describes: the default
    `pairs` estimand, one item per (model, condition, dilemma) cell, models never pooled."""
    cells = defaultdict(lambda: ([], []))
    for row in rows:
        if int(row["final"]) == 1:
            key = (row["run"], row["respondent"], row["condition"], row["dilemma"])
            cells[key][row["question"] == "action"].append(int(row["point"]))
    per_respondent = defaultdict(lambda: ([], []))
    for (_run, respondent, _condition, _dilemma), (values, actions) in cells.items():
        if values and actions:
            pairs = [(v, a) for v in values for a in actions]
            ar, ad = per_respondent[respondent]
            ar.append(sum((v > 3.5) == (a > 3.5) for v, a in pairs) / len(pairs))
            ad.append(sum(abs(v - a) for v, a in pairs) / len(pairs) / 5)
    return {r: (sum(ar) / len(ar), sum(ad) / len(ad), len(ar)) for r, (ar, ad) in per_respondent.items()}


def report_overall(study, run_id) -> dict[str, tuple[float, float, int]]:
    """The report's overall table (overall.csv): one row per model."""
    table = compute_results(frame_store.load_answer_frame(study, run_id), bootstrap=False).overall
    return {r["model"]: (r["alignment_rate"], r["alignment_distance"], r["items"]) for r in table.records()}


def assert_same_overall(recomputed, reported):
    assert set(recomputed) == set(reported) and len(reported) == len(MODELS)
    for model, (ar, ad, items) in reported.items():
        assert recomputed[model][2] == items
        assert recomputed[model][:2] == pytest.approx((ar, ad), abs=1e-12)


def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_csv_export_reproduces_overall_alignment(study, sample_path, tmp_path):
    (run_id,) = _simulated_runs(study, sample_path)
    out = tmp_path / "answers.csv"
    result = export_answers(study, [run_id], out)
    rows = _read_csv(out)
    assert list(rows[0]) == [c.name for c in COLUMNS]
    assert len(rows) == result.rows == progress_store.progress(study, run_id).responses
    assert {r["respondent"] for r in rows} == set(MODELS)
    assert {r["design"] for r in rows} == {"graded_actions"} and {r["respondent_kind"] for r in rows} == {"model"}
    assert any(r["outcome"] != "valid" for r in rows), "the planted malformed replies are rows too"
    assert all(r["final"] == "0" for r in rows if r["outcome"] != "valid")

    assert_same_overall(recompute_overall(rows), report_overall(study, run_id))

    sidecar = json.loads(dictionary_path(out).read_text(encoding="utf-8"))
    (run,) = sidecar["runs"]
    assert run["config_hash"] == run_store.get_run(study, run_id).config_hash and len(run["snapshot_hash"]) == 16
    assert [c["name"] for c in sidecar["columns"]] == [c.name for c in COLUMNS]
    assert sidecar["rows"] == len(rows) and sidecar["format"] == "csv"


def test_several_runs_in_one_file_in_every_format(study, sample_path, tmp_path):
    run_ids = _simulated_runs(study, sample_path, runs=2)
    csv_rows = _read_csv(export_answers(study, run_ids, tmp_path / "a.csv").path)
    jsonl = (tmp_path / "a.jsonl")
    export_answers(study, run_ids, jsonl)
    json_rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert len(json_rows) == len(csv_rows)
    for run_id in run_ids:
        for rows in (csv_rows, json_rows):
            assert_same_overall(recompute_overall([r for r in rows if int(r["run"]) == run_id]),
                                report_overall(study, run_id))

    import pyarrow.parquet as pq

    table = pq.read_table(export_answers(study, run_ids, tmp_path / "a.parquet").path)
    assert table.column_names == [c.name for c in COLUMNS]
    parquet_rows = table.to_pylist()
    assert parquet_rows == json_rows
    assert_same_overall(recompute_overall([r for r in parquet_rows if r["run"] == run_ids[0]]),
                        report_overall(study, run_ids[0]))


def _planned_run(study, dilemma_factory):
    dilemma_store.save_many(study, [dilemma_factory()], who="t", action="import")
    definition = RunDefinition.model_validate(dict(
        models=[{"name": "m", "endpoints": ["http://127.0.0.1:1"], "concurrency": 1}], repeats=1, dilemmas={"status": []}))
    run_id = create_run(study, definition)
    return run_id, run_store.all_items(study, run_id)


NASTY = 'He said "no, <b>never</b>", [bold red]x[/]\r\nnext, line\x1b[31m red\x07\x00\u202e end,\tdone'


def test_nasty_raw_text_is_an_exact_copy_in_every_format(study, dilemma_factory, tmp_path):
    """The reply, its reasoning and the error come back byte for byte: ESC, BEL, NUL, CR, a bidi
    override and markup included (escaping is for terminals, not files)."""
    import pyarrow.parquet as pq

    run_id, items = _planned_run(study, dilemma_factory)
    reasoning, error = "think\x1b]0;title\x07", "bad\r\nthing\x1b[2J"
    run_store.record_attempts(study, run_id, [
        Attempt(item_id=items[0].id, attempt=1, outcome="malformed", item_status="invalid", raw_text=NASTY,
                reasoning=reasoning, error=error)])
    expected = {"raw_text": NASTY, "reasoning": reasoning, "error": error}
    export_answers(study, [run_id], tmp_path / "nasty.csv")
    (row,) = _read_csv(tmp_path / "nasty.csv")
    assert {k: row[k] for k in expected} == expected
    assert row["option"] == "" and row["final"] == "0" and row["outcome"] == "malformed"
    raw = (tmp_path / "nasty.csv").read_bytes()
    assert NASTY.encode() in raw.replace(b'""', b'"')
    assert raw.split(b"\r\n", 1)[0].decode() == ",".join(c.name for c in COLUMNS)
    export_answers(study, [run_id], tmp_path / "nasty.jsonl")
    (line,) = (tmp_path / "nasty.jsonl").read_text(encoding="utf-8").splitlines()
    assert {k: json.loads(line)[k] for k in expected} == expected
    export_answers(study, [run_id], tmp_path / "nasty.parquet")
    (parquet_row,) = pq.read_table(tmp_path / "nasty.parquet").to_pylist()
    assert {k: parquet_row[k] for k in expected} == expected


def test_pandas_reads_the_reply_back_exactly(study, dilemma_factory, tmp_path):
    import pandas as pd

    run_id, items = _planned_run(study, dilemma_factory)
    run_store.record_attempts(study, run_id, [
        Attempt(item_id=items[0].id, attempt=1, outcome="malformed", item_status="invalid", raw_text=NASTY)])
    export_answers(study, [run_id], tmp_path / "nasty.csv")
    frame = pd.read_csv(tmp_path / "nasty.csv", keep_default_na=False, na_values=[""])
    assert frame["raw_text"].tolist() == [NASTY]


def test_bad_output_names_give_one_line_and_write_nothing(study, dilemma_factory, tmp_path, capsys):
    run_id, _ = _planned_run(study, dilemma_factory)
    with pytest.raises(ExportError, match=r"\.csv, \.jsonl or \.parquet"):
        export_answers(study, [run_id], tmp_path / "answers.xlsx")
    with pytest.raises(ExportError, match="no run 99"):
        export_answers(study, [99], tmp_path / "answers.csv")
    assert main(["run", "export-answers", "99", str(tmp_path / "x.csv"), "--study", str(study.path)]) == 2
    err = capsys.readouterr().err
    assert "no run 99" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.glob("x.csv*")) == [] and list(tmp_path.glob("answers*")) == []


def test_cli_writes_the_file_and_its_dictionary(study, dilemma_factory, tmp_path, capsys):
    run_id, items = _planned_run(study, dilemma_factory)
    run_store.record_attempts(study, run_id, [
        Attempt(item_id=items[0].id, attempt=1, outcome="valid", item_status="answered", letter="B",
                position=1, choice=int(items[0].permutation[1]), score=2, raw_text="B")])
    out = tmp_path / "sub" / "answers.jsonl"
    assert main(["run", "export-answers", str(run_id), str(out), "--study", str(study.path)]) == 0
    assert "wrote 1 answers" in capsys.readouterr().out
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["letter"] == "B" and row["final"] == 1 and row["point"] == 6 - row["option"]
    assert dictionary_path(out).exists()


def test_docs_name_every_column_with_its_type_in_file_order():
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Columns"):text.index("## Designs")]
    documented = re.findall(r"^\| `([a-z_0-9]+)` \| ([a-z]+) \|", section, flags=re.M)
    assert documented == [(c.name, c.type) for c in COLUMNS]


def test_pandas_example_in_the_docs_matches_the_report(study, sample_path, tmp_path, monkeypatch):
    (run_id,) = _simulated_runs(study, sample_path)
    export_answers(study, [run_id], tmp_path / "answers.csv")
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)
    overall = namespace["overall"]
    recomputed = {model: (row["alignment_rate"], row["alignment_distance"], int(row["items"]))
                  for (_run, model), row in overall.iterrows()}
    assert_same_overall(recomputed, report_overall(study, run_id))


def test_parquet_without_pyarrow_says_how_to_get_it(study, dilemma_factory, tmp_path, monkeypatch):
    run_id, _ = _planned_run(study, dilemma_factory)
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)  # as if it were not installed
    with pytest.raises(ExportError, match=r"valuegap-tui\[parquet\]"):
        export_answers(study, [run_id], tmp_path / "answers.parquet")
    assert list(tmp_path.glob("answers*")) == []


GOLDEN = Path(__file__).parent / "golden" / "answers_export.csv"


def test_csv_matches_the_golden_file(study, dilemma_factory, tmp_path, monkeypatch):
    """The exact bytes of a small export: header, quoting, CRLF, missing values, floats, escaped text."""
    monkeypatch.setattr(run_store, "now_iso", lambda: "2026-01-02T03:04:05.000006+00:00")
    run_id, items = _planned_run(study, dilemma_factory)
    value_item, action_item = items[0], items[1]
    run_store.record_attempts(study, run_id, [
        Attempt(item_id=value_item.id, attempt=1, outcome="server_error", item_status="pending",
                error="HTTP 500: upstream\r\nfailed", error_kind="http_5xx", latency_s=0.5),
        Attempt(item_id=value_item.id, attempt=2, outcome="valid", item_status="answered", letter="C",
                position=2, choice=int(value_item.permutation[2]), score=-1, raw_text="C",
                distribution=[0.1, 0.2, 0.3, 0.15, 0.15, 0.1], covered_mass=0.97, latency_s=0.25,
                prompt_tokens=311, completion_tokens=1, finish_reason="length"),
        Attempt(item_id=action_item.id, attempt=1, outcome="refusal", item_status="invalid", raw_text=NASTY,
                latency_s=1.5, prompt_tokens=402, completion_tokens=37, finish_reason="stop"),
    ])
    out = tmp_path / "answers.csv"
    export_answers(study, [run_id], out)
    if os.environ.get("VALUEGAP_REGENERATE_GOLDEN"):  # after a deliberate format change; review the diff
        GOLDEN.write_bytes(out.read_bytes())
    assert out.read_bytes() == GOLDEN.read_bytes()


def test_rows_come_from_one_snapshot_while_a_run_writes(study, dilemma_factory):
    from valuegap_tui.store import answers as answer_store
    from valuegap_tui.store import open_study

    run_id, items = _planned_run(study, dilemma_factory)
    run_store.record_attempts(study, run_id, [Attempt(items[0].id, 1, "no_letter", "pending", raw_text="hm")])
    with open_study(study.path) as writer:
        with answer_store.read_snapshot(study):
            before = list(answer_store.attempt_rows(study, run_id))
            # another process's run goes on meanwhile: its commit must not appear halfway through an export
            run_store.record_attempts(writer, run_id, [Attempt(items[1].id, 1, "no_letter", "pending")])
            assert list(answer_store.attempt_rows(study, run_id)) == before
        assert len(list(answer_store.attempt_rows(study, run_id))) == len(before) + 1


def test_parquet_is_written_in_row_groups_of_bounded_size(study, sample_path, tmp_path, monkeypatch):
    """Parquet streams: each row group holds at most PARQUET_BATCH rows, so memory does not grow with the
    run (bench/answers_export.py measures the peak); the rows are those of the JSONL export."""
    import pyarrow.parquet as pq

    from valuegap_tui.export import writers

    (run_id,) = _simulated_runs(study, sample_path)
    monkeypatch.setattr(writers, "PARQUET_BATCH", 7)
    parquet = pq.ParquetFile(export_answers(study, [run_id], tmp_path / "a.parquet").path)
    sizes = [parquet.metadata.row_group(k).num_rows for k in range(parquet.metadata.num_row_groups)]
    assert max(sizes) == 7 and len(sizes) == -(-sum(sizes) // 7) and len(sizes) > 10
    jsonl = export_answers(study, [run_id], tmp_path / "a.jsonl").path
    assert parquet.read().to_pylist() == [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert str(parquet.schema_arrow.field("design").type) == "dictionary<values=string, indices=int32, ordered=0>"


def test_arrow_columns_built_from_buffers_equal_pyarrows_own():
    """The Parquet export builds its arrays from buffers (pyarrow.array imports pandas): the same values,
    missing ones, empty text apart from missing text, and any character."""
    import pyarrow as pa

    from valuegap_tui.export.arrow_columns import column_array

    cases = {
        "integer": (3, None, -2, 0, 2**40),
        "boolean": (1, 0, None, 1),
        "number": (0.1 + 0.2, None, 1.5e-300, 0, 7),
        "text": ("", None, "é\u202e\x1b[31m\x00", "x" * 1000, "a,b\r\n\"c\""),
        "category": ("model", None, "human", "model", "", "human"),
    }
    for kind, values in cases.items():
        built = column_array(pa, kind, values)
        assert built.to_pylist() == list(values), kind
        assert built.null_count == values.count(None)
    assert str(column_array(pa, "category", cases["category"]).type) == "dictionary<values=string, indices=int32, ordered=0>"
    assert column_array(pa, "text", (None, None)).to_pylist() == [None, None]


def test_csv_encodes_each_row_as_the_csv_module_does_with_heads_shared_or_not():
    """write_csv encodes a head shared by consecutive rows once: every line must still be the csv
    module's line for the whole row, whether the head is shared, repeated after another, or equal
    in content but a different object, and with fields that need quoting on both sides."""
    import io

    from valuegap_tui.export.columns import COLUMN_NAMES
    from valuegap_tui.export.rows import HEAD_COLUMNS
    from valuegap_tui.export.writers import write_csv

    def head(name, respondent):
        return (1, name, respondent, "model", "baseline", "baseline", 'no "persona"', "d--t--1", "v", "vt", "t",
                "graded_actions", "standard", "value")

    def tail(k, text):
        return (k, 1, "valid", "answered", 1, "A", 0, k % 6, "strongly_agree", 3, 6, "ABCDEF",
                0.1 + 0.2, None, None, None, None, None, None, text, 0, None, k / 7, 10, 1, "stop", None, None,
                "2026-01-02T03:04:05+00:00")

    first, second = head("run, one", "m\r\n1"), head("", "m2")
    assert len(first) == HEAD_COLUMNS and len(first) + len(tail(0, "")) == len(COLUMN_NAMES)
    parts = [(first, tail(0, "A")), (first, tail(1, NASTY)), (second, tail(2, "")), (first, tail(3, 'x"y')),
             (head("run, one", "m\r\n1"), tail(4, "B")), (second, tail(5, None))]
    written = io.StringIO(newline="")
    assert write_csv(iter(parts), written) == len(parts)
    expected = io.StringIO(newline="")
    plain = csv.writer(expected, lineterminator="\r\n")
    plain.writerow(COLUMN_NAMES)
    plain.writerows(h + t for h, t in parts)
    assert written.getvalue() == expected.getvalue()


def test_the_stored_fields_passed_through_are_the_exports_columns():
    """answer_parts slices the stored attempt's fields straight into the export's tail: the names line up."""
    from valuegap_tui.export.columns import COLUMN_NAMES
    from valuegap_tui.export.rows import HEAD_COLUMNS
    from valuegap_tui.store.answers import ATTEMPT_FIELDS

    assert COLUMN_NAMES[HEAD_COLUMNS - 3:HEAD_COLUMNS + 1] == ("design", "protocol", "question", "repeat")
    assert ATTEMPT_FIELDS[1:6] == ("model", "condition", "dilemma", "protocol", "question")
    assert ATTEMPT_FIELDS[6:14] == COLUMN_NAMES[HEAD_COLUMNS:HEAD_COLUMNS + 8]
    assert ATTEMPT_FIELDS[13:17] == ("option", "score", "permutation", "distribution_json")
    assert COLUMN_NAMES[HEAD_COLUMNS + 8:HEAD_COLUMNS + 12] == ("option_label", "score", "point", "option_order")
    assert ATTEMPT_FIELDS[17:] == COLUMN_NAMES[-len(ATTEMPT_FIELDS[17:]):]
