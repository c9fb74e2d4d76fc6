"""Every metric and breakdown of a run, in one call: what the Results screen, the Run screen and the
report show. ``compute_results(frame)`` is the entry point."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from valuegap_tui.catalogue import catalogue
from valuegap_tui.metrics.alignment import Alignment, alignment, item_aligns, item_distance
from valuegap_tui.metrics.answers import choice_distribution, invalid_rates, position_bias
from valuegap_tui.metrics.frame import AnswerFrame, Codes
from valuegap_tui.metrics.items import DEFAULT_AGGREGATE, Aggregate, Items, build_items, repeat_agreement
from valuegap_tui.metrics.paired import CONFIDENCE, NAN_DIFFERENCE, PairedDifference, Resampler, bootstrap_mean_interval, paired_difference
from valuegap_tui.metrics.table import Table

BASELINE = "baseline"
KIND_ORDER = ("baseline", "moderate", "max", "incongruous", "custom")
#: the breakdowns every result carries: table name -> grouping columns
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "by_model": ("model",),
    "by_persona_kind": ("model", "persona_kind"),
    "by_persona": ("model", "persona"),
    "by_value": ("value",),
    "by_value_type": ("value_type",),
    "by_topic": ("topic",),
}
METRIC_COLUMNS = ("items", "alignment_rate", "f1_oppose", "f1_align", "alignment_distance")
COMPARISON_COLUMNS = (
    "model", "condition", "kind", "items", "dilemmas",
    "alignment_rate", "ar_low", "ar_high", "f1_oppose", "f1_align",
    "alignment_distance", "ad_low", "ad_high",
    "ar_change", "ar_change_low", "ar_change_high", "ar_change_p",
    "ad_change", "ad_change_low", "ad_change_high", "ad_change_p",
)


@dataclass
class Heatmap:
    """Alignment rate per value (rows, catalogue order grouped by type) x condition (columns)."""

    values: list[tuple[str, str, str]]  # (value id, value name, value type name)
    conditions: list[str]
    rates: np.ndarray  # (values x conditions), NaN where no items


@dataclass
class Results:
    aggregate: str
    expected: bool
    answers: int  # asked questions in the (filtered) frame
    items: int  # paired items
    rates: dict[str, float]
    agreement: dict[str, float]
    choices: dict[str, np.ndarray]
    positions: dict[str, np.ndarray]
    overall: Table
    conditions: Table
    kinds: Table
    breakdowns: dict[str, Table]
    ranking: Table
    heatmap: Heatmap
    models: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    tables: dict[str, Table] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tables = {"overall": self.overall, "conditions": self.conditions, "persona_kinds": self.kinds,
                       **self.breakdowns, "value_ranking": self.ranking, "answers": self.answer_table()}

    def answer_table(self) -> Table:
        cat = catalogue()
        table = Table("answers", "Answer choices and letter positions (share of valid answers)",
                      ("question", "option", "option_text", "share", "letter", "letter_share"))
        for question, texts in (("value", [p.text for p in cat.value_scale]),
                                ("action", [p.text for p in cat.action_labels])):
            for i in range(6):
                table.rows.append((question, i, texts[i] if i < len(texts) else str(i),
                                   float(self.choices[question][i]), "ABCDEF"[i], float(self.positions[question][i])))
        return table


def select(frame: AnswerFrame, mask: np.ndarray) -> AnswerFrame:
    """The rows where ``mask`` holds; vocabularies are kept, so codes stay comparable with the full frame."""

    def codes(column: Codes) -> Codes:
        return Codes(column.codes[mask], column.labels)

    return AnswerFrame(
        model=codes(frame.model), persona=codes(frame.persona), persona_kind=codes(frame.persona_kind),
        dilemma=codes(frame.dilemma), value=codes(frame.value), value_type=codes(frame.value_type),
        topic=codes(frame.topic), question=frame.question[mask], repeat=frame.repeat[mask],
        score=frame.score[mask], position=frame.position[mask], choice=frame.choice[mask],
        distribution=frame.distribution[mask], refusal=frame.refusal[mask],
    )


def filter_frame(frame: AnswerFrame, model: str | None = None, topic: str | None = None) -> AnswerFrame:
    mask = np.ones(len(frame), dtype=bool)
    for column, wanted in ((frame.model, model), (frame.topic, topic)):
        if wanted is not None:
            mask &= column.codes == (column.labels.index(wanted) if wanted in column.labels else -1)
    return frame if mask.all() else select(frame, mask)


def compute_results(frame: AnswerFrame, *, aggregate: Aggregate = DEFAULT_AGGREGATE, expected: bool = False,
                    model: str | None = None, topic: str | None = None, bootstrap: bool = True,
                    seed: int = 0, confidence: float = CONFIDENCE) -> Results:
    """All metrics of ``frame`` (optionally one model / one topic). ``bootstrap=False`` skips intervals and
    tests (NaN there) for a fast live refresh; ``confidence`` is the intervals' coverage."""
    models, topics = tuple(sorted(set(frame.model.labels))), tuple(sorted(set(frame.topic.labels)))
    frame = filter_frame(frame, model, topic)
    items = build_items(frame, aggregate, expected)
    resampler = Resampler(seed, confidence=confidence) if bootstrap else None
    breakdowns = {name: metric_table(name, items, by) for name, by in BREAKDOWNS.items()}
    return Results(
        aggregate=aggregate, expected=expected, answers=len(frame), items=len(items),
        rates=invalid_rates(frame), agreement=repeat_agreement(frame),
        choices=choice_distribution(frame), positions=position_bias(frame),
        overall=metric_table("overall", items, ()),
        conditions=comparison_table(items, "persona", resampler),
        kinds=comparison_table(items, "persona_kind", resampler),
        breakdowns=breakdowns, ranking=value_ranking(breakdowns["by_value"]),
        heatmap=heatmap(items), models=models, topics=topics,
    )


