"""Quality flags for a set of dilemmas: near-duplicate scenarios, look-alike actions, label words
in the text, the value not visibly at stake, and validity checks (a second-person scenario, the
lengths the prompt asks for, action lengths that give the label away across the set, a scenario that
is another value's scenario with the value words swapped). Flags are hints for review, never verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np  # imported where it is used: drawing a dilemma's flags needs none of it

from valuegap_tui.catalogue import catalogue
from valuegap_tui.designs.graded_actions.models import Dilemma

NEAR_DUPLICATE = "near_duplicate"
SIMILAR_ACTIONS = "similar_actions"
LABEL_LEAK = "label_leak"
VALUE_ABSENT = "value_absent"
NOT_SECOND_PERSON = "not_second_person"
WORD_BOUNDS = "word_bounds"
LENGTH_CUE = "length_cue"
CROSS_VALUE_DUPLICATE = "cross_value_duplicate"
#: the label check's flag (review/label_check.py FLAG; a test keeps the two equal), named here so that
#: reading or drawing a dilemma does not import the label check
LABEL_DOUBT = "label_doubt"
QUALITY_FLAGS = (NEAR_DUPLICATE, SIMILAR_ACTIONS, LABEL_LEAK, VALUE_ABSENT,
                 NOT_SECOND_PERSON, WORD_BOUNDS, LENGTH_CUE, CROSS_VALUE_DUPLICATE)

#: the lengths the generation prompt asks for (prompts/generate_dilemma.user.txt; a test keeps them equal)
PROMPT_SCENARIO_WORDS = (60, 180)
PROMPT_ACTION_WORDS = (5, 40)

# Words that name an action's alignment: a reader (or model) would see the answer key.
_LEAKS = re.compile(
    r"\b(?:strongly|moderately|mildly)[\s-]+(?:align\w*|oppos\w*)\b"
    r"|\baligning\b"
    r"|\b(?:align\w*|oppos\w*|upholds?|upholding|against)\s+(?:with\s+)?the\s+value\b",
    re.I,
)
_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset(
    "a an and the of to in on for with by or at as is are be your you one's oneself own others other "
    "from that this it its who what".split()
)


def label_leaks(text: str) -> list[str]:
    """The label phrases found in ``text`` (empty when clean)."""
    return [m.group(0) for m in _LEAKS.finditer(text)]


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _stem(word: str) -> str:
    # Crude but enough to match "honest" with "honesty", "responsible" with "responsibility".
    for suffix in ("ility", "ness", "ity", "ing", "ed", "es", "s", "y", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def value_mentioned(dilemma: Dilemma) -> bool:
    """Whether the scenario or an action names the value or a content word of its gloss."""
    value = catalogue().value(dilemma.value)
    keys = {_stem(w) for w in words(value.name + " " + value.gloss) if w not in _STOP and len(w) > 3}
    text = dilemma.scenario + " " + " ".join(o.text for o in dilemma.options)
    found = {_stem(w) for w in words(text)}
    return bool(keys & found)


def shingles(text: str, size: int = 3) -> set[str]:
    tokens = words(text)
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i: i + size]) for i in range(len(tokens) - size + 1)}


def tfidf_matrix(texts: Sequence[str]) -> np.ndarray:
    """Rows are L2-normalised TF-IDF vectors over word unigrams and bigrams."""
    import numpy as np

    docs = []
    for text in texts:
        tokens = [w for w in words(text) if w not in _STOP]
        docs.append(tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])])
    vocab: dict[str, int] = {}
    for doc in docs:
        for term in doc:
            vocab.setdefault(term, len(vocab))
    matrix = np.zeros((len(docs), max(1, len(vocab))), dtype=np.float32)
    for row, doc in enumerate(docs):
        for term in doc:
            matrix[row, vocab[term]] += 1.0
    df = (matrix > 0).sum(axis=0)
    idf = np.log((1 + len(docs)) / (1 + df)) + 1.0
    matrix *= idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def near_duplicate_pairs(dilemmas: Sequence[Dilemma], threshold: float = 0.8) -> list[tuple[str, str, float]]:
    """Pairs of dilemmas whose scenarios have TF-IDF cosine similarity >= threshold."""
    import numpy as np

    if len(dilemmas) < 2:
        return []
    matrix = tfidf_matrix([d.scenario for d in dilemmas])
    similarity = matrix @ matrix.T
    rows, cols = np.nonzero(np.triu(similarity >= threshold, k=1))
    return [(dilemmas[i].id, dilemmas[j].id, float(similarity[i, j])) for i, j in zip(rows, cols)]


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def similar_action_pairs(dilemma: Dilemma, threshold: float = 0.6) -> list[tuple[int, int, float]]:
    """Index pairs of actions whose word-bigram Jaccard similarity is >= threshold."""
    sets = [shingles(o.text, 2) for o in dilemma.options]
    found = []
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            score = jaccard(sets[i], sets[j])
            if score >= threshold:
                found.append((i, j, score))
    return found


@dataclass(frozen=True)
class Thresholds:
    near_duplicate: float = 0.8
    similar_actions: float = 0.6


def compute_flags(dilemmas: Sequence[Dilemma], thresholds: Thresholds = Thresholds()) -> dict[str, list[str]]:
    """Quality flags per dilemma id, across the whole set (near duplicates need every scenario)."""
    flags: dict[str, list[str]] = {d.id: [] for d in dilemmas}
    duplicates = {i for pair in near_duplicate_pairs(dilemmas, thresholds.near_duplicate) for i in pair[:2]}
    for dilemma in dilemmas:
        found = flags[dilemma.id]
        if dilemma.id in duplicates:
            found.append(NEAR_DUPLICATE)
        if similar_action_pairs(dilemma, thresholds.similar_actions):
            found.append(SIMILAR_ACTIONS)
        if label_leaks(dilemma.scenario) or any(label_leaks(o.text) for o in dilemma.options):
            found.append(LABEL_LEAK)
        if not value_mentioned(dilemma):
            found.append(VALUE_ABSENT)
    _validity_flags(dilemmas, flags, thresholds)
    return flags


# --- validity checks ---------------------------------------------------------------------------
_SECOND_PERSON = frozenset("you your yours yourself yourselves".split())
_FIRST_PERSON = frozenset("i me my mine myself".split())
#: a set's length cue counts once it is this far from chance (AUC 0.5) and this many standard errors off
LENGTH_CUE_GAP = 0.1
LENGTH_CUE_Z = 3.0
#: standard deviation of one dilemma's length AUC (3 against 3 actions) when length says nothing
_NULL_AUC_SD = (3 * 3 * 7 / 12) ** 0.5 / 9


def second_person(scenario: str) -> tuple[int, int]:
    """(second-person words, first-person singular words) in the scenario."""
    tokens = words(scenario)
    return sum(t in _SECOND_PERSON for t in tokens), sum(t in _FIRST_PERSON for t in tokens)


def is_second_person(scenario: str) -> bool:
    """Told to "you": at least two second-person words, and more of them than first-person ones."""
    you, me = second_person(scenario)
    return you >= 2 and you > me


def word_bound_problems(dilemma: Dilemma) -> list[str]:
    """Where the dilemma leaves the lengths the generation prompt asks for (empty when within)."""
    problems = []
    n = len(dilemma.scenario.split())
    if not PROMPT_SCENARIO_WORDS[0] <= n <= PROMPT_SCENARIO_WORDS[1]:
        problems.append(f"scenario {n} words (asked {PROMPT_SCENARIO_WORDS[0]}-{PROMPT_SCENARIO_WORDS[1]})")
    for i, option in enumerate(dilemma.options):
        n = len(option.text.split())
        if not PROMPT_ACTION_WORDS[0] <= n <= PROMPT_ACTION_WORDS[1]:
            problems.append(f"action {i + 1} {n} words (asked {PROMPT_ACTION_WORDS[0]}-{PROMPT_ACTION_WORDS[1]})")
    return problems


def length_auc(dilemma: Dilemma) -> float:
    """P(an aligning action is longer than an opposing one), ties half: 0.5 when length says nothing."""
    aligning = [len(o.text.split()) for o in dilemma.options if o.label.aligning]
    opposing = [len(o.text.split()) for o in dilemma.options if not o.label.aligning]
    pairs = [(a > b) + 0.5 * (a == b) for a in aligning for b in opposing]
    return sum(pairs) / len(pairs) if pairs else 0.5


@dataclass(frozen=True)
class LengthCue:
    """How well action length alone predicts the side across a set of dilemmas."""

    dilemmas: int
    #: mean per-dilemma AUC of length for the aligning side (0.5 chance; 1 = aligning always longer)
    auc: float
    #: how many standard errors the AUC is from chance
    z: float
    #: mean Spearman correlation, within a dilemma, between action length and label score (+3 .. -3)
    correlation: float
    flagged: bool
    #: dilemmas whose lengths alone sort all three aligning actions from the opposing ones, the set's way
    cued: frozenset[str]

    def describe(self) -> str:
        longer = "aligning" if self.auc >= 0.5 else "opposing"
        verdict = "FLAGGED: length gives the side away" if self.flagged else "no length cue"
        return (f"length cue: {verdict} ({self.dilemmas} dilemmas; {longer} actions longer, AUC {self.auc:.2f},"
                f" chance 0.50, z {self.z:.1f}; length-label rank correlation {self.correlation:+.2f})")


def _rank_correlation(xs: list[float], ys: list[float]) -> float:
    import numpy as np

    def ranks(values):
        order = sorted(range(len(values)), key=lambda i: values[i])
        result = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                result[order[k]] = (i + j) / 2
            i = j + 1
        return result

    rx, ry = np.array(ranks(xs)), np.array(ranks(ys))
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def length_cue(dilemmas: Sequence[Dilemma]) -> LengthCue:
    """The per-set check: does the length of an action predict its label?"""
    import numpy as np

    if not dilemmas:
        return LengthCue(0, 0.5, 0.0, 0.0, False, frozenset())
    aucs = [length_auc(d) for d in dilemmas]
    auc = float(np.mean(aucs))
    z = (auc - 0.5) / (_NULL_AUC_SD / len(aucs) ** 0.5)
    correlation = float(np.mean([_rank_correlation([len(o.text.split()) for o in d.options],
                                                   [o.label.score for o in d.options]) for d in dilemmas]))
    flagged = abs(auc - 0.5) >= LENGTH_CUE_GAP and abs(z) >= LENGTH_CUE_Z
    full = 1.0 if auc >= 0.5 else 0.0
    cued = frozenset(d.id for d, a in zip(dilemmas, aucs) if flagged and a == full)
    return LengthCue(len(dilemmas), auc, float(z), correlation, flagged, cued)


def study_length_cue(study) -> LengthCue:
    from valuegap_tui.store import dilemmas as dilemma_store

    return length_cue(list(dilemma_store.iter_dilemmas(study)))


def value_words(value_id: str) -> set[str]:
    """Stems of the value's name and gloss content words (what a scenario about it would mention)."""
    value = catalogue().value(value_id)
    return {_stem(w) for w in words(value.name + " " + value.gloss) if w not in _STOP and len(w) > 3}


