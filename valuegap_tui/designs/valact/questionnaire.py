"""The value questionnaire: portrait items read from a file, and their scoring.

File format (docs/designs.md, "The value questionnaire"): TOML with a ``[questionnaire]`` table
(``id``, ``name``, optional ``scale``: the six answer points, most like the respondent first) and
``[[items]]`` tables (``id``, ``value``: the basic value the item is keyed to, ``text``); or CSV
with the header ``id,value,text`` (the file name gives the instrument id). Every one of the ten
values needs at least one item. A file with a problem is refused as a whole, with its line and field.

Scoring, as portrait questionnaires prescribe: a respondent's raw score of a value is the mean of
its items' answers (1 = not like me at all .. 6 = very much like me, each item's repeats averaged
first); the centred score subtracts the respondent's mean over all items, so the profile says
which values matter more or less to this respondent than their own average.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from valuegap_tui.config import ConfigError, parse_toml
from valuegap_tui.designs.valact.items import DEFAULT_SCALE, Portrait, find_value_type, value_types
from valuegap_tui.limits import LimitError, Limits, check_value, how_to_raise, read_bytes
from valuegap_tui.paths import DATA_DIR
from valuegap_tui.settings import current_limits

SCALE_POINTS = len(DEFAULT_SCALE)
DEMO_FILE = DATA_DIR / "valact" / "questionnaire.toml"
ITEM_FIELDS = ("id", "value", "text")
HEADER_FIELDS = ("id", "name", "scale", "notes")


class QuestionnaireError(ValueError):
    """A questionnaire file that cannot be used: says where (line, field) and what to do."""


@dataclass(frozen=True)
class Questionnaire:
    id: str
    name: str
    scale: tuple[str, ...]
    items: tuple[Portrait, ...]


def _fail(path: Path, line: int | None, field: str, message: str) -> QuestionnaireError:
    where = f"{path.name}:{line}" if line else path.name
    return QuestionnaireError(f"{where}: {field}: {message}; nothing was loaded")


def _toml_lines(text: str) -> tuple[int | None, list[int], dict[tuple[int, str], int]]:
    """Line numbers: of the [questionnaire] header, of each [[items]] header, and of each
    ``key = ...`` inside an item (by item index)."""
    header, items, keys = None, [], {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped == "[questionnaire]":
            header = number
        elif stripped == "[[items]]":
            items.append(number)
        elif items and (match := re.match(r"([A-Za-z_][\w-]*)\s*=", stripped)):
            keys.setdefault((len(items) - 1, match.group(1)), number)
    return header, items, keys


def _rows_from_toml(path: Path, text: str, limits: Limits):
    try:
        data = parse_toml(text, path.name, limits)
    except ConfigError as exc:
        raise QuestionnaireError(f"{exc}; nothing was loaded") from None
    header_line, item_lines, key_lines = _toml_lines(text)
    for key in data:
        if key not in ("questionnaire", "items"):
            raise _fail(path, None, key, "unknown table (expected [questionnaire] and [[items]])")
    head = data.get("questionnaire", {})
    if not isinstance(head, dict):
        raise _fail(path, header_line, "questionnaire", "must be a table")
    for key in head:
        if key not in HEADER_FIELDS:
            raise _fail(path, header_line, f"questionnaire.{key}", f"unknown field (known: {', '.join(HEADER_FIELDS)})")
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise _fail(path, None, "items", "no [[items]] in the file")
    rows = []
    for index, item in enumerate(items):
        line = item_lines[index] if index < len(item_lines) else None
        rows.append((index, item, lambda key, i=index, at=line: key_lines.get((i, key), at), line))
    return head, rows


def _rows_from_csv(path: Path, text: str, limits: Limits):
    csv.field_size_limit(limits.field_chars)
    reader = csv.DictReader(text.splitlines())
    try:
        fields = reader.fieldnames or []
        for name in fields:
            if name not in ITEM_FIELDS or fields.count(name) > 1:
                raise _fail(path, 1, name, f"unknown or doubled column (expected {', '.join(ITEM_FIELDS)}, once each)")
        rows = []
        for index, row in enumerate(reader):
            line = reader.line_num
            if None in row:
                raise _fail(path, line, "row", "more cells than header columns")
            cells = {k: v for k, v in row.items() if v not in (None, "")}
            try:
                check_value(cells, limits)
            except LimitError as exc:
                raise _fail(path, line, exc.field or "row", exc.reason) from None
            rows.append((index, cells, lambda key, at=line: at, line))
    except csv.Error as exc:
        raise _fail(path, reader.line_num or 1, "row", f"not valid CSV ({exc}); a cell may hold more than"
                    f" {limits.field_chars:,} characters (the cap): {how_to_raise('field_chars')}") from None
    if not rows:
        raise _fail(path, None, "items", "the file has no rows")
    return {"id": path.stem}, rows


def _scale(path: Path, head: dict, line: int | None) -> tuple[str, ...]:
    scale = head.get("scale", list(DEFAULT_SCALE))
    if not isinstance(scale, list) or not all(isinstance(p, str) and p.strip() for p in scale):
        raise _fail(path, line, "questionnaire.scale", "must be a list of six answer texts")
    if len(scale) != SCALE_POINTS:
        raise _fail(path, line, "questionnaire.scale",
                    f"has {len(scale)} points; the portrait scale has six, most like the respondent first")
    if len({p.strip().lower() for p in scale}) != SCALE_POINTS:
        raise _fail(path, line, "questionnaire.scale", "two points have the same text")
    return tuple(p.strip() for p in scale)


def read_questionnaire(path: Path | str) -> Questionnaire:
    """The questionnaire a file holds, or QuestionnaireError naming the line and field at fault."""
    path = Path(path)
    limits = current_limits()
    try:
        text = read_bytes(path, limits).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuestionnaireError(f"cannot read {path}: not UTF-8 text (byte {exc.start})") from None
    except (OSError, LimitError) as exc:
        raise QuestionnaireError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if path.suffix.lower() == ".csv":
        head, rows = _rows_from_csv(path, text, limits)
        header_line = None
    elif path.suffix.lower() == ".toml":
        head, rows = _rows_from_toml(path, text, limits)
        header_line = _toml_lines(text)[0]
    else:
        raise QuestionnaireError(f"{path.name}: a questionnaire is a .toml or .csv file")
    instrument = str(head.get("id") or path.stem).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,40}", instrument):
        raise _fail(path, header_line, "questionnaire.id", "use letters, digits, '.', '_' or '-' (at most 41)")
    scale = _scale(path, head, header_line)
    items, seen = [], {}
    for index, row, line_of, line in rows:
        for key in row:
            if key not in ITEM_FIELDS:
                raise _fail(path, line_of(key), f"items[{index}].{key}",
                            f"unknown field (known: {', '.join(ITEM_FIELDS)})")
        for key in ITEM_FIELDS:
            if not str(row.get(key, "")).strip():
                raise _fail(path, line, f"items[{index}].{key}", "missing")
        item_id = str(row["id"]).strip()
        if item_id in seen:
            raise _fail(path, line_of("id"), f"items[{index}].id", f"{item_id!r} is used twice")
        seen[item_id] = index
        value = find_value_type(str(row["value"]))
        if value is None:
            raise _fail(path, line_of("value"), f"items[{index}].value",
                        f"{row['value']!r} is not one of the ten basic values ({', '.join(value_types())})")
        try:
            items.append(Portrait(id=f"{instrument}--{item_id}", text=str(row["text"]), value=value,
                                  instrument=instrument, scale=list(scale), provenance={"source": "questionnaire", "file": path.name}))
        except ValueError as exc:
            raise _fail(path, line, f"items[{index}]", str(exc).splitlines()[0]) from None
    missing = [v for v in value_types() if v not in {item.value for item in items}]
    if missing:
        raise _fail(path, None, "value", f"no item is keyed to {', '.join(missing)}; "
                                         "every one of the ten values needs at least one item")
    return Questionnaire(instrument, str(head.get("name") or instrument), scale, tuple(items))


# --- scoring -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ValueScores:
    """One respondent's stated profile over the ten values (NaN where no item was answered)."""

    raw: np.ndarray  # mean answer (1..6) per value, in value_types() order
    centred: np.ndarray  # raw minus the respondent's mean over all items
    items: int  # items answered


