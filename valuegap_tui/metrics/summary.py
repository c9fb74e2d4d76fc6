"""Every metric and breakdown of a run, in one call: what the Results screen, the Run screen and the
report show. ``compute_results(frame)`` is the entry point.

The model is a dimension of every table: each table with alignment numbers has a ``model`` column, and
the heatmaps and answer distributions are per model. Breakdowns by value, value type and topic are also
per condition, so the baseline is never pooled with the personas.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from valuegap_tui.catalogue import catalogue
from valuegap_tui.metrics.alignment import alignment
from valuegap_tui.metrics.answers import choice_distribution, invalid_rates, outcome_table, position_bias
from valuegap_tui.metrics.conditions import COMPARISON_COLUMNS, conditions_table, kinds_table
from valuegap_tui.metrics.frame import AnswerFrame, select
from valuegap_tui.metrics.grid import BASELINE, KIND_ORDER, build_grid, condition_order, kind_of_personas
from valuegap_tui.metrics.items import (
    DEFAULT_AGGREGATE,
    Aggregate,
    Items,
    build_items,
    has_distributions,
    repeat_agreement,
)
from valuegap_tui.metrics.paired import CONFIDENCE, Resampler, group_mean_intervals
from valuegap_tui.metrics.position import position_tables
from valuegap_tui.metrics.protocols import ProtocolResults, protocol_results, protocols_asked, reference_protocol
from valuegap_tui.metrics.table import Table
from valuegap_tui.metrics.values import Heatmap, value_tables

NAN = float("nan")
#: the plain breakdowns (item-weighted over each group's items): table name -> grouping columns
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "by_value_type": ("model", "persona", "value_type"),
    "by_topic": ("model", "persona", "topic"),
}
METRIC_COLUMNS = ("items", "alignment_rate", "f1_oppose", "f1_align", "alignment_distance")
#: the breakdowns' intervals: percentile bootstrap over the group's items (NaN without bootstrap)
INTERVAL_COLUMNS = ("ar_low", "ar_high", "ad_low", "ad_high")
MODEL_COLUMNS = ("model", "answers", "items", "invalid", "invalid_value", "invalid_action", "refusal",
                 "refusal_value", "refusal_action", "server_error", "agreement_value", "agreement_action")
#: how a grouping column is named in a table
COLUMN_NAMES = {"persona": "condition"}
#: the halves ``compute_results`` can compute apart: the value tables and conditions (which draw from one
#: random stream, in turn: they stay together), and the rest (streams of their own, or no draws: the kinds)
STREAM, REST = "stream", "rest"
PARTS = (STREAM, REST)
#: a table the part computed leaves to the other
_LEFT = Table("left", "computed by the other part", ())

__all__ = ["BASELINE", "BREAKDOWNS", "COMPARISON_COLUMNS", "KIND_ORDER", "Heatmap", "Results", "compute_results",
           "condition_order", "filter_frame", "select"]


@dataclass
class Results:
    aggregate: str
    expected: bool
    answers: int  # asked questions in the (filtered) frame
    items: int  # paired items
    rates: dict[str, float]  # answer-level rates over the whole (filtered) frame; per model in ``per_model``
    per_model: Table  # answers, items, invalid and refusal rates, agreement across repeats per model
    agreement: dict[str, dict[str, float]]  # model -> question -> agreement across repeats
    choices: dict[str, dict[str, np.ndarray]]  # model -> question -> share per option
    positions: dict[str, dict[str, np.ndarray]]  # model -> question -> share per letter
    overall: Table
    conditions: Table
    kinds: Table
    breakdowns: dict[str, Table]
    ranking: Table
    heatmaps: dict[str, Heatmap]
    #: per model and condition: the position share of each question and AR and AD adjusted for it; and
    #: the letter shares per condition and question (metrics.position)
    position: Table | None = None
    letters: Table | None = None
    models: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    tables: dict[str, Table] = field(default_factory=dict)
    #: how each asked question ended (valid, conflict, ambiguous, ..., too_long, server_error), per model
    outcomes: Table | None = None
    #: some answers were read from logprobs (``expected`` says whether as distributions or top letters)
    logprobs: bool = False
    #: the way of asking every table above was computed under (a run asking several has one Results
    #: per protocol); the protocols the run asked; and, when it asked more than one, the gap under
    #: each and how far it moves between them (metrics.protocols)
    protocol: str = "standard"
    protocols: tuple[str, ...] = ("standard",)
    by_protocol: ProtocolResults | None = None

    def __post_init__(self) -> None:
        self.tables = {"models": self.per_model, "outcomes": self.outcomes, "overall": self.overall,
                       "conditions": self.conditions,
                       "persona_kinds": self.kinds, **self.breakdowns, "value_ranking": self.ranking,
                       "answers": self.answer_table(),
                       **({"position": self.position, "letters": self.letters} if self.position is not None else {})}
        if self.outcomes is None:
            del self.tables["outcomes"]
        if self.by_protocol is not None:
            self.tables.update(self.by_protocol.tables)

    @property
    def reported_models(self) -> list[str]:
        """The models with answers in these results, sorted."""
        return [row[0] for row in self.per_model.rows]

    def answer_table(self) -> Table:
        cat = catalogue()
        table = Table("answers", "Answer choices and letter positions per model (share of valid answers)",
                      ("model", "question", "option", "option_text", "share", "letter", "letter_share"))
        for model in self.choices:
            for question, texts in (("value", [p.text for p in cat.value_scale]),
                                    ("action", [p.text for p in cat.action_labels])):
                for i in range(6):
                    table.rows.append((model, question, i, texts[i] if i < len(texts) else str(i),
                                       float(self.choices[model][question][i]), "ABCDEF"[i],
                                       float(self.positions[model][question][i])))
        return table


def filter_frame(frame: AnswerFrame, model: str | None = None, topic: str | None = None,
                 protocol: str | None = None) -> AnswerFrame:
    """The rows of one model, one topic and one protocol (each None: all); a protocol given for a frame
    asked one way only keeps every row."""
    mask = np.ones(len(frame), dtype=bool)
    if protocol is not None and len(protocols_asked(frame)) < 2:
        protocol = None
    for column, wanted in ((frame.model, model), (frame.topic, topic), (frame.protocol, protocol)):
        if wanted is not None:
            mask &= column.codes == (column.labels.index(wanted) if wanted in column.labels else -1)
    return frame if mask.all() else select(frame, mask)


def compute_results(frame: AnswerFrame, *, aggregate: Aggregate = DEFAULT_AGGREGATE, expected: bool | None = None,
                    model: str | None = None, topic: str | None = None, bootstrap: bool = True,
                    seed: int = 0, confidence: float = CONFIDENCE, protocol: str | None = None,
                    part: str | None = None) -> Results:
    """All metrics of ``frame`` (optionally one model / one topic). ``bootstrap=False`` skips intervals,
    tests, rank intervals and test-retest (NaN there) for a fast live refresh; ``confidence`` is the
    intervals' coverage. ``expected``: logprob answers as their distributions (the default wherever the
    frame has them) or, False, as their most likely letters (metrics.items).

    A frame asked under several protocols has every table computed under one (``protocol``; by default
    ``standard`` where asked, else the first), never pooled over ways of asking; ``by_protocol`` sets
    the protocols side by side.

    ``part`` (one of ``PARTS``) computes half of the tables, for two processes to compute the halves at
    once (metrics/apart.py); ``join_parts`` of the two is the whole, the same bit for bit: each half
    draws from the same random streams, in the same order, as the whole does."""
    if part is not None and part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    stream, rest = part in (None, STREAM), part in (None, REST)
    models, topics = tuple(sorted(set(frame.model.labels))), tuple(sorted(set(frame.topic.labels)))
    frame = filter_frame(frame, model, topic)
    asked = protocols_asked(frame) or (protocol or "standard",)
    chosen = protocol or reference_protocol(asked)
    by_protocol = None
    if len(asked) > 1:
        by_protocol = None if not rest else protocol_results(frame, build_items(frame, aggregate, expected),
                                       Resampler([seed, 3], confidence=confidence) if bootstrap else None)
        frame = filter_frame(frame, protocol=chosen)
    items = build_items(frame, aggregate, expected)
    resampler = Resampler(seed, confidence=confidence) if bootstrap else None
    # the breakdowns' intervals draw from a stream of their own: adding them left every other
    # table's intervals as they were for the same seed
    breakdown_resampler = Resampler([seed, 1], confidence=confidence) if bootstrap else None
    grid = build_grid(items)
    grid.with_retest = bootstrap  # the quick tables leave it for the full computation
    # the tables drawing from ``resampler``, in the order they draw from it
    # the value tables' intervals found by a second thread as the resamples are drawn, where the other half
    # is computed by another process: it ends first, and this half's thread then has the core it leaves
    by_value, ranking, heatmaps = (value_tables(grid, items, resampler, helper=part == STREAM) if stream
                                   else (_LEFT, _LEFT, {}))
    conditions = conditions_table(grid, items, resampler) if stream else _LEFT
    # the kinds draw nothing (their intervals are analytic: metrics.crossed): the shorter half computes them
    kinds = kinds_table(grid, items, resampler) if rest else _LEFT
    breakdowns = {"by_value": by_value,
                  **{name: metric_table(name, items, by, grid.kind_of, intervals=True, resampler=breakdown_resampler)
                     if rest else _LEFT for name, by in BREAKDOWNS.items()}}
    if rest:
        answers = answers_per_model(frame, items)
        rates = answers.rates if len(answers.table.rows) == 1 else invalid_rates(frame)
    else:  # the answer-level tables are the other half's (``join_parts`` takes them from it): 20 ms of
        # the longer half's 0.7 s at 154,000 answers
        answers, rates = ModelAnswers(_LEFT, {}, {}, {}), {}
    # with the intervals only (the quick tables leave it, ~25 ms at 154,000 answers); a random stream of
    # its own, as the breakdowns': the other tables' intervals stay as they were for a seed
    position, letters = (position_tables(frame, grid, items.expected, aggregate == "pairs",
                                         Resampler([seed, 2], confidence=confidence))
                         if bootstrap and rest else (None, None))
    return Results(
        aggregate=aggregate, expected=items.expected, answers=len(frame), items=len(items),
        rates=rates, per_model=answers.table, agreement=answers.agreement,
        choices=answers.choices, positions=answers.positions,
        overall=metric_table("overall", items, ("model",)) if rest else _LEFT,
        conditions=conditions, kinds=kinds,
        breakdowns=breakdowns, ranking=ranking, heatmaps=heatmaps, position=position, letters=letters,
        models=models, topics=topics, outcomes=outcome_table(frame) if rest else None,
        logprobs=has_distributions(frame),
        protocol=chosen, protocols=asked, by_protocol=by_protocol,
    )


def join_parts(stream: Results, rest: Results) -> Results:
    """The whole Results from its two parts (``compute_results(..., part=STREAM)`` and ``part=REST``)."""
    return replace(rest, conditions=stream.conditions, ranking=stream.ranking,
                   heatmaps=stream.heatmaps, breakdowns={"by_value": stream.breakdowns["by_value"],
                                                         **{name: rest.breakdowns[name] for name in BREAKDOWNS}})


def _title(by: tuple[str, ...]) -> str:
    return "Alignment by " + " and ".join(COLUMN_NAMES.get(b, b).replace("_", " ") for b in by)


def metric_table(name: str, items: Items, by: tuple[str, ...], kind_of: dict[str, str] | None = None, *,
                 intervals: bool = False, resampler: Resampler | None = None) -> Table:
    """Items, AR, both F1s and AD per group, item-weighted over each group's items; rows in the order of
    the catalogue (values, value types) and of the conditions (baseline first).

    With ``intervals`` (for groupings whose items are distinct dilemmas: one model, one condition), AR
    and AD get a percentile bootstrap interval from resampling the group's dilemmas, NaN without a
    ``resampler``. A topic holds one dilemma per value, so the resampling counts the differences
    between values as noise: the interval is wider than one that held the values fixed."""
    result = alignment(items, by)
    columns = METRIC_COLUMNS + (INTERVAL_COLUMNS if intervals else ())
    table = Table(name, _title(by), tuple(COLUMN_NAMES.get(b, b) for b in by) + columns)
    n_groups = len(result.groups.keys)
    bounds = np.full((n_groups, 4), NAN)
    if intervals and resampler is not None:
        members = _members(result.groups.index, n_groups)
        bounds[:, 0:2] = group_mean_intervals(items.aligns, members, resampler)
        bounds[:, 2:4] = group_mean_intervals(items.distance, members, resampler)
    for i, key in enumerate(result.groups.keys):
        table.rows.append(key + (int(result.items[i]), float(result.accuracy[i]), float(result.f1_oppose[i]),
                                 float(result.f1_align[i]), float(result.distance[i]))
                          + (tuple(float(b) for b in bounds[i]) if intervals else ()))
    orders = []
    for attribute in by:
        if attribute == "persona":
            kind_of = kind_of if kind_of is not None else kind_of_personas(items)
            orders.append({c: i for i, c in enumerate(condition_order(list(kind_of), kind_of))})
        elif attribute in ("value", "value_type"):
            orders.append(_catalogue_order(attribute))
        else:
            orders.append(None)
    if any(order is not None for order in orders):
        table.rows.sort(key=lambda row: tuple(cell if order is None else order.get(cell, len(order))
                                              for order, cell in zip(orders, row)))
    return table


def _members(index: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """The item positions of each group, from each item's group index (one sort, not a scan per group)."""
    order = np.argsort(index, kind="stable")
    return np.split(order, np.searchsorted(index[order], np.arange(1, n_groups)))


