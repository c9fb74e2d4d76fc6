"""Import and export dilemmas as JSONL or CSV.

Import is all-or-nothing: every row is parsed and validated before anything is written, and the
first problem is reported with its line and field.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from valuegap_tui.limits import LimitError, Limits, check_value, how_to_raise
from valuegap_tui.designs.graded_actions.models import Dilemma
from valuegap_tui.validation import format_validation_error
from valuegap_tui.dataset.quality import LABEL_DOUBT, QUALITY_FLAGS
from valuegap_tui.input_files import ImportFailure, jsonl_objects, parse_json, read_text_file  # noqa: F401 (also imported from here)
from valuegap_tui.settings import current_limits

ModelT = TypeVar("ModelT", bound=BaseModel)

CSV_COLUMNS = (
    ["id", "value", "topic", "variant", "status", "scenario"]
    + [f"option_{i}_{part}" for i in range(1, 7) for part in ("text", "label")]
    + ["notes", "flags", "provenance"]
)


def detect_format(path: Path | str, explicit: str | None = None) -> str:
    if explicit:
        return explicit
    suffix = Path(path).suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise ValueError(f"cannot tell the format of {path}; pass --format jsonl or --format csv")


# --- export ----------------------------------------------------------------------------------------
def dilemmas_to_jsonl(dilemmas: Iterable[Dilemma]) -> str:
    return "".join(json.dumps(d.to_record(), ensure_ascii=False) + "\n" for d in dilemmas)


def dilemmas_to_csv(dilemmas: Iterable[Dilemma]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for dilemma in dilemmas:
        record = dilemma.to_record()
        row = {key: record[key] for key in ("id", "value", "topic", "variant", "status", "scenario", "notes")}
        for i, option in enumerate(record["options"], start=1):
            row[f"option_{i}_text"] = option["text"]
            row[f"option_{i}_label"] = option["label"]
        row["flags"] = json.dumps(record["flags"], ensure_ascii=False)
        row["provenance"] = json.dumps(record["provenance"], ensure_ascii=False)
        writer.writerow(row)
    return buffer.getvalue()


def write_dilemmas(dilemmas: Iterable[Dilemma], path: Path | str, fmt: str) -> int:
    """Write dilemmas to path (or '-' for stdout); returns how many were written."""
    dilemmas = list(dilemmas)
    text = dilemmas_to_jsonl(dilemmas) if fmt == "jsonl" else dilemmas_to_csv(dilemmas)
    if str(path) == "-":
        import sys

        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8", newline="")
    return len(dilemmas)


# --- import ----------------------------------------------------------------------------------------
def _validate(record: dict, path, line: int, model: type[BaseModel] = Dilemma):
    try:
        return model.model_validate(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or None
        raise ImportFailure(path, line, field, format_validation_error(exc)) from None


def parse_jsonl_lines(text: str, path: Path | str, model: type[ModelT]) -> list[tuple[int, ModelT]]:
    """Each non-blank line validated as ``model``, with its line number; the first problem raises."""
    return [(line_no, _validate(record, path, line_no, model)) for line_no, record in jsonl_objects(text, path)]


def parse_jsonl(text: str, path: Path | str = "<input>") -> list[Dilemma]:
    return [dilemma for _line, dilemma in parse_jsonl_lines(text, path, Dilemma)]


def parse_csv(text: str, path: Path | str = "<input>") -> list[Dilemma]:
    return [dilemma for _line, dilemma in parse_csv_lines(text, path)]


def _csv_rows(reader: csv.DictReader, path, limits: Limits) -> Iterable[tuple[int, dict]]:
    """Each row with the line it starts on; a CSV the reader rejects names that line."""
    csv.field_size_limit(limits.field_chars)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" in str(exc):
                reason = (f"a cell longer than {limits.field_chars:,} characters (the cap), most often a quote (\")"
                          f" opened on this row and never closed: close it, or {how_to_raise('field_chars')}")
            else:
                reason = f"not valid CSV ({exc})"
            raise ImportFailure(path, start, None, reason) from None
        yield start, row


def parse_csv_lines(text: str, path: Path | str = "<input>", limits: Limits | None = None) -> list[tuple[int, Dilemma]]:
    """Each CSV row validated as a dilemma, with the line it starts on; the first problem raises."""
    limits = limits or current_limits()
    csv.field_size_limit(limits.field_chars)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise ImportFailure(path, 1, "header", f"not valid CSV ({exc})") from None
    doubled = sorted({c for c in header if header.count(c) > 1})
    if doubled:  # the reader would keep the last of the two and drop the other without a word
        raise ImportFailure(path, 1, "header", f"column(s) {', '.join(doubled)} appear twice: keep one of each")
    required = [c for c in CSV_COLUMNS if c not in {"id", "variant", "status", "notes", "flags", "provenance"}]
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        detail = "; ".join(
            part for part in (
                f"missing column(s) {', '.join(missing)}" if missing else "",
                f"unknown column(s) {', '.join(unknown)}" if unknown else "",
            ) if part
        )
        raise ImportFailure(path, 1, "header", f"wrong CSV header: {detail}")
    dilemmas = []
    for line_no, row in _csv_rows(reader, path, limits):
        if None in row:
            raise ImportFailure(path, line_no, None, "more cells than header columns")
        record: dict = {k: row[k] for k in ("value", "topic", "scenario") if k in row}
        for key in ("id", "status", "notes"):
            if row.get(key):
                record[key] = row[key]
        if row.get("variant"):
            record["variant"] = row["variant"]
        record["options"] = [
            {"text": row.get(f"option_{i}_text") or "", "label": row.get(f"option_{i}_label") or ""}
            for i in range(1, 7)
        ]
        for key in ("flags", "provenance"):
            if row.get(key):
                try:
                    record[key] = parse_json(row[key], limits)
                except ValueError as exc:
                    raise ImportFailure(path, line_no, key, str(exc)) from None
        try:
            check_value(record, limits)
        except LimitError as exc:
            raise ImportFailure(path, line_no, exc.field, exc.reason) from None
        dilemmas.append((line_no, _validate(record, path, line_no)))
    return dilemmas


#: the flags valuegap sets itself; any other flag in a file is refused unless named (a typo, or a flag
#: from elsewhere, would otherwise be stored as if it meant something)
KNOWN_FLAGS = frozenset(QUALITY_FLAGS) | {LABEL_DOUBT}


def read_dilemmas(path: Path | str, fmt: str | None = None, more_flags: Iterable[str] = ()) -> list[Dilemma]:
    """Parse and validate a whole file; raises ImportFailure naming line and field. A flag must be one of
    KNOWN_FLAGS or ``more_flags`` (the study's own, those the person names)."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    text = read_text_file(path, "JSONL or CSV file")
    if not text.strip():
        raise ImportFailure(path, None, None, "the file is empty: nothing to import")
    numbered = parse_jsonl_lines(text, path, Dilemma) if fmt == "jsonl" else parse_csv_lines(text, path)
    if not numbered:
        raise ImportFailure(path, None, None, "no dilemmas in the file")
    known_flags = KNOWN_FLAGS | set(more_flags)
    first_line: dict[str, int] = {}
    for line_no, dilemma in numbered:
        if unknown := [flag for flag in dilemma.flags if flag not in known_flags]:
            raise ImportFailure(path, line_no, "flags", f"unknown flag {unknown[0]!r}: the known flags are"
                                f" {', '.join(sorted(KNOWN_FLAGS))} and those the study carries; a flag of"
                                " your own is imported with --allow-flag NAME")
        if dilemma.id in first_line:
            raise ImportFailure(
                path, line_no, "id",
                f"dilemma {dilemma.id} appears twice (lines {first_line[dilemma.id]} and {line_no}): keep one",
            )
        first_line[dilemma.id] = line_no
    return [dilemma for _line, dilemma in numbered]
