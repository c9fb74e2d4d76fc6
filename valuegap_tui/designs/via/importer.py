"""Read Shen et al.'s released VIA file (the CSV, or a zip holding it) into VIA items.

The file as published: columns ``country, topic, value, polarity, generation_prompt`` plus unnamed
index columns. ``generation_prompt`` holds the generated action in one of three forms, all of which
occur: a JSON object, a JSON object inside a fenced code block, or a Python dict literal with single
quotes (read with ``ast.literal_eval``, which evaluates nothing). A positive and a negative row of the
same (country, topic, value) make one item. Every row that cannot be used is listed with its line
and the reason; the caller decides whether to refuse the file or keep the readable rest.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from valuegap_tui.catalogue import catalogue
from valuegap_tui.designs.via.items import ViaItem, find_country, item_id
from valuegap_tui.limits import CappedReader, LimitError, Limits, check_value, how_to_raise, open_text, too_large
from valuegap_tui.validation import format_validation_error
from valuegap_tui.settings import current_limits
from valuegap_tui.text import one_line

#: more unusable rows than this and the file is not the published one: reading stops (the published
#: file has none; a hostile one could otherwise fill memory with reasons)
MAX_PROBLEMS = 10_000
REQUIRED = ("country", "topic", "value", "polarity", "generation_prompt")
ACTION_KEY, EXPLANATION_KEY, ATTRIBUTIONS_KEY = "Human Action", "Natural Language Explanation", "Feature Attributions"
POLARITIES = {"positive": "positive", "pos": "positive", "+": "positive",
              "negative": "negative", "neg": "negative", "-": "negative"}
#: study_meta key of the rows the last import with --keep-readable left out
REFUSED_META = "via_refused_rows"
_FENCE = re.compile(r"```[a-zA-Z]*\s*\n?(.*?)```", re.S)


class ShenFileError(ValueError):
    """The file as a whole cannot be read (missing, not a CSV, no such columns)."""


#: why a row is left out: the generator declined (refusal), its text cannot be read (unreadable), its
#: partner of the other polarity was left out or never came (no partner), anything else (row)
PROBLEM_KINDS = ("refusal", "unreadable", "no partner", "row")


class RowProblem(ValueError):
    """A row that cannot be used, with the kind of problem (``PROBLEM_KINDS``)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


#: how a generator's refusal reads (the released file holds some in place of an action record)
_REFUSAL = re.compile(r"\b(sorry|apolog|i can(?:'|no)t|i cannot|i am unable|i'm unable|i won't|i will not|"
                      r"as an ai|not able to (?:help|assist|provide))", re.I)
#: a key and its quoted value in a dict whose quotes break literal parsing: the value runs to the quote
#: that is followed by the next key or the closing brace (an apostrophe inside it is kept)
_KEYED = r"""(['"]){key}\1\s*:\s*(['"])(.*?)\2\s*(?:,\s*['"](?:Human Action|Feature Attributions|Natural Language Explanation)['"]\s*:|\}}\s*$)"""


@dataclass
class ShenImport:
    source: str
    rows: int = 0  # data rows in the file
    items: list[ViaItem] = field(default_factory=list)
    #: (line, reason) of every row not used; the reason starts with its kind ("refusal: ...")
    problems: list[tuple[int, str]] = field(default_factory=list)
    read: Counter = field(default_factory=Counter)  # distinct countries/topics/values/polarities read
    #: lines whose Python dict broke on a quote (an apostrophe) and whose action was read by its key
    mended: list[int] = field(default_factory=list)

    def kinds(self) -> Counter:
        """How many rows were left out for each kind of problem."""
        return Counter(problem_kind(reason) for _, reason in self.problems)

    def kinds_line(self) -> str:
        """'3 refusals, 2 unreadable, 2 left without a partner' (only the kinds that occur)."""
        kinds = self.kinds()
        words = {"refusal": ("refusal", "refusals"), "unreadable": ("unreadable", "unreadable"),
                 "no partner": ("left without a partner", "left without a partner"),
                 "row": ("with another problem", "with other problems")}
        return ", ".join(f"{kinds[k]} {words[k][kinds[k] != 1]}" for k in PROBLEM_KINDS if kinds[k])

    def summary(self) -> str:
        """'14,784 rows = 12 countries x 11 topics x 56 values x 2 polarities' when they factor."""
        c, t, v, p = (self.read[k] for k in ("countries", "topics", "values", "polarities"))
        readable = self.rows - len({line for line, _ in self.problems})
        parts = f"{c} countries x {t} topics x {v} values x {p} polarities"
        head = (f"{self.rows:,} rows = {parts}" if c * t * v * p == self.rows == readable
                else f"{self.rows:,} rows, {readable:,} used ({parts} among them)")
        return f"{head}; {len(self.items):,} items (an expressing and a resisting action each)"


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower().replace("&", "and"))