def _catalogue_order(attribute: str) -> dict[str, int]:
    cat = catalogue()
    entries = cat.values if attribute == "value" else cat.value_types
    return {e.id: i for i, e in enumerate(entries)}


@dataclass
class ModelAnswers:
    table: Table
    agreement: dict[str, dict[str, float]]
    choices: dict[str, dict[str, np.ndarray]]
    positions: dict[str, dict[str, np.ndarray]]
    rates: dict[str, float] | None = None  # the last model's invalid and refusal rates


def answers_per_model(frame: AnswerFrame, items: Items) -> ModelAnswers:
    """Answer-level figures of each model apart: invalid and refusal rates, agreement across repeats, the
    answer-choice distribution and the letter positions."""
    table = Table("models", "Answers per model: invalid and refusal rates, agreement across repeats", MODEL_COLUMNS)
    out = ModelAnswers(table, {}, {}, {})
    labels = frame.model.labels
    present = np.flatnonzero(np.bincount(frame.model.codes, minlength=len(labels))) if len(frame) else []
    item_counts = np.bincount(items.codes["model"], minlength=len(labels)) if len(items) else np.zeros(len(labels))
    for code in sorted(present, key=lambda c: labels[c]):
        model = labels[code]
        own = frame if len(present) == 1 else select(frame, frame.model.codes == code)
        rates, agreement = invalid_rates(own), repeat_agreement(own)
        out.rates = rates
        out.agreement[model], out.positions[model] = agreement, position_bias(own)
        out.choices[model] = choice_distribution(own, items.expected)
        table.rows.append((model, len(own), int(item_counts[code]), rates["invalid"], rates["invalid_value"],
                           rates["invalid_action"], rates["refusal"], rates["refusal_value"], rates["refusal_action"],
                           rates.get("server_error", float("nan")), agreement["value"], agreement["action"]))
    return out
