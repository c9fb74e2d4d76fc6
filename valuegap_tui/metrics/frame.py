"""AnswerFrame: a run's answers as column arrays, the input of every metric.

One row per asked question (per repeat). The store builds it from a run's responses
(``store.runs.load_answer_frame``); metrics only read it. Strings are stored as integer codes
into a per-column vocabulary so grouping is a vectorised ``np.unique``/``bincount``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from valuegap_tui.outcomes import ABSTAINED, OUTCOMES, REFUSAL, SERVER_ERROR, VALID
from valuegap_tui.protocols import STANDARD

TOO_LONG = OUTCOMES.index("too_long")
LOW_COVERAGE = OUTCOMES.index("low_coverage")
QUESTIONS = ("value", "action")


@dataclass
class Codes:
    """A categorical column: ``codes[i]`` indexes ``labels``."""

    codes: np.ndarray  # int32
    labels: tuple[str, ...]

    @classmethod
    def encode(cls, values: list[str] | np.ndarray) -> "Codes":
        labels, codes = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
        return cls(codes=codes.astype(np.int32), labels=tuple(labels.tolist()))

    def decode(self) -> np.ndarray:
        return np.asarray(self.labels, dtype=object)[self.codes]

    def __len__(self) -> int:
        return len(self.codes)


@dataclass
class AnswerFrame:
    model: Codes
    persona: Codes  # persona id; "baseline" for no persona
    persona_kind: Codes  # baseline | moderate | max | incongruous | custom | instruction
    dilemma: Codes
    value: Codes  # Schwartz value id of the dilemma
    value_type: Codes
    topic: Codes
    question: np.ndarray  # int8: index into the design's questions (poster: 0 = value, 1 = action)
    repeat: np.ndarray  # int16
    #: score of the chosen option (poster: the common axis +3..+1, -1..-3; designs.base); NaN when invalid
    score: np.ndarray  # float64
    #: letter position chosen (0 = A .. 5 = F); -1 when invalid
    position: np.ndarray  # int8
    #: which underlying option was chosen: scale point (value q.) or action (action q.), 0..5 in
    #: catalogue order (strongly agree/aligning first); -1 when invalid
    choice: np.ndarray  # int8
    #: logprob mode: probability of each underlying option (catalogue order), NaN rows otherwise
    distribution: np.ndarray = field(default=None)  # float64 (n, options): 6 for the poster's design
    refusal: np.ndarray = field(default=None)  # bool: invalid because the model refused
    #: bool: no answer because the server failed (not the model's answer, not counted as invalid)
    server_error: np.ndarray = field(default=None)
    #: int8: how the question ended, an index into valuegap_tui.outcomes.OUTCOMES (0 = valid). Given, it
    #: sets ``refusal`` and ``server_error``; left out, it is worked out from them and ``score``
    outcome: np.ndarray = field(default=None)
    #: the option shown at each letter (permutation[i, letter] = option), -1 where unknown: read for runs
    #: with answer distributions, whose letter shares need it (metrics.position)
    permutation: np.ndarray = field(default=None)  # int8 (n, options)
    #: the way each question was asked (``protocols.py``); left out, every row is ``standard``
    protocol: Codes = field(default=None)

    def __post_init__(self) -> None:
        n = len(self.score)
        if self.protocol is None:
            self.protocol = Codes(np.zeros(n, dtype=np.int32), (STANDARD,))
        if self.permutation is None:
            self.permutation = np.full((n, 6), -1, dtype=np.int8)
        if self.distribution is None:
            self.distribution = np.full((n, 6), np.nan)
        if self.outcome is not None:
            self.outcome = np.asarray(self.outcome, dtype=np.int8)
            self.refusal = self.outcome == REFUSAL
            self.server_error = self.outcome == SERVER_ERROR
            return
        if self.refusal is None:
            self.refusal = np.zeros(n, dtype=bool)
        if self.server_error is None:
            self.server_error = np.zeros(n, dtype=bool)
        outcome = np.where(np.isnan(self.score), OUTCOMES.index("no_letter"), VALID).astype(np.int8)
        outcome[self.refusal] = REFUSAL
        outcome[self.server_error] = SERVER_ERROR
        self.outcome = outcome

    @property
    def no_reply(self) -> np.ndarray:
        """No answer to read (a server error, or a request too long for the server's context): not the
        model's doing, so not counted as invalid."""
        return self.server_error | (self.outcome == TOO_LONG)

    @property
    def abstained(self) -> np.ndarray:
        """The respondent chose the option of not choosing (the abstain protocol): an answer, never
        scored, never invalid."""
        return self.outcome == ABSTAINED

    @property
    def low_coverage(self) -> np.ndarray:
        """Invalid because the letters held too little of the first token's probability (logprob runs)."""
        return self.outcome == LOW_COVERAGE

    def __len__(self) -> int:
        return len(self.score)

    @property
    def valid(self) -> np.ndarray:
        return ~np.isnan(self.score)

    @classmethod
    def from_rows(cls, rows: list[dict]) -> "AnswerFrame":
        """Build from dicts with the field names above (slow path: tests, small runs)."""

        def column(name, dtype=None, default=None):
            return np.asarray([r.get(name, default) for r in rows], dtype=dtype)

        question = np.asarray([QUESTIONS.index(r["question"]) if isinstance(r["question"], str) else r["question"]
                               for r in rows], dtype=np.int8)
        width = max([len(r["distribution"]) for r in rows if r.get("distribution") is not None], default=6)
        distribution = np.full((len(rows), width), np.nan)
        permutation = np.full((len(rows), width), -1, dtype=np.int8)
        for i, r in enumerate(rows):
            if r.get("distribution") is not None:
                distribution[i, : len(r["distribution"])] = r["distribution"]
            if r.get("permutation") is not None:
                order = [int(c) for c in r["permutation"]]
                permutation[i, : len(order)] = order
        return cls(
            model=Codes.encode(column("model", object)),
            persona=Codes.encode(column("persona", object)),
            persona_kind=Codes.encode(column("persona_kind", object)),
            dilemma=Codes.encode(column("dilemma", object)),
            value=Codes.encode(column("value", object)),
            value_type=Codes.encode(column("value_type", object)),
            topic=Codes.encode(column("topic", object)),
            question=question,
            repeat=column("repeat", np.int16, 0),
            score=np.asarray([np.nan if r.get("score") is None else r["score"] for r in rows], dtype=np.float64),
            position=column("position", np.int8, -1),
            choice=column("choice", np.int8, -1),
            distribution=distribution,
            refusal=column("refusal", bool, False),
            server_error=column("server_error", bool, False),
            outcome=(np.asarray([OUTCOMES.index(r["outcome"]) for r in rows], dtype=np.int8)
                     if rows and all("outcome" in r for r in rows) else None),
            permutation=permutation,
            protocol=Codes.encode(column("protocol", object, STANDARD)) if rows else None,
        )


def select(frame: AnswerFrame, mask: np.ndarray) -> AnswerFrame:
    """The rows where ``mask`` holds; vocabularies are kept, so codes stay comparable with the full frame.
    Every column is taken, whatever columns the frame has."""

    def take(value):
        return Codes(value.codes[mask], value.labels) if isinstance(value, Codes) else value[mask]

    return AnswerFrame(**{f.name: take(getattr(frame, f.name)) for f in fields(AnswerFrame)})


def concat(frames: list[AnswerFrame]) -> AnswerFrame:
    """The rows of several frames, one after another, each categorical column on one vocabulary (for
    frames sampled apart, e.g. one per protocol)."""
    columns = {}
    for f in fields(AnswerFrame):
        parts = [getattr(frame, f.name) for frame in frames]
        if isinstance(parts[0], Codes):
            columns[f.name] = Codes.encode(np.concatenate([p.decode() for p in parts]))
        else:
            columns[f.name] = np.concatenate(parts)
    return AnswerFrame(**columns)
