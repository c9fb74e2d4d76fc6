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

from valuegap_tui.models import Dilemma, format_validation_error

ModelT = TypeVar("ModelT", bound=BaseModel)

CSV_COLUMNS = (
    ["id", "value", "topic", "variant", "status", "scenario"]
    + [f"option_{i}_{part}" for i in range(1, 7) for part in ("text", "label")]
    + ["notes", "flags", "provenance"]
)


class ImportFailure(ValueError):
    """A file could not be imported; nothing was written."""

    def __init__(self, path: Path | str, line: int | None, field: str | None, reason: str):
        self.path, self.line, self.field, self.reason = str(path), line, field, reason
        where = f"{self.path}" + (f", line {line}" if line is not None else "") + (f", field {field}" if field else "")
        super().__init__(f"{where}: {reason}")


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
    parsed = []
    # split on "\n" only: str.splitlines() would also break on U+2028 and friends inside JSON strings
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFailure(path, line_no, None, f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise ImportFailure(path, line_no, None, "expected a JSON object per line")
        parsed.append((line_no, _validate(record, path, line_no, model)))
    return parsed


def parse_jsonl(text: str, path: Path | str = "<input>") -> list[Dilemma]:
    return [dilemma for _line, dilemma in parse_jsonl_lines(text, path, Dilemma)]


def parse_csv(text: str, path: Path | str = "<input>") -> list[Dilemma]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
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
    for row in reader:
        line_no = reader.line_num  # the line where this row ends (rows may span lines)
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
                    record[key] = json.loads(row[key])
                except json.JSONDecodeError as exc:
                    raise ImportFailure(path, line_no, key, f"not valid JSON ({exc.msg})") from None
        dilemmas.append(_validate(record, path, line_no))
    return dilemmas


def read_dilemmas(path: Path | str, fmt: str | None = None) -> list[Dilemma]:
    """Parse and validate a whole file; raises ImportFailure naming line and field."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    try:
        # newline="" keeps "\r\n" inside quoted CSV cells as written
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ImportFailure(path, None, None, "file not found") from None
    except UnicodeDecodeError as exc:
        raise ImportFailure(path, None, None, f"not UTF-8 text ({exc.reason})") from None
    if not text.strip():
        raise ImportFailure(path, None, None, "the file is empty: nothing to import")
    dilemmas = parse_jsonl(text, path) if fmt == "jsonl" else parse_csv(text, path)
    if not dilemmas:
        raise ImportFailure(path, None, None, "no dilemmas in the file")
    seen: dict[str, int] = {}
    for position, dilemma in enumerate(dilemmas, start=1):
        if dilemma.id in seen:
            raise ImportFailure(
                path, None, "id", f"dilemma {dilemma.id} appears twice (records {seen[dilemma.id]} and {position})"
            )
        seen[dilemma.id] = position
    return dilemmas
