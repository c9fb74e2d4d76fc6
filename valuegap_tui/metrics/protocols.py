"""The gap under each way of asking, and how far it moves between them (docs/metrics.md, "Protocols").

A run may ask every question under several protocols (``protocols.py``). Items pair a value answer
with the action answers of the same protocol (``metrics/items.py``), so each protocol has its own AR
and AD; these tables set them side by side, per model and condition (nothing pools models, conditions
or protocols):

``protocols``
    AR and AD per (model, condition, protocol) with percentile bootstrap intervals over the dilemmas,
    and the abstention rate: the share of asked questions (no reply left out) answered by choosing not
    to choose, per question. An abstention is never scored; its item has no action or value answer
    from that repeat.
``protocol_spread``
    per (model, condition): the range of AR and AD over the protocols asked, and each protocol against
    the reference protocol (``standard`` where asked, else the first): the mean paired difference over
    the dilemmas answered under both, its bootstrap interval, a sign-flip test and Holm's correction
    over the protocols compared.
``protocol_flips``
    per (model, condition) and per (model, persona kind), under each protocol, the change of AR and AD
    against the baseline asked the same way (paired over dilemmas; a kind's change is the mean over its
    personas), with an interval; ``ar_flips`` / ``ad_flips`` flag a group whose change is clearly
    positive under one protocol and clearly negative under another (both intervals exclude 0): the
    direction of the finding depends on how the questions were asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.grid import BASELINE, KIND_ORDER, condition_order, kind_of_personas
from valuegap_tui.metrics.items import Items, build_items
from valuegap_tui.metrics.multiplicity import holm
from valuegap_tui.metrics.paired import (NAN_DIFFERENCE, PairedDifference, Resampler, bootstrap_mean_interval,
                                        paired_difference)
from valuegap_tui.metrics.table import Table
from valuegap_tui.protocols import STANDARD, protocol_order

NAN = float("nan")
PROTOCOL_COLUMNS = ("model", "condition", "protocol", "items", "alignment_rate", "ar_low", "ar_high",
                    "alignment_distance", "ad_low", "ad_high", "asked", "abstained", "abstained_value",
                    "abstained_action")
SPREAD_COLUMNS = ("model", "condition", "protocols", "ar_range", "ad_range", "reference", "protocol", "dilemmas",
                  "ar_difference", "ar_low", "ar_high", "ar_p", "ar_p_holm", "ad_difference", "ad_low", "ad_high",
                  "ad_p", "ad_p_holm")
FLIP_COLUMNS = ("model", "level", "group", "protocol", "dilemmas", "ar_change", "ar_low", "ar_high", "ad_change",
                "ad_low", "ad_high", "ar_flips", "ad_flips")


@dataclass
class ProtocolResults:
    protocols: tuple[str, ...]
    by_protocol: Table
    spread: Table
    flips: Table

    @property
    def tables(self) -> dict[str, Table]:
        return {"protocols": self.by_protocol, "protocol_spread": self.spread, "protocol_flips": self.flips}

    def flagged(self) -> list[tuple[str, str, str, str]]:
        """(model, level, group, metric) of every group whose direction of change flips."""
        found = []
        for record in self.flips.records():
            for metric in ("ar", "ad"):
                key = (record["model"], record["level"], record["group"], metric.upper())
                if record[f"{metric}_flips"] and key not in found:
                    found.append(key)
        return found


def protocols_asked(frame: AnswerFrame) -> tuple[str, ...]:
    """The protocols with rows in the frame, in the order of ``protocols.PROTOCOLS``."""
    present = np.unique(frame.protocol.codes) if len(frame) else []
    return tuple(protocol_order(frame.protocol.labels[c] for c in present))


def reference_protocol(protocols: tuple[str, ...]) -> str | None:
    return STANDARD if STANDARD in protocols else (protocols[0] if protocols else None)


def protocol_results(frame: AnswerFrame, items: Items | None = None, resampler: Resampler | None = None,
                     aggregate: str = "pairs") -> ProtocolResults:
    """The three tables of the module docstring; intervals and tests are NaN without a ``resampler``."""
    items = items if items is not None else build_items(frame, aggregate)
    protocols = protocols_asked(frame)
    cells = _cells(items)
    kind_of = kind_of_personas(items)
    return ProtocolResults(protocols, _by_protocol(frame, cells, kind_of, protocols, resampler),
                           _spread(cells, kind_of, protocols, resampler),
                           _flips(cells, kind_of, protocols, resampler))


def _cells(items: Items) -> dict[tuple[str, str, str], dict[str, tuple[float, float]]]:
    """(model, condition, protocol) -> dilemma -> (aligns, distance) of its item."""
    if not len(items):
        return {}
    codes = items.codes
    sizes = [max(len(items.labels(a)), 1) for a in ("persona", "protocol")]
    key = (codes["model"].astype(np.int64) * sizes[0] + codes["persona"]) * sizes[1] + codes["protocol"]
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]])
    dilemmas = np.asarray(items.labels("dilemma"), dtype=object)
    cells = {}
    for members in np.split(order, starts[1:]):
        first = members[0]
        name = (items.labels("model")[codes["model"][first]], items.labels("persona")[codes["persona"][first]],
                items.labels("protocol")[codes["protocol"][first]])
        cells[name] = dict(zip(dilemmas[codes["dilemma"][members]].tolist(),
                               zip(items.aligns[members].tolist(), items.distance[members].tolist())))
    return cells


def _interval(values: np.ndarray, resampler: Resampler | None) -> tuple[float, float]:
    if resampler is None or len(values) == 0:
        return NAN, NAN
    return bootstrap_mean_interval(values, resampler)


def _ordered(cells, kind_of, protocols):
    models = sorted({m for m, _, _ in cells})
    conditions = condition_order(sorted({c for _, c, _ in cells}), kind_of)
    return models, conditions


def _by_protocol(frame: AnswerFrame, cells, kind_of, protocols, resampler) -> Table:
    table = Table("protocols", "Alignment under each way of asking, per model and condition", PROTOCOL_COLUMNS)
    asked = _abstentions(frame)
    models, conditions = _ordered(cells, kind_of, protocols)
    for model in models:
        for condition in conditions:
            for protocol in protocols:
                found = cells.get((model, condition, protocol))
                counts = asked.get((model, condition, protocol))
                if found is None and counts is None:
                    continue
                aligns = np.asarray([v[0] for v in (found or {}).values()])
                distance = np.asarray([v[1] for v in (found or {}).values()])
                n, abstained, by_question = counts or (0, 0, (NAN, NAN))
                table.rows.append((model, condition, protocol, len(aligns),
                                   float(aligns.mean()) if len(aligns) else NAN, *_interval(aligns, resampler),
                                   float(distance.mean()) if len(distance) else NAN, *_interval(distance, resampler),
                                   n, abstained / n if n else NAN, *by_question))
    return table


def _abstentions(frame: AnswerFrame) -> dict[tuple[str, str, str], tuple[int, int, tuple[float, float]]]:
    """(model, condition, protocol) -> (questions asked with a reply, abstentions, (share on the value
    question, share on the action question))."""
    if not len(frame):
        return {}
    sizes = (len(frame.persona.labels), len(frame.protocol.labels))
    group = (frame.model.codes.astype(np.int64) * sizes[0] + frame.persona.codes) * sizes[1] + frame.protocol.codes
    replied = ~frame.no_reply
    slot = group * 2 + np.minimum(frame.question, 1)  # the value question, or an action question
    n_slots = 2 * (int(group.max()) + 1)
    asked = np.bincount(slot[replied], minlength=n_slots)
    abstained = np.bincount(slot[replied & frame.abstained], minlength=n_slots)
    found = {}
    for g in np.unique(group):
        m, rest = divmod(int(g), sizes[0] * sizes[1])
        p, r = divmod(rest, sizes[1])
        n, k = asked[2 * g: 2 * g + 2], abstained[2 * g: 2 * g + 2]
        found[(frame.model.labels[m], frame.persona.labels[p], frame.protocol.labels[r])] = (
            int(n.sum()), int(k.sum()), tuple(float(k[q] / n[q]) if n[q] else NAN for q in (0, 1)))
    return found


def _paired(a: dict[str, tuple[float, float]], b: dict[str, tuple[float, float]], metric: int,
            resampler: Resampler | None, test: bool = True):
    """paired_difference of b - a over the dilemmas both hold (NaN intervals and tests without a
    resampler; with ``test`` False, the interval only)."""
    shared = sorted(set(a) & set(b))
    if not shared:
        return NAN_DIFFERENCE
    left = np.asarray([a[d][metric] for d in shared])
    right = np.asarray([b[d][metric] for d in shared])
    diff = right - left
    if resampler is None:
        return PairedDifference(float(diff.mean()), NAN, NAN, NAN, len(shared))
    if not test:
        return PairedDifference(float(diff.mean()), *bootstrap_mean_interval(diff, resampler), NAN, len(shared))
    return paired_difference(right, left, resampler)


def _spread(cells, kind_of, protocols, resampler) -> Table:
    table = Table("protocol_spread", "How far the gap moves between ways of asking: range, and each against the"
                  " reference, paired over dilemmas", SPREAD_COLUMNS)
    reference = reference_protocol(protocols)
    models, conditions = _ordered(cells, kind_of, protocols)
    for model in models:
        for condition in conditions:
            asked = [p for p in protocols if cells.get((model, condition, p))]
            if len(asked) < 2 or reference not in asked:
                continue
            means = {p: np.mean([v for v in cells[(model, condition, p)].values()], axis=0) for p in asked}
            ar_range = float(max(m[0] for m in means.values()) - min(m[0] for m in means.values()))
            ad_range = float(max(m[1] for m in means.values()) - min(m[1] for m in means.values()))
            others = [p for p in asked if p != reference]
            base = cells[(model, condition, reference)]
            tests = [(_paired(base, cells[(model, condition, p)], 0, resampler),
                      _paired(base, cells[(model, condition, p)], 1, resampler)) for p in others]
            ar_holm = holm([t[0].p_value for t in tests]) if resampler is not None else [NAN] * len(tests)
            ad_holm = holm([t[1].p_value for t in tests]) if resampler is not None else [NAN] * len(tests)
            for i, (p, (ar, ad)) in enumerate(zip(others, tests)):
                table.rows.append((model, condition, len(asked), ar_range, ad_range, reference, p, ar.dilemmas,
                                   ar.mean, ar.low, ar.high, ar.p_value, float(ar_holm[i]), ad.mean, ad.low,
                                   ad.high, ad.p_value, float(ad_holm[i])))
    return table


def _kind_cells(cells, kind_of):
    """(model, kind, protocol) -> dilemma -> (aligns, distance) averaged over the kind's personas."""
    pooled: dict[tuple[str, str, str], dict[str, list]] = {}
    for (model, condition, protocol), by_dilemma in cells.items():
        kind = kind_of.get(condition)
        if condition == BASELINE or kind is None:
            continue
        group = pooled.setdefault((model, kind, protocol), {})
        for dilemma, value in by_dilemma.items():
            group.setdefault(dilemma, []).append(value)
    return {key: {d: tuple(np.mean(v, axis=0)) for d, v in group.items()} for key, group in pooled.items()}