_TOPIC_ALIASES = {"family": "family_gender_roles", "familyandgenderroles": "family_gender_roles",
                  "leisureandsports": "leisure_sports", "leisuretimeandsport": "leisure_sports",
                  "healthandhealthcare": "health_care", "healthcare": "health_care", "health": "health_care"}
_VALUE_ALIASES = {"honouringofparentsandelders": "honoring_of_parents_and_elders",
                  "reciprocationoffavours": "reciprocation_of_favors"}


@lru_cache(maxsize=None)
def _names(kind: str) -> dict[str, str]:
    """Normalised name or id -> catalogue id, aliases included."""
    cat = catalogue()
    entries = cat.topics if kind == "topic" else cat.values
    known = {e.id for e in entries}
    aliases = _TOPIC_ALIASES if kind == "topic" else _VALUE_ALIASES
    return ({k: v for k, v in aliases.items() if v in known} | {_normal(e.id): e.id for e in entries}
            | {_normal(e.name): e.id for e in entries})


@lru_cache(maxsize=4096)
def _lookup(kind: str, text: str) -> str | None:
    """A catalogue id for a topic or value name as the file spells it, else None."""
    return _names(kind).get(_normal(text))


def parse_generation_prompt(text: str) -> dict:
    """The action record in any of the three published forms; ``RowProblem`` says why not (a refusal, or
    unreadable text). A Python dict that only its quotes break (an apostrophe inside a single-quoted
    string) is read by its keys when its action is intact: the record then has ``mended`` True."""
    body = text.strip()
    fenced = _FENCE.search(body)
    if fenced:
        body = fenced.group(1).strip()
    if not body:
        raise RowProblem("unreadable", "generation_prompt is empty")
    mended = False
    try:
        record = json.loads(body)
    except RecursionError:
        raise RowProblem("unreadable", "generation_prompt is nested too deeply to be an action record") from None
    except ValueError:  # not JSON (or a number too long for it): perhaps a Python dict literal
        try:
            record = ast.literal_eval(body)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            record = _by_keys(body)
            if record is None:
                if ACTION_KEY not in body and _REFUSAL.search(body):
                    raise RowProblem("refusal", f"the generator declined: {body[:80]!r}") from None
                raise RowProblem("unreadable", "generation_prompt is neither JSON nor a Python dict literal, and "
                                 f"no {ACTION_KEY!r} can be read from it") from None
            mended = True
    if not isinstance(record, dict):
        raise RowProblem("unreadable", f"generation_prompt holds a {type(record).__name__}, not an object")
    action = record.get(ACTION_KEY)
    if not isinstance(action, str) or not action.strip():
        raise RowProblem("unreadable", f"generation_prompt has no {ACTION_KEY!r} text")
    explanation = record.get(EXPLANATION_KEY, "")
    return {"action": action.strip(), "explanation": explanation.strip() if isinstance(explanation, str) else "",
            "mended": mended}


def _by_keys(body: str) -> dict | None:
    """The action (and the explanation, where it can be read) of a dict literal its quotes break."""
    if not body.startswith("{"):
        return None
    action = re.search(_KEYED.format(key=re.escape(ACTION_KEY)), body, re.S)
    if action is None:
        return None
    explanation = re.search(_KEYED.format(key=re.escape(EXPLANATION_KEY)), body, re.S)
    return {ACTION_KEY: action.group(3), EXPLANATION_KEY: explanation.group(3) if explanation else ""}


def problem_kind(reason: str) -> str:
    """The kind of a stored reason (its "refusal: " / "unreadable: " / "no partner: " start; else "row")."""
    head = reason.split(":", 1)[0]
    return head if head in PROBLEM_KINDS else "row"


