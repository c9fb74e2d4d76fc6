"""Every answer of one or more runs in one long ("tidy") file: one row per asked question and attempt.

The format follows the file's extension: ``.csv`` (UTF-8, RFC 4180: CRLF line ends, fields quoted when
needed), ``.jsonl`` (one JSON object per line) or ``.parquet`` (needs pyarrow: the ``parquet`` extra).
All three hold the same rows and the same text. Reply text, names and error messages are untrusted:
control characters are written as their visible stand-ins (``valuegap_tui.text.visible``), so no cell
can move a terminal's cursor or hide text when the file is looked at; a CSV reader gets back exactly
that escaped text. Missing values are empty CSV fields and JSON/Parquet nulls.

A data dictionary goes next to the file (``OUT.dictionary.json``): every column with its type and codes,
and the study, run and snapshot hashes the export came from. The file and its dictionary are written
to temporary names and renamed at the end, so a failed export leaves no half-written file behind.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from valuegap_tui import __version__
from valuegap_tui.catalogue import catalogue
from valuegap_tui.export.columns import COLUMN_NAMES, COLUMNS
from valuegap_tui.store import Study
from valuegap_tui.store import answers as answer_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.db import now_iso
from valuegap_tui.text import visible

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}
DICTIONARY_SUFFIX = ".dictionary.json"
PARQUET_MISSING = ("Parquet needs pyarrow: install it with `pip install 'valuegap-tui[parquet]'` "
                   "(or `pip install pyarrow`), or write .csv or .jsonl instead")
QUESTION_NAMES = ("value", "action")


class ExportError(RuntimeError):
    """An export that cannot be written (unknown run, unknown extension, no pyarrow)."""


@dataclass
class AnswerExport:
    path: Path
    dictionary: Path
    rows: int
    runs: list[int]


def format_of(path: Path) -> str:
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ExportError(f"{path}: the file name must end in .csv, .jsonl or .parquet (that chooses the format)")
    return fmt


def _text(text: str | None) -> str | None:
    return None if text is None else visible(text)


def answer_rows(study: Study, run_ids: Iterable[int]) -> Iterator[tuple]:
    """The export's rows, as tuples in ``COLUMNS`` order."""
    cat = catalogue()
    type_of = {v.id: v.type for v in cat.values}
    option_ids = ([p.id for p in cat.value_scale], [p.id for p in cat.action_labels])
    no_distribution = (None,) * 6

    # names (model, persona, dilemma ...) repeat on every row: escape each one once
    @lru_cache(maxsize=None)
    def name(text: str | None) -> str | None:
        return None if text is None else visible(text, newlines=False, tabs=False)

    for run_id in run_ids:
        run = run_store.get_run(study, run_id)
        run_name = name(run.name) if run else None
        design = run.design if run else None
        for (_run, model, condition, persona_kind, persona, dilemma, value, topic, question, repeat, attempt,
             outcome, item_status, final, letter, position, option, score, option_order, distribution_json,
             covered_mass, raw_text, raw_dropped, reasoning, latency_s, prompt_tokens, completion_tokens,
             finish_reason, error_kind, error, answered_at, protocol) in answer_store.attempt_rows(study, run_id):
            distribution = json.loads(distribution_json) if distribution_json else no_distribution
            chosen = option is not None and 0 <= option < 6
            yield (
                run_id, run_name, name(model), "model", name(condition), persona_kind, name(persona), name(dilemma),
                value, type_of.get(value), topic, design, protocol, QUESTION_NAMES[question], repeat, attempt,
                outcome, item_status, 1 if final else 0, name(letter), position, option,
                option_ids[question][option] if chosen else None, score, 6 - option if chosen else None,
                option_order, *distribution, covered_mass, _text(raw_text), raw_dropped, _text(reasoning),
                latency_s, prompt_tokens, completion_tokens, name(finish_reason), name(error_kind), _text(error),
                answered_at,
            )


def answer_dicts(study: Study, run_ids: Iterable[int]) -> Iterator[dict]:
    """The export's rows as dicts keyed by column name."""
    for row in answer_rows(study, run_ids):
        yield dict(zip(COLUMN_NAMES, row))