def raw_points(choices: np.ndarray) -> np.ndarray:
    """Option index (0 = very much like me) -> raw answer 6 .. 1."""
    return SCALE_POINTS - np.asarray(choices, dtype=float)


def score(item_values: list[str], item_means: np.ndarray) -> ValueScores:
    """Score a respondent from each answered item's value and mean raw answer."""
    order = value_types()
    means = np.asarray(item_means, dtype=float)
    raw = np.full(len(order), np.nan)
    for k, value in enumerate(order):
        mine = [m for v, m in zip(item_values, means) if v == value]
        if mine:
            raw[k] = float(np.mean(mine))
    overall = float(np.mean(means)) if len(means) else np.nan
    return ValueScores(raw, raw - overall, len(means))


# --- a study's questionnaire -------------------------------------------------------------------
def load_into(study, questionnaire: Questionnaire, *, who: str) -> dict[str, int]:
    """Store a questionnaire's items (accepted) in one transaction; the portraits of another
    instrument the study held are set rejected (their history kept), so runs ask one instrument."""
    from valuegap_tui.designs import get_design
    from valuegap_tui.store import items as item_store

    design = get_design("valact")
    retired = [item.model_copy(update={"status": "rejected", "notes": f"replaced by {questionnaire.id}"})
               for item in item_store.iter_items(study, design, topic_ids=["questionnaire"])
               if isinstance(item, Portrait) and item.instrument != questionnaire.id and item.status != "rejected"]
    counts = item_store.save_many(study, design, [*questionnaire.items, *retired], who=who, action="questionnaire")
    return {**counts, "retired": len(retired)}