@contextmanager
def _open_csv(path: Path, limits: Limits) -> Iterator[tuple[io.TextIOBase, str]]:
    """(the CSV as a text stream, its name) from a .csv or a zip holding one CSV.

    Read as a stream, never whole: a member (or file) larger than the size cap is refused by the size it
    declares before a byte is inflated, and by the bytes actually read while it is parsed.
    """
    try:
        # only a regular file is looked at as a zip: zipfile reads a device or a pipe to its end first
        if not (path.is_file() and zipfile.is_zipfile(path)):
            with open_text(path, limits) as stream:
                yield stream, path.name
            return
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")
                       and not i.filename.startswith("__MACOSX")]
            if len(members) != 1:
                names = ", ".join(one_line(i.filename) for i in members[:5])
                raise ShenFileError(f"{path}: the zip should hold one CSV file, it holds {len(members)}"
                                    + (f" ({names})" if members else ""))
            member = members[0]
            what = f"the zip's {one_line(member.filename)}"
            if member.file_size > limits.input_bytes:
                raise ShenFileError(f"{path}: {too_large(member.file_size, limits, what)}")
            with archive.open(member) as raw:
                reader = io.BufferedReader(CappedReader(raw, limits, what))
                with io.TextIOWrapper(reader, encoding="utf-8-sig", newline="") as stream:
                    yield stream, f"{path.name}:{member.filename}"
    except FileNotFoundError:
        raise ShenFileError(f"{path}: no such file") from None
    except LimitError as exc:
        raise ShenFileError(f"{path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ShenFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (OSError, zipfile.BadZipFile, NotImplementedError, EOFError) as exc:
        raise ShenFileError(f"{path}: cannot read: {exc}") from None


def _bounded_lines(stream, limits: Limits) -> Iterator[str]:
    """The stream's lines, refused past eight cells at the field cap: a line without an end (a bomb of
    one endless line) is never held whole, whatever the file's size."""
    longest = 8 * limits.field_chars
    number = 0
    while line := stream.readline(longest):
        number += 1
        if len(line) >= longest and not line.endswith(("\n", "\r")):
            raise LimitError(f"line {number} is longer than {longest:,} characters (eight cells at the field"
                             f" cap): is this Shen et al.'s file? If so, {how_to_raise('field_chars')}")
        yield line


def read_shen(path: Path | str) -> ShenImport:
    """Read and check the whole file; nothing is written. Raises ShenFileError when it cannot be read at all."""
    path = Path(path)
    limits = current_limits()
    csv.field_size_limit(limits.field_chars)
    with _open_csv(path, limits) as (stream, source):
        result, halves, dropped = _read_rows(path, csv.reader(_bounded_lines(stream, limits)), source, limits)
    for (country, topic, value), pair in halves.items():
        if len(pair) == 2:
            positive, negative = pair["positive"][1], pair["negative"][1]
            lines = [pair["positive"][0], pair["negative"][0]]
            try:
                result.items.append(ViaItem(
                    id=item_id(country, topic, value), country=country, topic=topic, value=value,
                    expressing=positive["action"], resisting=negative["action"],
                    expressing_explanation=positive["explanation"], resisting_explanation=negative["explanation"],
                    provenance={"source": "import-shen", "file": source, "lines": lines}))
            except ValidationError as exc:  # e.g. both actions the same text: not an item
                result.problems.extend((line, format_validation_error(exc)) for line in lines)
        else:
            (polarity, (at, _)), = pair.items()
            other = "negative" if polarity == "positive" else "positive"
            partner = dropped.get((country, topic, value), {}).get(other)
            if partner is not None:  # the partner is in the file but was left out: say so, not "missing"
                why = {"refusal": "a refusal", "unreadable": "unreadable"}.get(partner[1], "left out")
                result.problems.append((at, f"no partner: its {other} row (line {partner[0]}) is {why}, so "
                                            f"{country} / {topic} / {value} has no {other} action"))
            else:
                result.problems.append((at, f"no partner: no {other} row for {country} / {topic} / {value} in "
                                            "the file to pair with"))
    result.problems.sort()
    result.mended.sort()
    result.read = Counter({"countries": len({i.country for i in result.items}),
                           "topics": len({i.topic for i in result.items}),
                           "values": len({i.value for i in result.items}), "polarities": 2 if result.items else 0})
    return result


def _read_rows(path: Path, reader, source: str, limits: Limits) -> tuple[ShenImport, dict, dict]:
    """Every row checked: the result (rows, problems), the halves found and the rows left out, by
    (country, topic, value)."""
    try:
        header = next(reader)
    except StopIteration:
        raise ShenFileError(f"{path}: the file is empty") from None
    except csv.Error as exc:
        raise ShenFileError(f"{path}: not a CSV file: {exc}") from None
    columns = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        shown = one_line(", ".join(header))[:200] or "none"
        raise ShenFileError(f"{path}: no column {', '.join(missing)} (the file has {shown};"
                            f" expected {', '.join(REQUIRED)} plus index columns)")
    if doubled := [c for c in REQUIRED if columns.count(c) > 1]:
        raise ShenFileError(f"{path}: column {', '.join(doubled)} appears twice: keep one")
    index = {c: columns.index(c) for c in REQUIRED}
    result = ShenImport(source=source)
    halves: dict[tuple[str, str, str], dict[str, tuple[int, dict]]] = {}
    dropped: dict[tuple[str, str, str], dict[str, tuple[int, str]]] = {}  # left-out rows by key and polarity
    line = 1
    while True:
        if len(result.problems) > MAX_PROBLEMS:  # not the published file: stop reading it
            first_line, first_reason = result.problems[0]
            raise ShenFileError(f"{path}: more than {MAX_PROBLEMS:,} unusable rows, the first on line {first_line}"
                                f" ({one_line(first_reason)[:120]}): is this Shen et al.'s file?")
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ShenFileError(f"{path}: line {start}: not valid CSV ({exc}); a cell may hold more than"
                                f" {limits.field_chars:,} characters (the cap): {how_to_raise('field_chars')}") from None
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        result.rows += 1
        if len(row) < len(header):
            result.problems.append((start, f"{len(row)} fields, the header has {len(header)}"))
            continue
        cells = {c: row[i].strip() for c, i in index.items()}
        try:
            check_value(cells, limits)
        except LimitError as exc:
            result.problems.append((start, str(exc)))
            continue
        reasons = []
        country = find_country(cells["country"])
        topic = _lookup("topic", cells["topic"])
        value = _lookup("value", cells["value"])
        polarity = POLARITIES.get(cells["polarity"].lower())
        for ok, what in ((country, "country"), (topic, "topic"), (value, "value"), (polarity, "polarity")):
            if ok is None:
                reasons.append(f"unknown {what} {cells[what]!r}")
        kind = "row"
        try:
            action = parse_generation_prompt(cells["generation_prompt"])
        except RowProblem as exc:
            reasons.append(str(exc))
            kind = exc.kind if len(reasons) == 1 else "row"
        key = (country, topic, value)
        if reasons:
            result.problems.append((start, ("" if kind == "row" else f"{kind}: ") + "; ".join(reasons)))
            if None not in key and polarity is not None:  # its partner will say why it stands alone
                dropped.setdefault(key, {})[polarity] = (start, kind)
            continue
        pair = halves.setdefault(key, {})
        if polarity in pair:
            result.problems.append((start, f"a second {polarity} row for {country} / {cells['topic']} /"
                                           f" {cells['value']} (the first is line {pair[polarity][0]})"))
            continue
        if action["mended"]:
            result.mended.append(start)
        pair[polarity] = (start, action)
    return result, halves, dropped


def problem_lines(problems: list[tuple[int, str]], limit: int | None = 20) -> list[str]:
    shown = problems if limit is None else problems[:limit]
    lines = [f"  line {line}: {one_line(reason)}" for line, reason in shown]
    if limit is not None and len(problems) > limit:
        lines.append(f"  ... and {len(problems) - limit} more")
    return lines


def store_refused(study, result: ShenImport) -> None:
    study.set_meta(REFUSED_META, json.dumps({"file": result.source, "rows": result.rows,
                                             "refused": [[line, reason] for line, reason in result.problems]},
                                            ensure_ascii=False))


def refused_rows(study) -> dict | None:
    text = study.get_meta(REFUSED_META)
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def refused_rows_note(study) -> list[str]:
    """What `valuegap info` and the report say about rows the import left out."""
    record = refused_rows(study)
    if not record or not record.get("refused"):
        return []
    refused = [(int(line), str(reason)) for line, reason in record["refused"]]
    lines = sorted({line for line, _ in refused})
    listed = ", ".join(str(n) for n in lines[:10]) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
    kinds = ShenImport(source="", problems=refused).kinds_line()
    # the file's name came with the file (a zip member's name): shown, never sent to the terminal raw
    source = one_line(str(record.get("file", "?")))
    return [f"import-shen left out {len(lines)} of {one_line(str(record.get('rows', '?')))} rows of {source}"
            f" (lines {listed}: {kinds}); the reasons are kept in the study (study_meta {REFUSED_META})"]
