"""Answer-level figures: invalid and refusal rates, which options were chosen, which letters were chosen."""

from __future__ import annotations

import numpy as np

from valuegap_tui.metrics.frame import QUESTIONS, AnswerFrame


def invalid_rates(frame: AnswerFrame) -> dict[str, float]:
    """Share of asked questions the model answered unusably (invalid), share refused, and share with no
    answer at all because the server failed (server_error: not the model's doing, so not invalid),
    per question and overall."""
    n = len(frame)
    invalid = ~frame.valid & ~frame.server_error
    rates = {"invalid": float(np.mean(invalid)) if n else float("nan"),
             "refusal": float(np.mean(frame.refusal)) if n else float("nan"),
             "server_error": float(np.mean(frame.server_error)) if n else float("nan")}
    for q, name in enumerate(QUESTIONS):
        mask = frame.question == q
        rates[f"invalid_{name}"] = float(np.mean(invalid[mask])) if mask.any() else float("nan")
        rates[f"refusal_{name}"] = float(np.mean(frame.refusal[mask])) if mask.any() else float("nan")
    return rates


def _shares(codes: np.ndarray, mask: np.ndarray) -> np.ndarray:
    use = mask & (codes >= 0)
    counts = np.bincount(codes[use].astype(np.int64), minlength=6)[:6].astype(np.float64)
    total = counts.sum()
    return counts / total if total else np.full(6, np.nan)


def choice_distribution(frame: AnswerFrame) -> dict[str, np.ndarray]:
    """Per question, the share of valid answers on each option in catalogue order
    (value: strongly agree .. strongly disagree; action: strongly aligning .. strongly opposing)."""
    return {name: _shares(frame.choice, frame.question == q) for q, name in enumerate(QUESTIONS)}


def position_bias(frame: AnswerFrame) -> dict[str, np.ndarray]:
    """Per question, the share of valid answers on each letter A..F. Options are shuffled every time, so an
    unbiased model picks each letter 1/6 of the time whatever it believes."""
    return {name: _shares(frame.position, frame.question == q) for q, name in enumerate(QUESTIONS)}