def _title(by: tuple[str, ...]) -> str:
    return "Alignment " + ("by " + " and ".join(b.replace("_", " ") for b in by) if by else "overall")


def metric_table(name: str, items: Items, by: tuple[str, ...]) -> Table:
    result = alignment(items, by)
    table = Table(name, _title(by), by + METRIC_COLUMNS)
    for i, key in enumerate(result.groups.keys):
        table.rows.append(key + (int(result.items[i]), float(result.accuracy[i]), float(result.f1_oppose[i]),
                                 float(result.f1_align[i]), float(result.distance[i])))
    if by and by[0] in ("value", "value_type"):
        order = _catalogue_order(by[0])
        table.rows.sort(key=lambda row: order.get(row[0], len(order)))
    return table


def _catalogue_order(attribute: str) -> dict[str, int]:
    cat = catalogue()
    entries = cat.values if attribute == "value" else cat.value_types
    return {e.id: i for i, e in enumerate(entries)}


def value_ranking(by_value: Table) -> Table:
    """Values sorted by alignment distance, largest gap first."""
    cat = catalogue()
    names = {v.id: (v.name, cat.value_type(v.type).name) for v in cat.values}
    table = Table("value_ranking", "Values ranked by alignment distance (largest gap first)",
                  ("rank", "value", "name", "value_type") + METRIC_COLUMNS)
    rows = sorted(by_value.rows, key=lambda r: -r[-1] if r[-1] == r[-1] else np.inf)
    for rank, row in enumerate(rows, 1):
        name, type_name = names.get(row[0], (row[0], ""))
        table.rows.append((rank, row[0], name, type_name) + tuple(row[1:]))
    return table


def condition_order(labels: list[str], kind_of: dict[str, str]) -> list[str]:
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    return sorted(labels, key=lambda c: (c != BASELINE, rank.get(kind_of.get(c, c), len(rank)), c))


