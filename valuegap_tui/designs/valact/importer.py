"""Import ValAct-style scenarios from JSONL or CSV (format: docs/designs.md, "Importing scenarios").

JSONL: one object per line, ``{"id", "scenario", "topic"?, "status"?, "notes"?, "actions": [{"text",
"value"} x 4]}``. CSV: the header ``id,scenario,topic,action_1,value_1,..,action_4,value_4`` (``topic``,
``status`` and ``notes`` optional). Values are the ten basic value ids or names. The whole file is
checked first: a problem refuses it with its line and field, and nothing is written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from valuegap_tui.designs.valact.generate import with_flags
from valuegap_tui.designs.valact.items import ACTIONS, Scenario
from valuegap_tui.limits import LimitError, Limits, check_value, how_to_raise, parse_json, read_bytes
from valuegap_tui.settings import current_limits

CSV_REQUIRED = ("id", "scenario", *(f"{kind}_{k}" for k in range(1, ACTIONS + 1) for kind in ("action", "value")))
CSV_OPTIONAL = ("topic", "status", "notes")


class ScenarioImportError(ValueError):
    """A file that cannot be imported: names the line and field."""


def _refuse(path: Path, line: int, message: str) -> ScenarioImportError:
    return ScenarioImportError(f"{path.name}:{line}: {message}; nothing was imported")


def _records_jsonl(path: Path, text: str, limits: Limits):
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = parse_json(line, limits)
        except LimitError as exc:
            raise _refuse(path, number, f"{exc.field + ': ' if exc.field else ''}{exc.reason}") from None
        except ValueError as exc:
            raise _refuse(path, number, str(exc)) from None
        if not isinstance(record, dict):
            raise _refuse(path, number, "each line is one JSON object")
        yield number, record


def _records_csv(path: Path, text: str, limits: Limits):
    csv.field_size_limit(limits.field_chars)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        yield from _csv_rows(path, reader, limits)
    except csv.Error as exc:
        raise _refuse(path, reader.line_num or 1, f"not valid CSV ({exc}); a cell may hold more than"
                      f" {limits.field_chars:,} characters (the cap): {how_to_raise('field_chars')}") from None


def _csv_rows(path: Path, reader: csv.DictReader, limits: Limits):
    header = reader.fieldnames or []
    for name in CSV_REQUIRED:
        if name not in header:
            raise _refuse(path, 1, f"{name}: missing column (the header needs {', '.join(CSV_REQUIRED)})")
    for name in header:
        if name not in CSV_REQUIRED + CSV_OPTIONAL:
            raise _refuse(path, 1, f"{name}: unknown column")
        if header.count(name) > 1:
            raise _refuse(path, 1, f"{name}: the column appears twice; keep one")
    for row in reader:
        if None in row:
            raise _refuse(path, reader.line_num, "more cells than header columns")
        try:
            check_value(row, limits)
        except LimitError as exc:
            raise _refuse(path, reader.line_num, f"{exc.field}: {exc.reason}") from None
        record = {"id": row["id"], "scenario": row["scenario"],
                  "actions": [{"text": row[f"action_{k}"], "value": row[f"value_{k}"]} for k in range(1, ACTIONS + 1)]}
        record.update({k: row[k] for k in CSV_OPTIONAL if row.get(k)})
        yield reader.line_num, record


def read_scenarios(path: Path | str) -> list[Scenario]:
    from pydantic import ValidationError

    from valuegap_tui.validation import format_validation_error

    path = Path(path)
    limits = current_limits()
    try:
        text = read_bytes(path, limits).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioImportError(f"cannot read {path}: not UTF-8 text (byte {exc.start})") from None
    except (OSError, LimitError) as exc:
        raise ScenarioImportError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise ScenarioImportError(f"{path.name}: scenarios are imported from a .jsonl or .csv file")
    records = _records_csv(path, text, limits) if suffix == ".csv" else _records_jsonl(path, text, limits)
    scenarios, seen = [], {}
    for line, record in records:
        try:
            scenario = Scenario.model_validate({**record, "kind": "scenario"}
                                               if record.get("kind", "scenario") == "scenario" else record)
        except ValidationError as exc:
            raise _refuse(path, line, format_validation_error(exc)) from None
        if scenario.id in seen:
            raise _refuse(path, line, f"id: {scenario.id!r} is already on line {seen[scenario.id]}")
        seen[scenario.id] = line
        scenarios.append(scenario)
    if not scenarios:
        raise ScenarioImportError(f"{path.name}: no scenarios in the file; nothing was imported")
    return scenarios


def import_file(study, path: Path | str, *, who: str = "import") -> dict[str, int]:
    """Read, flag and store a file's scenarios in one transaction (all or nothing)."""
    from valuegap_tui.designs import get_design
    from valuegap_tui.store import items as item_store

    scenarios = read_scenarios(path)
    design = get_design("valact")
    wanted = {s.id for s in scenarios}
    stored = [i for i in item_store.iter_items(study, design) if isinstance(i, Scenario) and i.id not in wanted]
    counts = item_store.save_many(study, design, with_flags(scenarios, stored), who=who, action="import")
    return {**counts, "read": len(scenarios)}
