"""Answer frames sampled from known answer probabilities: for tests, benchmarks and screen previews.

Every condition has one probability vector over the six options for each question (catalogue order),
so the alignment rate and distance it implies can be computed exactly (``implied_metrics``) and compared
with what the metrics measure on a sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuegap_tui.catalogue import catalogue
from valuegap_tui.metrics.frame import AnswerFrame, Codes
from valuegap_tui.metrics.scale import CHOICE_POINTS, CHOICE_SCORES, SPAN, opposes


@dataclass(frozen=True)
class PlantedCondition:
    persona: str
    kind: str
    value_probs: tuple[float, ...]  # over strongly agree .. strongly disagree
    action_probs: tuple[float, ...]  # over strongly aligning .. strongly opposing


def implied_metrics(condition: PlantedCondition) -> tuple[float, float]:
    """(alignment rate, alignment distance) of one value answer and one independent action answer."""
    pv, pa = np.asarray(condition.value_probs) / sum(condition.value_probs), np.asarray(condition.action_probs) / sum(condition.action_probs)
    same_side = opposes(CHOICE_POINTS)[:, None] == opposes(CHOICE_POINTS)[None, :]
    joint = pv[:, None] * pa[None, :]
    distance = np.abs(CHOICE_POINTS[:, None] - CHOICE_POINTS[None, :]) / SPAN
    return float((joint * same_side).sum()), float((joint * distance).sum())


DEFAULT_CONDITIONS = (
    PlantedCondition("baseline", "baseline", (0.35, 0.2, 0.1, 0.1, 0.1, 0.15), (0.15, 0.25, 0.3, 0.15, 0.1, 0.05)),
    PlantedCondition("moderate-1", "moderate", (0.3, 0.3, 0.15, 0.1, 0.1, 0.05), (0.2, 0.3, 0.25, 0.1, 0.1, 0.05)),
    PlantedCondition("max-1", "max", (0.5, 0.2, 0.1, 0.05, 0.05, 0.1), (0.3, 0.3, 0.2, 0.1, 0.05, 0.05)),
    PlantedCondition("incongruous-1", "incongruous", (0.2, 0.15, 0.15, 0.15, 0.15, 0.2), (0.1, 0.15, 0.2, 0.2, 0.2, 0.15)),
)


def synthetic_frame(conditions: tuple[PlantedCondition, ...] = DEFAULT_CONDITIONS, *, models: tuple[str, ...] = ("model-a",),
                    repeats: int = 1, topics: int | None = None, invalid_rate: float = 0.0,
                    seed: int = 0) -> AnswerFrame:
    """Every (model, condition, dilemma, question, repeat) asked once; dilemmas are value x topic pairs of
    the catalogue (the first ``topics`` topics). Invalid answers are spread uniformly."""
    cat = catalogue()
    rng = np.random.default_rng(seed)
    topic_list = cat.topics[: topics or len(cat.topics)]
    values = [v for v in cat.values]
    n_dil = len(values) * len(topic_list)
    shape = (len(models), len(conditions), n_dil, 2, repeats)
    m_idx, c_idx, d_idx, q_idx, r_idx = (a.ravel() for a in np.indices(shape))
    probs = np.array([[c.value_probs, c.action_probs] for c in conditions], dtype=np.float64)
    probs /= probs.sum(axis=2, keepdims=True)
    cdf = np.cumsum(probs, axis=2)[c_idx, q_idx]
    choice = (rng.random(len(c_idx))[:, None] > cdf).sum(axis=1).clip(0, 5).astype(np.int8)
    invalid = rng.random(len(choice)) < invalid_rate
    score = CHOICE_SCORES[choice]
    score[invalid] = np.nan
    choice[invalid] = -1
    position = np.where(invalid, -1, rng.integers(0, 6, len(choice))).astype(np.int8)
    value_of_dilemma = np.repeat(np.arange(len(values)), len(topic_list))
    topic_of_dilemma = np.tile(np.arange(len(topic_list)), len(values))
    value_codes = Codes.encode([v.id for v in values])
    value_code_of = np.array([value_codes.labels.index(v.id) for v in values])
    type_codes = Codes.encode([v.type for v in values])
    topic_codes = Codes.encode([t.id for t in topic_list])
    topic_code_of = np.array([topic_codes.labels.index(t.id) for t in topic_list])
    dilemma_ids = [f"{v.id}--{t.id}" for v in values for t in topic_list]
    persona_codes = Codes.encode([c.persona for c in conditions])
    kind_codes = Codes.encode([c.kind for c in conditions])
    model_codes = Codes.encode(list(models))

    def column(source: Codes, index: np.ndarray) -> Codes:
        return Codes(source.codes[index].astype(np.int32), source.labels)

    dilemma_codes = Codes.encode(dilemma_ids)
    return AnswerFrame(
        model=column(model_codes, m_idx), persona=column(persona_codes, c_idx), persona_kind=column(kind_codes, c_idx),
        dilemma=column(dilemma_codes, d_idx),
        value=Codes(value_code_of[value_of_dilemma[d_idx]].astype(np.int32), value_codes.labels),
        value_type=column(type_codes, value_of_dilemma[d_idx]),
        topic=Codes(topic_code_of[topic_of_dilemma[d_idx]].astype(np.int32), topic_codes.labels),
        question=q_idx.astype(np.int8), repeat=r_idx.astype(np.int16), score=score, position=position,
        choice=choice, refusal=invalid & (rng.random(len(choice)) < 0.5),
    )


def latin_square_frame(conditions: tuple[PlantedCondition, ...], *, position_share: dict[str, float] | None = None,
                       models: tuple[str, ...] = ("model-a",), dilemmas: int = 120, repeats: int = 6,
                       expected: bool = False, seed: int = 0) -> AnswerFrame:
    """Answers asked as a run asks them: each (dilemma, question) has a random Latin square of option orders
    (shared by every model and condition, as the planner does), repeat r shown in its row r mod 6. A
    condition's answer is drawn from its planted probabilities, except that a share
    ``position_share[persona]`` of its answers goes to whatever option sits at letter A. With ``expected``,
    every row also carries its answer distribution (the content probabilities mixed with the letter A
    option in the same proportion) and its option order, as a logprob run records them. The dilemmas are
    the first ``dilemmas`` value x topic pairs of the catalogue."""
    position_share = position_share or {}
    cat = catalogue()
    rng = np.random.default_rng(seed)
    pairs = [(v, t) for v in cat.values for t in cat.topics][:dilemmas]
    n_dil = len(pairs)
    # squares[d, q, r] = the option order of row r: order[letter] = option
    base = (np.arange(6)[:, None] + np.arange(6)[None, :]) % 6
    squares = np.empty((n_dil, 2, 6, 6), dtype=np.int64)
    for d in range(n_dil):
        for q in range(2):
            rows, cols, symbols = rng.permutation(6), rng.permutation(6), rng.permutation(6)
            squares[d, q] = symbols[base[rows][:, cols]]
    shape = (len(models), len(conditions), n_dil, 2, repeats)
    m_idx, c_idx, d_idx, q_idx, r_idx = (a.ravel() for a in np.indices(shape))
    probs = np.array([[c.value_probs, c.action_probs] for c in conditions], dtype=np.float64)
    probs /= probs.sum(axis=2, keepdims=True)
    content = probs[c_idx, q_idx]
    order = squares[d_idx, q_idx, r_idx % 6]
    share = np.array([position_share.get(c.persona, 0.0) for c in conditions])[c_idx]
    at_a = np.zeros_like(content)
    at_a[np.arange(len(order)), order[:, 0]] = 1.0
    distribution = (1 - share)[:, None] * content + share[:, None] * at_a
    choice = (rng.random(len(order))[:, None] > np.cumsum(distribution, axis=1)).sum(axis=1).clip(0, 5)
    position = np.argmax(order == choice[:, None], axis=1)
    frame = synthetic_frame(conditions, models=models, repeats=repeats, topics=None, seed=seed)
    keep = np.isin(frame.dilemma.codes, [frame.dilemma.labels.index(f"{v.id}--{t.id}") for v, t in pairs])
    from valuegap_tui.metrics.frame import select

    frame = select(frame, keep)  # the same row order: model, condition, dilemma, question, repeat
    if not (len(frame) == len(choice)):
        raise AssertionError("frame layout changed")
    frame.choice = choice.astype(np.int8)
    frame.score = CHOICE_SCORES[choice]
    frame.position = position.astype(np.int8)
    frame.refusal = np.zeros(len(choice), dtype=bool)
    if expected:
        frame.distribution = distribution
        frame.permutation = order.astype(np.int8)
    return frame