def comparison_table(items: Items, condition: str, resampler: Resampler | None) -> Table:
    """Per (model, condition): AR and AD with bootstrap intervals over dilemmas, and their change against
    the baseline of the same model (paired over the dilemmas both answered)."""
    title = "Conditions" if condition == "persona" else "Persona kinds"
    table = Table("conditions" if condition == "persona" else "persona_kinds",
                  f"{title}: alignment rate (AR) and distance (AD), change against baseline", COMPARISON_COLUMNS)
    if len(items) == 0:
        return table
    labels = items.labels(condition)
    n_models, n_conditions, n_dilemmas = (max(len(items.labels(a)), 1) for a in ("model", condition, "dilemma"))
    cell = ((items.codes["model"].astype(np.int64) * n_conditions + items.codes[condition]) * n_dilemmas
            + items.codes["dilemma"])
    size = n_models * n_conditions * n_dilemmas
    count = np.bincount(cell, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_dilemma_ar = (np.bincount(cell, weights=item_aligns(items), minlength=size) / count)
        per_dilemma_ad = (np.bincount(cell, weights=item_distance(items), minlength=size) / count)
    shape = (n_models, n_conditions, n_dilemmas)
    per_dilemma_ar, per_dilemma_ad = per_dilemma_ar.reshape(shape), per_dilemma_ad.reshape(shape)
    groups: Alignment = alignment(items, ("model", condition))
    kind_of = _kind_of(items) if condition == "persona" else {c: c for c in labels}
    baseline = labels.index(BASELINE) if BASELINE in labels else None
    model_labels = items.labels("model")
    by_key = {key: i for i, key in enumerate(groups.groups.keys)}
    for m_label in sorted({k[0] for k in by_key}):
        m = model_labels.index(m_label)
        present = [k[1] for k in by_key if k[0] == m_label]
        for c_label in condition_order(present, kind_of):
            c, g = labels.index(c_label), by_key[(m_label, c_label)]
            ar, ad = per_dilemma_ar[m, c], per_dilemma_ad[m, c]
            answered = ~np.isnan(ar)
            if resampler is not None:
                ar_ci = bootstrap_mean_interval(ar[answered], resampler)
                ad_ci = bootstrap_mean_interval(ad[answered], resampler)
            else:
                ar_ci = ad_ci = (float("nan"), float("nan"))
            ar_change = ad_change = NAN_DIFFERENCE
            if baseline is not None and c != baseline:
                if resampler is not None:
                    ar_change = paired_difference(ar, per_dilemma_ar[m, baseline], resampler)
                    ad_change = paired_difference(ad, per_dilemma_ad[m, baseline], resampler)
                else:
                    ar_change = _difference_only(ar, per_dilemma_ar[m, baseline])
                    ad_change = _difference_only(ad, per_dilemma_ad[m, baseline])
            table.rows.append((
                m_label, c_label, kind_of.get(c_label, ""), int(groups.items[g]), int(answered.sum()),
                float(groups.accuracy[g]), *ar_ci, float(groups.f1_oppose[g]), float(groups.f1_align[g]),
                float(groups.distance[g]), *ad_ci,
                ar_change.mean, ar_change.low, ar_change.high, ar_change.p_value,
                ad_change.mean, ad_change.low, ad_change.high, ad_change.p_value,
            ))
    return table


def _difference_only(condition: np.ndarray, baseline: np.ndarray) -> PairedDifference:
    both = ~np.isnan(condition) & ~np.isnan(baseline)
    if not both.any():
        return NAN_DIFFERENCE
    nan = float("nan")
    return PairedDifference(float((condition[both] - baseline[both]).mean()), nan, nan, nan, int(both.sum()))


def _kind_of(items: Items) -> dict[str, str]:
    personas, kinds = items.labels("persona"), items.labels("persona_kind")
    pairs = np.unique(np.stack([items.codes["persona"], items.codes["persona_kind"]]), axis=1)
    return {personas[p]: kinds[k] for p, k in pairs.T}


def heatmap(items: Items) -> Heatmap:
    cat = catalogue()
    values = [(v.id, v.name, cat.value_type(v.type).name) for t in cat.value_types for v in cat.values_of_type(t.id)]
    result = alignment(items, ("value", "persona"))
    kind_of = _kind_of(items) if len(items) else {}
    conditions = condition_order(sorted({k[1] for k in result.groups.keys}), kind_of)
    row_of = {v[0]: i for i, v in enumerate(values)}
    col_of = {c: j for j, c in enumerate(conditions)}
    rates = np.full((len(values), len(conditions)), np.nan)
    for (value, persona), rate in zip(result.groups.keys, result.accuracy):
        if value in row_of:
            rates[row_of[value], col_of[persona]] = rate
    return Heatmap(values, conditions, rates)
