"""Every answer of one or more runs in one long ("tidy") file: one row per asked question and attempt.

The format follows the file's extension: ``.csv`` (UTF-8, RFC 4180: CRLF line ends, fields quoted when
needed), ``.jsonl`` (one JSON object per line) or ``.parquet`` (needs pyarrow: the ``parquet`` extra).
All three hold the same rows and the same text, and the text is an exact copy of what the study holds:
a reply keeps every character, control characters included (``rows.py``). Missing values are empty
CSV fields and JSON/Parquet nulls.

A data dictionary goes next to the file (``OUT.dictionary.json``): every column with its type and codes,
and the study, run and snapshot hashes the export came from. The file and its dictionary are written
to temporary names and renamed at the end, so a failed export leaves no half-written file behind; the
files get the permissions of any file the user creates (the umask), not the temporary file's 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from valuegap_tui import __version__
from valuegap_tui.export.columns import COLUMNS
from valuegap_tui.export.rows import answer_rows, design_codes
from valuegap_tui.export.split_csv import write_csv_split
from valuegap_tui.export.writers import write_jsonl, write_parquet
from valuegap_tui.store import Study
from valuegap_tui.store import answers as answer_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.db import now_iso

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}
DICTIONARY_SUFFIX = ".dictionary.json"
PARQUET_MISSING = ("Parquet needs pyarrow: install it with `pip install 'valuegap-tui[parquet]'` "
                   "(or `pip install pyarrow`), or write .csv or .jsonl instead")


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
        "design": _designs(study, run_ids), "designs": design_codes(study, run_ids), "runs": runs,
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


def export_answers(study: Study, run_ids: list[int], out: Path, workers: int | None = None) -> AnswerExport:
    """Write every attempt of ``run_ids`` to ``out`` (format by extension) and its data dictionary.
    ``workers``: processes writing a large CSV file (None: two where there are two cores; split_csv.py)."""
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
            n = _write(study, run_ids, out, fmt, sidecar, written, workers)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return AnswerExport(out, sidecar, n, run_ids)


def _write(study: Study, run_ids: list[int], out: Path, fmt: str, sidecar: Path, written: list[Path],
           workers: int | None = None) -> int:
    """The file and its dictionary under temporary names (listed in ``written``), then renamed."""
    data_tmp = _temporary(out)
    written.append(data_tmp)
    if fmt == "parquet":
        n = write_parquet(answer_rows(study, run_ids), data_tmp)
    else:
        with open(data_tmp, "w", encoding="utf-8", newline="", buffering=1 << 20) as fh:
            n = (write_csv_split(study, run_ids, fh, out.parent, workers) if fmt == "csv"
                 else write_jsonl(answer_rows(study, run_ids), fh))
    record = _dictionary(study, run_ids, out, fmt, n, _sha256(data_tmp))
    dict_tmp = _temporary(sidecar)
    written.append(dict_tmp)
    dict_tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(data_tmp, out)
    os.replace(dict_tmp, sidecar)
    return n


def _temporary(target: Path) -> Path:
    """An empty file beside ``target``, with the mode a file the user creates gets (mkstemp's is 0600)."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        os.fchmod(handle, 0o666 & ~current_umask())
    finally:
        os.close(handle)
    return Path(name)


def current_umask() -> int:
    """The process's umask (reading it means setting it: put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
