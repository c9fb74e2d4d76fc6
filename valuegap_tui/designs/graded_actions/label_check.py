"""Second opinion on a dilemma's labels: a model orders the six actions, unlabelled, several times.

Each judgement shows the actions in a fresh shuffle, so position bias and one unlucky reply average
out. For every adjacent pair of labels (strongly/moderately aligning, moderately/mildly aligning, ...)
the share of judgements that put the pair in the labelled order is that pair's confidence; a label's
confidence is the lower of its two pairs'. A dilemma is doubtful, and gets the "label_doubt" flag,
when a majority of judgements reverses an adjacent labelled pair. The check then suggests labels from
the consensus order (actions by mean judged place) and names the labels it doubts; only a reviewer
applies the suggestion.
"""

from __future__ import annotations

import asyncio
import json
import random
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from valuegap_tui.catalogue import catalogue
from valuegap_tui.designs.graded_actions.models import AlignmentLabel, Dilemma
from valuegap_tui.paths import PROMPTS_DIR
from valuegap_tui.server.types import ChatClient, ChatRequest
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import review as review_store
from valuegap_tui.store.db import Study, now_iso

FLAG = "label_doubt"
TEMPLATE = "label_check.txt"
#: judgements per dilemma; bench/label_check_quality.py measures the error rates for 1, 3, 5, 7 and 9
DEFAULT_JUDGEMENTS = 5
#: an adjacent labelled pair is doubted when fewer than this share of judgements keep its order
MIN_PAIR_CONFIDENCE = 0.5
LETTERS = string.ascii_uppercase[:6]
RESPONSE_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "action_ranking",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "ranking": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(LETTERS)},
                    "minItems": 6,
                    "maxItems": 6,
                }
            },
            "required": ["ranking"],
            "additionalProperties": False,
        },
    },
}


class LabelCheckError(ValueError):
    """The model's reply is not a usable ranking."""


@dataclass(frozen=True)
class CheckOutcome:
    dilemma_id: str
    check: review_store.LabelCheck | None
    error: str | None = None


def shown_order(dilemma: Dilemma, seed: int = 0, judgement: int = 0) -> list[int]:
    """Option positions in the order shown as A-F: shuffled afresh per judgement, stable per dilemma and seed."""
    order = list(range(len(dilemma.options)))
    key = f"{seed}:{dilemma.id}" if judgement == 0 else f"{seed}:{judgement}:{dilemma.id}"
    random.Random(key).shuffle(order)
    return order


def build_request(dilemma: Dilemma, seed: int = 0, judgement: int = 0) -> tuple[ChatRequest, list[int]]:
    order = shown_order(dilemma, seed, judgement)
    value = catalogue().value(dilemma.value)
    options = "\n".join(f"{LETTERS[i]}. {dilemma.options[pos].text}" for i, pos in enumerate(order))
    template = string.Template((PROMPTS_DIR / TEMPLATE).read_text(encoding="utf-8"))
    prompt = template.safe_substitute(
        scenario=dilemma.scenario, value_name=value.name, value_gloss=value.gloss, options=options
    )
    request = ChatRequest(
        messages=[{"role": "user", "content": prompt}], temperature=0.0, response_format=RESPONSE_FORMAT,
        tag=dilemma.id,
    )
    return request, order


def parse_ranking(text: str | None) -> list[str]:
    """Six distinct letters A-F from {"ranking": [...]}; raises LabelCheckError saying what is wrong."""
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError:
        raise LabelCheckError(f"reply is not JSON: {(text or '')[:80]!r}") from None
    ranking = data.get("ranking") if isinstance(data, dict) else None
    if not isinstance(ranking, list):
        raise LabelCheckError("reply has no 'ranking' list")
    letters = [str(x).strip().upper() for x in ranking]
    if sorted(letters) != list(LETTERS):
        raise LabelCheckError(f"ranking must hold the six letters A-F once each, got {letters}")
    return letters


def spearman(order_a: list[int], order_b: list[int]) -> float:
    """Rank correlation between two orderings of the same items (no ties)."""
    n = len(order_a)
    rank_b = {item: i for i, item in enumerate(order_b)}
    d2 = sum((i - rank_b[item]) ** 2 for i, item in enumerate(order_a))
    return 1.0 - 6.0 * d2 / (n * (n * n - 1))


