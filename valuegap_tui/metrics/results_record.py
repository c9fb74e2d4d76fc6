"""``Results`` as JSON text and back, so computed results can be kept (store/results_cache.py) and shown
again without computing. Only data goes in (tables, numbers, arrays as lists); reading builds the same
``Results`` with no code from the text. NaN and infinities are kept (Python's JSON writes them).

``FORMAT`` names the layout: bump it when ``Results`` or a table's columns change, so results kept by
an older version are computed again rather than read wrongly.
"""

from __future__ import annotations

import json

import numpy as np

from valuegap_tui.metrics.protocols import ProtocolResults
from valuegap_tui.metrics.summary import Results
from valuegap_tui.metrics.table import Table
from valuegap_tui.metrics.values import Heatmap

FORMAT = 2  # 2: the protocol asked, the protocols and the tables per protocol


def plain(value):
    """numpy scalars as Python numbers (json knows no numpy)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot keep a {type(value).__name__} in results")


def table_record(table: Table | None):
    return None if table is None else [table.name, table.title, list(table.columns), [list(r) for r in table.rows]]


def read_table(record) -> Table | None:
    if record is None:
        return None
    name, title, columns, rows = record
    return Table(name, title, tuple(columns), [tuple(row) for row in rows])


def _arrays(by_model: dict) -> dict:
    return {model: {question: np.asarray(values).tolist() for question, values in questions.items()}
            for model, questions in by_model.items()}


def _read_arrays(record: dict) -> dict:
    return {model: {question: np.asarray(values, dtype=float) for question, values in questions.items()}
            for model, questions in record.items()}


def to_text(results: Results) -> str:
    record = {
        "format": FORMAT, "aggregate": results.aggregate, "expected": results.expected,
        "answers": results.answers, "items": results.items, "rates": results.rates,
        "per_model": table_record(results.per_model), "agreement": results.agreement,
        "choices": _arrays(results.choices), "positions": _arrays(results.positions),
        "overall": table_record(results.overall), "conditions": table_record(results.conditions), "kinds": table_record(results.kinds),
        "breakdowns": {name: table_record(t) for name, t in results.breakdowns.items()},
        "ranking": table_record(results.ranking),
        "heatmaps": {model: [h.model, [list(v) for v in h.values], list(h.conditions), h.rates.tolist()]
                     for model, h in results.heatmaps.items()},
        "position": table_record(results.position), "letters": table_record(results.letters),
        "models": list(results.models), "topics": list(results.topics), "outcomes": table_record(results.outcomes),
        "logprobs": results.logprobs, "protocol": results.protocol, "protocols": list(results.protocols),
        "by_protocol": None if results.by_protocol is None else [
            list(results.by_protocol.protocols), table_record(results.by_protocol.by_protocol),
            table_record(results.by_protocol.spread), table_record(results.by_protocol.flips)],
    }
    return json.dumps(record, default=plain, separators=(",", ":"))


#: how deep ``loads_in_steps`` parses containers itself: to each table's rows and each heatmap's rates
STEP_DEPTH = 4


def loads_in_steps(text: str, depth: int = STEP_DEPTH):
    """``json.loads(text)``, the containers of the first ``depth`` levels walked here and each value below
    them parsed by a call of its own. json.loads is one C call that holds the interpreter lock throughout
    (20-30 ms for the 1.2 MB record of 154,000 answers, idle): the Results screen reads kept results in a
    worker thread, and a key pressed meanwhile waited for the whole of it. In steps, the lock can pass to
    the keys between any two (the longest wait for it measured 10-13 ms, against 90-160 ms, load 4)."""
    parse = json.JSONDecoder().raw_decode  # one value from a position: the same parser as json.loads
    size = len(text)

    def skip(at: int) -> int:
        while at < size and text[at] in " \t\n\r":
            at += 1
        return at

    def expect(at: int, what: str) -> int:
        at = skip(at)
        if at >= size or text[at] not in what:
            raise json.JSONDecodeError(f"Expecting {' or '.join(repr(w) for w in what)}", text, at)
        return at

    def value(at: int, levels: int):
        at = skip(at)
        if levels == 0 or at >= size or text[at] not in "[{":
            return parse(text, at)
        opening = text[at]
        closing = "}" if opening == "{" else "]"
        out: dict | list = {} if opening == "{" else []
        at = skip(at + 1)
        if at < size and text[at] == closing:
            return out, at + 1
        while True:
            if opening == "{":
                key, at = parse(text, expect(at, '"'))
                out[key], at = value(expect(at, ":") + 1, levels - 1)
            else:
                item, at = value(at, levels - 1)
                out.append(item)
            at = expect(at, "," + closing)
            if text[at] == closing:
                return out, at + 1
            at += 1

    found, end = value(0, depth)
    if skip(end) != size:
        raise json.JSONDecodeError("Extra data", text, end)
    return found


def from_text(text: str) -> Results | None:
    """The results in ``text``, or None when it holds another format (kept by another version)."""
    record = loads_in_steps(text)
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        return None
    return Results(
        aggregate=record["aggregate"], expected=record["expected"], answers=record["answers"],
        items=record["items"], rates=record["rates"], per_model=read_table(record["per_model"]),
        agreement=record["agreement"], choices=_read_arrays(record["choices"]),
        positions=_read_arrays(record["positions"]), overall=read_table(record["overall"]),
        conditions=read_table(record["conditions"]), kinds=read_table(record["kinds"]),
        breakdowns={name: read_table(t) for name, t in record["breakdowns"].items()},
        ranking=read_table(record["ranking"]),
        heatmaps={model: Heatmap(name, [tuple(v) for v in values], list(conditions),
                                 np.asarray(rates, dtype=float).reshape(len(values), len(conditions)))
                  for model, (name, values, conditions, rates) in record["heatmaps"].items()},
        position=read_table(record["position"]), letters=read_table(record["letters"]),
        models=tuple(record["models"]), topics=tuple(record["topics"]), outcomes=read_table(record["outcomes"]),
        logprobs=record["logprobs"], protocol=record["protocol"], protocols=tuple(record["protocols"]),
        by_protocol=None if record["by_protocol"] is None else ProtocolResults(
            tuple(record["by_protocol"][0]), *(read_table(t) for t in record["by_protocol"][1:])),
    )
