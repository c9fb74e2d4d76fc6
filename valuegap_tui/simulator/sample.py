"""The simulator's behaviour sampled straight into an answer frame, with no HTTP in between.

A full-size run (616 dilemmas x 13 personas x 2 questions x 5 repeats = 80,080 answers) takes well
under a second this way, so tests can check that the metrics recover what the behaviour model planted
at the size a study really has. Option orders come from the run planner (``permutations_for``), so the
position bias acts exactly as in a served run; ``planted_cells`` gives each cell's exact AR and AD under
the default ``pairs`` estimand for those orders. The HTTP path itself is tested on smaller runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from valuegap_tui.catalogue import catalogue
from valuegap_tui.plan.items import permutations_for
from valuegap_tui.metrics.frame import AnswerFrame, Codes
from valuegap_tui.metrics.scale import CHOICE_SCORES, DISTANCE, SAME_SIDE
from valuegap_tui.simulator.behaviour import (
    action_distribution,
    value_distribution,
)
from valuegap_tui.protocols import STANDARD
from valuegap_tui.simulator.params import SimulatorParams


@dataclass(frozen=True)
class SampledPersona:
    id: str
    kind: str
    levels: dict[str, int]  # empty for the baseline


@dataclass(frozen=True)
class SampledDilemma:
    id: str
    value: str
    topic: str


def catalogue_dilemmas(topics: int | None = None) -> list[SampledDilemma]:
    """One dilemma per value x topic of the catalogue (the first ``topics`` topics)."""
    cat = catalogue()
    topic_list = cat.topics[: topics or len(cat.topics)]
    return [SampledDilemma(f"{v.id}--{t.id}", v.id, t.id) for v in cat.values for t in topic_list]


def _orders(seed: int, dilemmas: Sequence[SampledDilemma], repeats: int, protocol: str = STANDARD) -> np.ndarray:
    """(dilemma, question, repeat, letter) -> the option shown there, as the run planner orders them
    (the same for every persona, as in a run)."""
    return np.asarray([[[[int(c) for c in order] for order in permutations_for(seed, d.id, q, repeats,
                                                                                protocol=protocol)]
                        for q in (0, 1)] for d in dilemmas])


def _option_probs(params: SimulatorParams, personas: Sequence[SampledPersona],
                  dilemmas: Sequence[SampledDilemma], protocol: str = STANDARD) -> np.ndarray:
    """(persona, dilemma, question, option) -> P(option) before position bias, under a protocol's
    planted shifts."""
    values = sorted({d.value for d in dilemmas})
    table = {(i, v): (value_distribution(params, p.levels, v, protocol),
                      action_distribution(params, p.levels, v, protocol))
             for i, p in enumerate(personas) for v in values}
    return np.asarray([[table[(i, d.value)] for d in dilemmas] for i in range(len(personas))])


def _letter_probs(params: SimulatorParams, option_probs: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """(persona, dilemma, question, repeat, letter) -> P(letter), position bias applied."""
    n_p = option_probs.shape[0]
    shown = np.take_along_axis(option_probs[:, :, :, None, :],
                               np.broadcast_to(orders[None], (n_p,) + orders.shape), axis=-1)
    shown = shown * np.asarray(params.position_bias)[: orders.shape[-1]]
    return shown / shown.sum(axis=-1, keepdims=True)


def planted_cells(params: SimulatorParams, personas: Sequence[SampledPersona], dilemmas: Sequence[SampledDilemma],
                  *, repeats: int = 1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Exact (AR, AD) of every (persona, dilemma) cell under the ``pairs`` estimand, as two
    (persona x dilemma) arrays: the expected gap between the mean option shares of the value repeats and
    of the action repeats over the orders they are shown in."""
    orders = _orders(seed, dilemmas, repeats)
    letters = _letter_probs(params, _option_probs(params, personas, dilemmas), orders)
    shares = np.zeros(letters.shape[:3] + (6,))
    n_p = letters.shape[0]
    index = np.broadcast_to(orders[None], (n_p,) + orders.shape)
    for r in range(repeats):  # map each repeat's letters back to options
        np.put_along_axis(shares_r := np.zeros_like(shares), index[:, :, :, r, :], letters[:, :, :, r, :], axis=-1)
        shares += shares_r / repeats
    value, action = shares[:, :, 0], shares[:, :, 1]  # the bilinear forms of ``expected_gap``, vectorised
    return (np.einsum("pdi,ij,pdj->pd", value, SAME_SIDE, action),
            np.einsum("pdi,ij,pdj->pd", value, DISTANCE, action))


def sample_frame(params: SimulatorParams, personas: Sequence[SampledPersona], dilemmas: Sequence[SampledDilemma],
                 *, repeats: int = 1, seed: int = 0, model: str | None = None,
                 protocols: Sequence[str] = (STANDARD,)) -> AnswerFrame:
    """Every (persona, dilemma, question, repeat) answered once by the behaviour model, under each of
    ``protocols`` with its planted shifts (``params.protocol_effects``; the six-option protocols: an
    abstention is sampled only where a run offers the option, through the served simulator)."""
    if tuple(protocols) != (STANDARD,):
        from valuegap_tui.metrics.frame import concat

        return concat([_sample_one(params, personas, dilemmas, repeats, seed, model, protocol, draw=i)
                       for i, protocol in enumerate(protocols)])
    return _sample_one(params, personas, dilemmas, repeats, seed, model, STANDARD)


def _sample_one(params, personas, dilemmas, repeats, seed, model, protocol, draw: int = 0) -> AnswerFrame:
    cat = catalogue()
    # each protocol's answers are draws of their own
    rng = np.random.default_rng(params.seed * 1_000_003 + seed + 104_729 * draw)
    orders = _orders(seed, dilemmas, repeats, protocol)
    letters_p = _letter_probs(params, _option_probs(params, personas, dilemmas, protocol), orders)
    shape = letters_p.shape[:-1]  # (persona, dilemma, question, repeat)
    letters = (rng.random(shape + (1,)) > np.cumsum(letters_p, axis=-1)).sum(axis=-1).clip(0, 5)
    chosen = np.take_along_axis(np.broadcast_to(orders[None], letters_p.shape), letters[..., None], axis=-1)[..., 0]
    persona_of, dilemma_of, question, repeat = (a.ravel() for a in np.indices(shape))
    choice = chosen.ravel().astype(np.int8)
    rows_position = letters.ravel()

    def coded(labels: list[str], index: np.ndarray) -> Codes:
        vocabulary = Codes.encode(labels)
        return Codes(vocabulary.codes[index].astype(np.int32), vocabulary.labels)

    value_ids = [d.value for d in dilemmas]
    return AnswerFrame(
        model=coded([model or params.model_name], np.zeros(len(choice), np.int64)),
        persona=coded([p.id for p in personas], persona_of),
        persona_kind=coded([p.kind for p in personas], persona_of),
        dilemma=coded([d.id for d in dilemmas], dilemma_of),
        value=coded(value_ids, dilemma_of),
        value_type=coded([cat.value(v).type for v in value_ids], dilemma_of),
        topic=coded([d.topic for d in dilemmas], dilemma_of),
        question=question.astype(np.int8),
        repeat=repeat.astype(np.int16),
        score=CHOICE_SCORES[choice].astype(np.float64),
        position=rows_position.astype(np.int8),
        choice=choice,
        protocol=coded([protocol], np.zeros(len(choice), np.int64)),
    )