def _flips(cells, kind_of, protocols, resampler) -> Table:
    table = Table("protocol_flips", "Change against baseline under each way of asking; a flip: clearly up under"
                  " one protocol and clearly down under another", FLIP_COLUMNS)
    models, conditions = _ordered(cells, kind_of, protocols)
    kinds = _kind_cells(cells, kind_of)
    for model in models:
        groups = [("condition", c, {p: cells.get((model, c, p)) for p in protocols}) for c in conditions
                  if c != BASELINE]
        kind_names = sorted({k for (m, k, _p) in kinds if m == model},
                            key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER), k))
        groups += [("kind", k, {p: kinds.get((model, k, p)) for p in protocols}) for k in kind_names]
        for level, group, by_protocol in groups:
            rows = []
            for protocol in protocols:
                own, baseline = by_protocol.get(protocol), cells.get((model, BASELINE, protocol))
                if not own or not baseline:
                    continue
                ar, ad = (_paired(baseline, own, 0, resampler, test=False),
                          _paired(baseline, own, 1, resampler, test=False))
                rows.append([model, level, group, protocol, ar.dilemmas, ar.mean, ar.low, ar.high, ad.mean, ad.low,
                             ad.high])
            ar_flip, ad_flip = _flipped([(r[6], r[7]) for r in rows]), _flipped([(r[9], r[10]) for r in rows])
            table.rows += [tuple(r) + (ar_flip, ad_flip) for r in rows]
    return table


def _flipped(intervals: list[tuple[float, float]]) -> bool:
    """Whether one interval lies wholly above 0 and another wholly below."""
    up = any(low > 0 for low, _high in intervals)
    down = any(high < 0 for _low, high in intervals)
    return bool(up and down)
