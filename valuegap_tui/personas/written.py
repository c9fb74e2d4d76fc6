"""Conditions written by hand: a persona (kind ``custom``) or an instruction (kind ``instruction``, e.g. a
role-play) whose text is the system message, sent exactly as written.

Files of several (docs/personas.md), read all or nothing:

- TOML: one ``[[conditions]]`` table per condition with ``name``, ``kind``, ``text`` and optionally
  ``id``, ``attributes`` (a table of strings) and ``notes``;
- JSONL: one object per line with the same fields (an exported persona record reads too).

A missing id is made from the name, so importing the same file twice updates rather than duplicates.
Role-play conditions (``roleplay_conditions``) hold one Schwartz value type each: their text comes from
``prompts/roleplay.txt`` and their ``value_type`` attribute says which type, for metrics to score.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from valuegap_tui.catalogue import catalogue
from valuegap_tui.config import ConfigError, parse_toml
from valuegap_tui.input_files import ImportFailure, jsonl_objects, read_text_file
from valuegap_tui.limits import LimitError, check_value
from valuegap_tui.validation import format_validation_error
from valuegap_tui.personas.model import WRITTEN_KINDS, Persona
from valuegap_tui.prompts import load_template
from valuegap_tui.settings import current_limits

ROLEPLAY_TEMPLATE = "roleplay.txt"
#: the fields a condition may have in a file (the Persona model refuses any other); the last two are
#: a generated persona's
FIELDS = ("id", "name", "kind", "text", "attributes", "notes", "levels", "seed")


def make_condition_id(name: str, taken: Iterable[str] = ()) -> str:
    """An id made from a name ('Role-play: Power' -> 'role-play-power'), numbered when taken."""
    taken = set(taken)
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:56] or "condition"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def written_condition(name: str, kind: str, text: str, *, condition_id: str | None = None,
                      attributes: dict[str, str] | None = None, notes: str = "",
                      taken: Iterable[str] = ()) -> Persona:
    """A validated written condition; ValueError says which field is wrong and why."""
    record = {"id": condition_id or make_condition_id(name, taken), "name": name, "kind": kind, "text": text,
              "attributes": attributes or {}, "notes": notes}
    if kind not in WRITTEN_KINDS:
        raise ValueError(f"kind: a written condition is {' or '.join(WRITTEN_KINDS)}, not {kind!r}")
    try:  # the same caps as a file of conditions: a NUL or a field past the length cap is refused
        check_value(record, current_limits())
    except LimitError as exc:
        raise ValueError(str(exc)) from None
    try:
        return Persona.model_validate(record)
    except ValidationError as exc:
        raise ValueError(format_validation_error(exc)) from None


# --- files -----------------------------------------------------------------------------------------
def read_conditions(path: Path | str) -> list[Persona]:
    """Every condition of a TOML file (by its suffix) or a JSONL file (any other), validated;
    ImportFailure names the line and field."""
    path = Path(path)
    if path.suffix.lower() == ".toml":
        records = _toml_records(path, read_text_file(path, "TOML file of conditions"))
    else:
        records = _jsonl_records(path, read_text_file(path, "JSONL file of personas"))
    conditions: list[Persona] = []
    seen: dict[str, int | None] = {}
    given = {r["id"] for r, _ in records if isinstance(r.get("id"), str)}
    for record, where in records:
        if "id" not in record and isinstance(record.get("name"), str):
            record = {"id": make_condition_id(record["name"], given | set(seen)), **record}
        condition = _validate(path, record, where)
        if condition.id in seen:
            first = seen[condition.id]
            raise ImportFailure(path, where("id"), "id", f"duplicate id {condition.id!r}"
                                + (f" (first on line {first})" if first else ""))
        seen[condition.id] = where("id")
        conditions.append(condition)
    if not conditions:
        raise ImportFailure(path, None, None, "no conditions in the file")
    return conditions


def _validate(path: Path, record: dict, where) -> Persona:
    if record.get("text") is not None or "levels" not in record:  # written by hand: say plainly what it needs
        if record.get("kind") not in WRITTEN_KINDS:
            raise ImportFailure(path, where("kind"), "kind",
                                f"a written condition is {' or '.join(WRITTEN_KINDS)}, got {record.get('kind')!r}")
        if "text" not in record:
            raise ImportFailure(path, where(None), "text", "missing: the condition's system message")
        if not isinstance(record.get("name"), str):
            raise ImportFailure(path, where("name"), "name", "missing: a one-line name (text)")
    try:
        return Persona.model_validate(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or None
        reason = format_validation_error(exc)
        if first.get("type") == "extra_forbidden":
            reason = f"unknown field (a condition has {', '.join(FIELDS)})"
        raise ImportFailure(path, where(field.split(".")[0] if field else None), field, reason) from None


def _jsonl_records(path: Path, text: str) -> list[tuple[dict, object]]:
    return [(record, lambda _field, line_no=line_no: line_no) for line_no, record in jsonl_objects(text, path)]


_TABLE_HEADER = re.compile(r"^[ \t]*\[\[\s*conditions\s*\]\]", re.MULTILINE)
_TOML_ERROR_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)$")


def _toml_records(path: Path, text: str) -> list[tuple[dict, object]]:
    try:
        data = parse_toml(text, str(path), current_limits())
    except ConfigError as exc:  # not TOML, nested too deeply, a number too long, a field past the caps
        message = str(exc).removeprefix(f"{path}: ")
        line = _TOML_ERROR_LINE.search(message)
        raise ImportFailure(path, int(line.group(1)) if line else None, None,
                            _TOML_ERROR_LINE.sub("", message)) from None
    extra = sorted(set(data) - {"conditions"})
    if extra:
        raise ImportFailure(path, _key_line(text, extra[0], 0, len(text)), extra[0],
                            "unknown top-level key: the file holds [[conditions]] tables")
    tables = data.get("conditions", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ImportFailure(path, _key_line(text, "conditions", 0, len(text)), "conditions",
                            "expected [[conditions]] tables")
    starts = [m.start() for m in _TABLE_HEADER.finditer(text)]
    if len(starts) != len(tables):  # written another way (an inline array): lines are not known
        starts = []
    records = []
    for index, table in enumerate(tables):
        span = (starts[index], starts[index + 1] if index + 1 < len(starts) else len(text)) if starts else None

        def where(field, span=span):
            if span is None:
                return None
            return (field and _key_line(text, field, *span)) or text.count("\n", 0, span[0]) + 1

        records.append((dict(table), where))
    return records


def _key_line(text: str, key: str, start: int, end: int) -> int | None:
    """The line on which ``key = ...`` (bare or quoted) is set within text[start:end]."""
    pattern = re.compile(rf"^[ \t]*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*[=.]", re.MULTILINE)
    match = pattern.search(text, start, end)
    return text.count("\n", 0, match.start()) + 1 if match else None


# --- role-play -------------------------------------------------------------------------------------
def roleplay_conditions(type_ids: Iterable[str] | None = None) -> list[Persona]:
    """One instruction condition per chosen Schwartz value type (all ten by default), in catalogue
    order: "You hold the value of <name>: <description> ..." from prompts/roleplay.txt."""
    types = catalogue().value_types
    known = [t.id for t in types]
    chosen = known if type_ids is None else list(dict.fromkeys(type_ids))
    unknown = [t for t in chosen if t not in known]
    if unknown:
        raise ValueError(f"unknown value type {unknown[0]!r}: one of {', '.join(known)}")
    if not chosen:
        raise ValueError(f"name at least one value type: {', '.join(known)}")
    template = load_template(ROLEPLAY_TEMPLATE)
    conditions = []
    for value_type in (t for t in types if t.id in chosen):
        description = value_type.description[:1].lower() + value_type.description[1:]
        text = template.fill(name=value_type.name, description=description).rstrip("\n")
        conditions.append(Persona(
            id=f"roleplay-{value_type.id.replace('_', '-')}", name=f"role-play: {value_type.name}", kind="instruction",
            text=text, attributes={"value_type": value_type.id, "template": ROLEPLAY_TEMPLATE,
                                   "template_sha256": template.sha256[:16]},
            notes=f"holds {value_type.name} (prompts/{ROLEPLAY_TEMPLATE})"))
    return conditions