def label_order(dilemma: Dilemma) -> list[int]:
    return sorted(range(len(dilemma.options)), key=lambda pos: dilemma.options[pos].label.rank)


def sign_errors(dilemma: Dilemma, order: list[int] | tuple[int, ...]) -> int:
    """Actions labelled aligning that ``order`` puts in its opposing half."""
    return sum(1 for pos in order[len(order) // 2:] if dilemma.options[pos].label.aligning)


def consensus_order(dilemma: Dilemma, judged: list[list[int]]) -> list[int]:
    """Option positions by mean judged place (a Borda count), ties kept in label order."""
    place = [0.0] * len(dilemma.options)
    for order in judged:
        for i, pos in enumerate(order):
            place[pos] += i / len(judged)
    return sorted(range(len(place)), key=lambda pos: (place[pos], dilemma.options[pos].label.rank))


def pair_confidence(label_positions: list[int], judged: list[list[int]]) -> list[float]:
    """For each adjacent labelled pair, the share of judgements that put its upper action first."""
    places = [{pos: i for i, pos in enumerate(order)} for order in judged]
    return [sum(p[a] < p[b] for p in places) / len(places) for a, b in zip(label_positions, label_positions[1:])]


def label_confidence(check: review_store.LabelCheck) -> dict[int, float]:
    """option position -> confidence of its label: the lower confidence of the pairs it belongs to."""
    found: dict[int, float] = {}
    for i, confidence in enumerate(check.pair_confidence):
        for pos in check.label_order[i: i + 2]:
            found[pos] = min(found.get(pos, 1.0), confidence)
    return found


def score(dilemma: Dilemma, judged: list[list[int]], *, model: str) -> review_store.LabelCheck:
    """Combine the judged orders into one check: consensus, pair confidences, verdict and suggested fix."""
    if not judged:
        raise LabelCheckError("no judgement to score")
    by_labels = label_order(dilemma)
    consensus = consensus_order(dilemma, judged)
    confidence = pair_confidence(by_labels, judged)
    errors = sign_errors(dilemma, consensus)
    reversed_pairs = [i for i, c in enumerate(confidence) if c < MIN_PAIR_CONFIDENCE]
    doubtful = bool(reversed_pairs)
    suggested, suspects = None, ()
    if doubtful:
        target = list(consensus)
        if target == by_labels:  # the majority reverses a pair that the mean places do not: swap that pair
            i = min(reversed_pairs, key=lambda k: confidence[k])
            target[i], target[i + 1] = target[i + 1], target[i]
        labels = [None] * len(target)
        for rank, pos in enumerate(target):
            labels[pos] = AlignmentLabel.ordered()[rank].value
        suggested = tuple(labels)
        suspects = tuple(pos for pos in range(len(labels)) if labels[pos] != dilemma.options[pos].label.value)
    return review_store.LabelCheck(
        dilemma_id=dilemma.id, model=model, at=now_iso(), model_order=tuple(consensus),
        label_order=tuple(by_labels), spearman=spearman(by_labels, consensus), sign_errors=errors,
        doubtful=doubtful, judgements=len(judged), judged_orders=tuple(tuple(o) for o in judged),
        pair_confidence=tuple(confidence), suggested_labels=suggested, suspects=suspects,
    )


def label_name(label: AlignmentLabel | str) -> str:
    return AlignmentLabel(label).value.replace("_", " ")


def describe_fix(dilemma: Dilemma, suggested: tuple[str, ...] | None) -> str:
    """The suggested fix in words: a swap of two labels when that is all it is, else each relabel."""
    if not suggested:
        return "no fix suggested"
    changed = [pos for pos, label in enumerate(suggested) if label != dilemma.options[pos].label.value]
    if not changed:
        return "the labels already match the suggestion"
    if len(changed) == 2:
        a, b = changed
        if suggested[a] == dilemma.options[b].label.value and suggested[b] == dilemma.options[a].label.value:
            return (f"swap {label_name(dilemma.options[a].label)} (action {a + 1}) and "
                    f"{label_name(dilemma.options[b].label)} (action {b + 1})")
    parts = [f"action {pos + 1} {label_name(dilemma.options[pos].label)} -> {label_name(suggested[pos])}"
             for pos in changed]
    return "relabel to the consensus order: " + ", ".join(parts)


def fix_applies(dilemma: Dilemma, check: review_store.LabelCheck | None) -> bool:
    """Whether the check's suggestion is for the labels the dilemma has now (not changed since)."""
    return bool(check and check.suggested_labels and tuple(label_order(dilemma)) == check.label_order)


def _set_flag(study: Study, check: review_store.LabelCheck, who: str) -> None:
    # Flags only, read afresh under the write lock: the check never touches a reviewer's decision.
    with study.transaction():
        review_store.save_label_check(study, check)
        dilemma_store.update_flags(
            study, [check.dilemma_id],
            lambda current: [f for f in current.flags if f != FLAG] + ([FLAG] if check.doubtful else []),
            who=who, action="label-check",
        )


async def check_dilemmas(
    study: Study,
    client: ChatClient,
    dilemmas: Iterable[Dilemma],
    *,
    model: str | None = None,
    concurrency: int = 8,
    seed: int = 0,
    judgements: int = DEFAULT_JUDGEMENTS,
    progress: Callable[[CheckOutcome], None] | None = None,
) -> list[CheckOutcome]:
    """Ask for ``judgements`` orderings of every dilemma and store the combined check as each completes.

    A dilemma is scored on the judgements that came back valid (the count is stored); when none did,
    the errors are reported and nothing is stored.
    """
    if judgements < 1:
        raise ValueError("judgements must be at least 1")
    gate = asyncio.Semaphore(concurrency)
    model_name = model or getattr(client, "model", None) or "model"

    async def judge(dilemma: Dilemma, k: int) -> tuple[list[int] | None, str | None, str | None]:
        request, order = build_request(dilemma, seed, k)
        async with gate:
            record = await client.complete(request, model=model)
        try:
            if not record.ok:
                raise LabelCheckError(record.error or "request failed")
            letters = parse_ranking(record.text)
        except LabelCheckError as exc:
            return None, str(exc), None
        return [order[LETTERS.index(letter)] for letter in letters], None, record.model

    async def one(dilemma: Dilemma) -> CheckOutcome:
        replies = await asyncio.gather(*(judge(dilemma, k) for k in range(judgements)))
        judged = [order for order, _error, _model in replies if order is not None]
        errors = [error for _order, error, _model in replies if error]
        served = next((m for _o, _e, m in replies if m), None)
        if not judged:
            outcome = CheckOutcome(dilemma.id, None, errors[0])
        else:
            check = score(dilemma, judged, model=str(served or model_name))
            # The writes are quick; a thread keeps the event loop (and the TUI) responsive.
            await asyncio.to_thread(_set_flag, study, check, "label-check")
            partial = f"{len(errors)} of {judgements} judgements failed: {errors[0]}" if errors else None
            outcome = CheckOutcome(dilemma.id, check, partial)
        if progress:
            progress(outcome)
        return outcome

    return list(await asyncio.gather(*(one(d) for d in dilemmas)))


def format_orderings(dilemma: Dilemma, check: review_store.LabelCheck, width: int = 40) -> list[tuple[str, str]]:
    """(by labels, by model) pairs of short action texts, most aligning first."""
    def short(pos: int) -> str:
        text = " ".join(dilemma.options[pos].text.split())
        return f"{pos + 1}. {text[: width - 4]}"

    return [(short(a), short(b)) for a, b in zip(check.label_order, check.model_order)]


def make_client(*, server: str | None = None, base_url: str | None = None, model: str | None = None, concurrency: int = 8):
    """The shared client for a server profile (or a base URL); ValueError saying why when none is configured."""
    from valuegap_tui.server.client import build_client
    from valuegap_tui.server.profiles import get_profile

    profile = None if base_url else get_profile(server)
    return build_client(profile, base_url=base_url, model=model, concurrency=concurrency)
