"""Answer-level figures: invalid and refusal rates, which options were chosen, which letters were chosen."""

from __future__ import annotations

import numpy as np

from valuegap_tui.metrics.frame import QUESTIONS, AnswerFrame
from valuegap_tui.metrics.table import Table
from valuegap_tui.outcomes import INVALID_OUTCOMES, OUTCOMES


def invalid_rates(frame: AnswerFrame) -> dict[str, float]:
    """Shares of asked questions, per question and overall: ``invalid`` (the model answered, but not
    usably), ``refusal``, and ``server_error`` and ``too_long`` (no answer to read: not the model's doing,
    so not invalid); and the share of each invalid outcome (``conflict``, ``ambiguous``, ...)."""
    n = len(frame)
    invalid = ~frame.valid & ~frame.no_reply & ~frame.abstained

    def share(mask: np.ndarray, within: np.ndarray | None = None) -> float:
        if within is None:
            return float(np.mean(mask)) if n else float("nan")
        return float(np.mean(mask[within])) if within.any() else float("nan")

    rates = {"invalid": share(invalid), "refusal": share(frame.refusal), "server_error": share(frame.server_error),
             "too_long": share(frame.outcome == OUTCOMES.index("too_long")), "abstained": share(frame.abstained)}
    for name in INVALID_OUTCOMES:
        rates.setdefault(name, share(frame.outcome == OUTCOMES.index(name)))
    for q, name in enumerate(QUESTIONS):
        mask = frame.question == q
        rates[f"invalid_{name}"] = share(invalid, mask)
        rates[f"refusal_{name}"] = share(frame.refusal, mask)
    return rates


def outcome_counts(frame: AnswerFrame) -> dict[tuple[str, str], dict[str, int]]:
    """(model, question name) -> outcome -> asked questions that ended so (every outcome, zeros included)."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    key = (frame.model.codes.astype(np.int64) * 16 + frame.question) * len(OUTCOMES) + frame.outcome
    counts = np.bincount(key, minlength=(len(frame.model.labels) * 16) * len(OUTCOMES)) if len(frame) else []
    for model_code, model in enumerate(frame.model.labels):
        for q in np.unique(frame.question[frame.model.codes == model_code]):
            start = (model_code * 16 + int(q)) * len(OUTCOMES)
            name = QUESTIONS[q] if q < len(QUESTIONS) else f"question {q + 1}"
            found[(model, name)] = {o: int(counts[start + i]) for i, o in enumerate(OUTCOMES)}
    return found


OUTCOME_COLUMNS = ("model", "question", "asked", *OUTCOMES, "invalid_share")


def outcome_table(frame: AnswerFrame) -> Table:
    """How every asked question ended, per model and question: counts per outcome (valuegap_tui.outcomes)
    and the share the model answered unusably (no_reply outcomes left out of both sides)."""
    table = Table("outcomes", "How each asked question ended, per model and question (counts)", OUTCOME_COLUMNS)
    for (model, question), counts in sorted(outcome_counts(frame).items()):
        asked = sum(counts.values())
        invalid = sum(counts[name] for name in INVALID_OUTCOMES)
        answered = asked - counts["too_long"] - counts["server_error"]
        table.rows.append((model, question, asked, *(counts[o] for o in OUTCOMES),
                           invalid / answered if answered else float("nan")))
    return table


def _shares(codes: np.ndarray, mask: np.ndarray) -> np.ndarray:
    use = mask & (codes >= 0)
    counts = np.bincount(codes[use].astype(np.int64), minlength=6)[:6].astype(np.float64)
    total = counts.sum()
    return counts / total if total else np.full(6, np.nan)


def choice_shares(choice: np.ndarray, question: np.ndarray) -> dict[str, np.ndarray]:
    """``choice_distribution`` (its answers as given) from the two columns it reads: a caller taking many
    subsets takes these two, not every column of the frame."""
    return {name: _shares(choice, question == q) for q, name in enumerate(QUESTIONS)}


def choice_distribution(frame: AnswerFrame, expected: bool = False) -> dict[str, np.ndarray]:
    """Per question, the share of valid answers on each option in catalogue order
    (value: strongly agree .. strongly disagree; action: strongly aligning .. strongly opposing). With
    ``expected``, an answer read from logprobs counts as its distribution over the options."""
    if not expected:
        return choice_shares(frame.choice, frame.question)
    from valuegap_tui.metrics.items import answer_vectors

    vectors, valid = answer_vectors(frame, True)
    out = {}
    for q, name in enumerate(QUESTIONS):
        total = vectors[valid & (frame.question == q)].sum(axis=0)[:6]
        out[name] = total / total.sum() if total.sum() else np.full(6, np.nan)
    return out


def position_bias(frame: AnswerFrame) -> dict[str, np.ndarray]:
    """Per question, the share of valid answers on each letter A..F. Options are shuffled every time, so an
    unbiased model picks each letter 1/6 of the time whatever it believes."""
    return {name: _shares(frame.position, frame.question == q) for q, name in enumerate(QUESTIONS)}