def _write_csv(rows: Iterable[tuple], fh) -> int:
    # RFC 4180 line ends; the csv module writes None as an empty field and a float as its repr (the
    # shortest text that reads back as the same number)
    writer = csv.writer(fh, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    n = 0
    for row in rows:
        writer.writerow(row)
        n += 1
    return n


def _write_jsonl(rows: Iterable[tuple], fh) -> int:
    n = 0
    for row in rows:
        fh.write(json.dumps(dict(zip(COLUMN_NAMES, row)), ensure_ascii=False) + "\n")
        n += 1
    return n


def _write_parquet(rows: Iterable[tuple], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"integer": pa.int64(), "boolean": pa.int8(), "number": pa.float64(), "text": pa.string(),
             "category": pa.string()}
    data = list(zip(*rows)) or [()] * len(COLUMNS)  # column-wise
    arrays = []
    for column, values in zip(COLUMNS, data):
        array = pa.array(values, type=types[column.type])
        # categories as dictionaries: R's arrow reads them as factors, pandas as categoricals
        arrays.append(array.dictionary_encode() if column.type == "category" else array)
    pq.write_table(pa.Table.from_arrays(arrays, names=list(COLUMN_NAMES)), path)
    return len(data[0])


def dictionary_path(out: Path) -> Path:
    return out.with_name(out.name + DICTIONARY_SUFFIX)


def _dictionary(study: Study, run_ids: list[int], out: Path, fmt: str, rows: int, digest: str) -> dict:
    runs = []
    for run_id in run_ids:
        run = run_store.get_run(study, run_id)
        runs.append({"id": run.id, "name": run.name, "status": run.status, "config_hash": run.config_hash,
                     "snapshot_hash": answer_store.snapshot_hash(study, run_id),
                     "prompt_hashes": answer_store.prompt_hashes(study, run_id),
                     "models": [m.name for m in run.definition.models], "repeats": run.definition.repeats,
                     "answer_mode": str(run.definition.answer_mode.value), "created_at": run.created_at,
                     "finished_at": run.finished_at})
    return {
        "file": out.name, "format": fmt, "rows": rows, "sha256": digest,
        "written_at": now_iso(), "valuegap_version": __version__,
        "study": {"file": study.path.name, "schema_version": study.schema_version},
        "design": _designs(study, run_ids), "runs": runs,
        "one_row_per": "attempt at an asked question (run, respondent, condition, dilemma, question, repeat, "
                       "attempt); the metrics use the rows with final = 1",
        "columns": [c.record() for c in COLUMNS],
        "docs": "docs/answers.md",
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _designs(study: Study, run_ids: list[int]) -> str | list[str]:
    """The design the runs ask (a list when they ask several)."""
    found = sorted({run.design for run_id in run_ids if (run := run_store.get_run(study, run_id)) is not None})
    return found[0] if len(found) == 1 else found


def export_answers(study: Study, run_ids: list[int], out: Path) -> AnswerExport:
    """Write every attempt of ``run_ids`` to ``out`` (format by extension) and its data dictionary."""
    out = Path(out)
    fmt = format_of(out)
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ExportError(PARQUET_MISSING) from None
    run_ids = list(dict.fromkeys(run_ids))
    known = {r.id for r in run_store.list_runs(study)}
    missing = [r for r in run_ids if r not in known]
    if missing:
        listed = ", ".join(str(r) for r in sorted(known)) or "none"
        raise ExportError(f"no run {', '.join(map(str, missing))} in {study.path} (runs: {listed})")
    if out.is_dir():
        raise ExportError(f"{out} is a folder: give a file name ending in .csv, .jsonl or .parquet")
    if out.exists() and out.resolve() == study.path.resolve():
        raise ExportError(f"{out} is the study itself: give another file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    sidecar = dictionary_path(out)
    written = []
    try:
        with answer_store.read_snapshot(study):
            n = _write(study, run_ids, out, fmt, sidecar, written)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return AnswerExport(out, sidecar, n, run_ids)


def _write(study: Study, run_ids: list[int], out: Path, fmt: str, sidecar: Path, written: list[Path]) -> int:
    """The file and its dictionary under temporary names (listed in ``written``), then renamed."""
    data_tmp = _temporary(out)
    written.append(data_tmp)
    rows = answer_rows(study, run_ids)
    if fmt == "parquet":
        n = _write_parquet(rows, data_tmp)
    else:
        with open(data_tmp, "w", encoding="utf-8", newline="") as fh:
            n = _write_csv(rows, fh) if fmt == "csv" else _write_jsonl(rows, fh)
    record = _dictionary(study, run_ids, out, fmt, n, _sha256(data_tmp))
    dict_tmp = _temporary(sidecar)
    written.append(dict_tmp)
    dict_tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(data_tmp, out)
    os.replace(dict_tmp, sidecar)
    return n


def _temporary(target: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    return Path(name)
