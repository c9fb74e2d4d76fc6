"""Import ValAct-style scenarios from JSONL or CSV (format: docs/designs.md, "Importing scenarios").

JSONL: one object per line, ``{"id", "scenario", "topic"?, "status"?, "notes"?, "actions": [{"text",
"value"} x 4]}``. CSV: the header ``id,scenario,topic,action_1,value_1,..,action_4,value_4`` (``topic``,
``status`` and ``notes`` optional). Values are the ten basic value ids or names. The whole file is
checked first: a problem refuses it with its line and field, and nothing is written.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from valuegap_tui.designs.valact.generate import with_flags
from valuegap_tui.designs.valact.items import ACTIONS, Scenario

CSV_REQUIRED = ("id", "scenario", *(f"{kind}_{k}" for k in range(1, ACTIONS + 1) for kind in ("action", "value")))
CSV_OPTIONAL = ("topic", "status", "notes")


class ScenarioImportError(ValueError):
    """A file that cannot be imported: names the line and field."""


def _refuse(path: Path, line: int, message: str) -> ScenarioImportError:
    return ScenarioImportError(f"{path.name}:{line}: {message}; nothing was imported")


def _records_jsonl(path: Path, text: str):
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _refuse(path, number, f"not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise _refuse(path, number, "each line is one JSON object")
        yield number, record


def _records_csv(path: Path, text: str):
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    for name in CSV_REQUIRED:
        if name not in header:
            raise _refuse(path, 1, f"{name}: missing column (the header needs {', '.join(CSV_REQUIRED)})")
    for name in header:
        if name not in CSV_REQUIRED + CSV_OPTIONAL:
            raise _refuse(path, 1, f"{name}: unknown column")
    for row in reader:
        record = {"id": row["id"], "scenario": row["scenario"],
                  "actions": [{"text": row[f"action_{k}"], "value": row[f"value_{k}"]} for k in range(1, ACTIONS + 1)]}
        record.update({k: row[k] for k in CSV_OPTIONAL if row.get(k)})
        yield reader.line_num, record


def read_scenarios(path: Path | str) -> list[Scenario]:
    from pydantic import ValidationError

    from valuegap_tui.models import format_validation_error

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioImportError(f"cannot read {path}: {exc}") from None
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise ScenarioImportError(f"{path.name}: scenarios are imported from a .jsonl or .csv file")
    records = _records_csv(path, text) if suffix == ".csv" else _records_jsonl(path, text)
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
