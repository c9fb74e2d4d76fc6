"""Quality flags for a set of dilemmas: near-duplicate scenarios, look-alike actions, label words
in the text, and the value not visibly at stake. Flags are hints for review, never verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from valuegap_tui.catalogue import catalogue
from valuegap_tui.models import Dilemma

NEAR_DUPLICATE = "near_duplicate"
SIMILAR_ACTIONS = "similar_actions"
LABEL_LEAK = "label_leak"
VALUE_ABSENT = "value_absent"
QUALITY_FLAGS = (NEAR_DUPLICATE, SIMILAR_ACTIONS, LABEL_LEAK, VALUE_ABSENT)

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
    return flags


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