def cross_value_duplicate_pairs(dilemmas: Sequence[Dilemma], threshold: float = 0.8) -> list[tuple[str, str, float]]:
    """Pairs of dilemmas for different values whose scenarios, without their values' own words, are
    near-duplicates (TF-IDF cosine >= threshold): the scenario does not depend on the value."""
    import numpy as np

    if len(dilemmas) < 2:
        return []
    masked = []
    for d in dilemmas:
        own = value_words(d.value)
        masked.append(" ".join(w for w in words(d.scenario) if _stem(w) not in own))
    matrix = tfidf_matrix(masked)
    similarity = matrix @ matrix.T
    values = np.array([d.value for d in dilemmas])
    close = np.triu(similarity >= threshold, k=1) & (values[:, None] != values[None, :])
    rows, cols = np.nonzero(close)
    return [(dilemmas[i].id, dilemmas[j].id, float(similarity[i, j])) for i, j in zip(rows, cols)]


def _validity_flags(dilemmas: Sequence[Dilemma], flags: dict[str, list[str]], thresholds: Thresholds) -> None:
    cue = length_cue(dilemmas)
    cross = {i for pair in cross_value_duplicate_pairs(dilemmas, thresholds.near_duplicate) for i in pair[:2]}
    for dilemma in dilemmas:
        found = flags[dilemma.id]
        if not is_second_person(dilemma.scenario):
            found.append(NOT_SECOND_PERSON)
        if word_bound_problems(dilemma):
            found.append(WORD_BOUNDS)
        if dilemma.id in cue.cued:
            found.append(LENGTH_CUE)
        if dilemma.id in cross:
            found.append(CROSS_VALUE_DUPLICATE)


def merged_flags(existing: Iterable[str], quality: list[str]) -> list[str]:
    """Replace the quality flags in ``existing`` with ``quality``, keeping any other flags."""
    kept = [f for f in existing if f not in QUALITY_FLAGS]
    return kept + [f for f in quality if f not in kept]


def refresh_flags(study, thresholds: Thresholds = Thresholds(), *, who: str = "quality") -> dict[str, int]:
    """Recompute quality flags for every dilemma of the study; store those that changed.

    Flags only: the flags are computed from a snapshot, then written through
    ``store.dilemmas.update_flags``, which re-reads each dilemma under the write lock and touches
    nothing but its flags. A decision a reviewer makes meanwhile is never undone. Returns how many
    dilemmas carry each flag.
    """
    from valuegap_tui.store import dilemmas as dilemma_store

    everything = list(dilemma_store.iter_dilemmas(study))
    flags = compute_flags(everything, thresholds)
    stale = [d.id for d in everything if merged_flags(d.flags, flags[d.id]) != d.flags]
    if stale:
        dilemma_store.update_flags(study, stale, lambda current: merged_flags(current.flags, flags[current.id]),
                                   who=who, action="flags")
    return {name: sum(name in f for f in flags.values()) for name in QUALITY_FLAGS}
