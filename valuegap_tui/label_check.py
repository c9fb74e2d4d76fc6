"""Second opinion on a dilemma's labels: a model orders the six actions, unlabelled and shuffled.

Per dilemma we store the model's order, its Spearman rank correlation with the current labels, and the
number of sign errors (an action labelled aligning that the model puts in the opposing half). A dilemma
is doubtful, and gets the "label_doubt" flag, when the correlation is low or any sign is wrong.
"""

from __future__ import annotations

import asyncio
import json
import random
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from valuegap_tui.catalogue import catalogue
from valuegap_tui.models import Dilemma
from valuegap_tui.paths import PROMPTS_DIR
from valuegap_tui.server.types import ChatClient, ChatRequest
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import review as review_store
from valuegap_tui.store.db import Study, now_iso

FLAG = "label_doubt"
TEMPLATE = "label_check.txt"
MIN_SPEARMAN = 0.6
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


def shown_order(dilemma: Dilemma, seed: int = 0) -> list[int]:
    """Option positions in the order shown as A-F: shuffled, stable per dilemma and seed."""
    order = list(range(len(dilemma.options)))
    random.Random(f"{seed}:{dilemma.id}").shuffle(order)
    return order


def build_request(dilemma: Dilemma, seed: int = 0) -> tuple[ChatRequest, list[int]]:
    order = shown_order(dilemma, seed)
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


def score(dilemma: Dilemma, model_order: list[int], *, model: str) -> review_store.LabelCheck:
    by_labels = label_order(dilemma)
    half = len(model_order) // 2
    judged_opposing = set(model_order[half:])
    sign_errors = sum(1 for pos in judged_opposing if dilemma.options[pos].label.aligning)
    rho = spearman(by_labels, model_order)
    return review_store.LabelCheck(
        dilemma_id=dilemma.id, model=model, at=now_iso(), model_order=tuple(model_order),
        label_order=tuple(by_labels), spearman=rho, sign_errors=sign_errors,
        doubtful=rho < MIN_SPEARMAN or sign_errors > 0,
    )


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
    progress: Callable[[CheckOutcome], None] | None = None,
) -> list[CheckOutcome]:
    """Ask for every dilemma's ordering, store each result as it arrives; errors are reported, not stored."""
    gate = asyncio.Semaphore(concurrency)
    model_name = model or getattr(client, "model", None) or "model"

    async def one(dilemma: Dilemma) -> CheckOutcome:
        request, order = build_request(dilemma, seed)
        async with gate:
            record = await client.complete(request, model=model)
        try:
            if not record.ok:
                raise LabelCheckError(record.error or "request failed")
            letters = parse_ranking(record.text)
        except LabelCheckError as exc:
            outcome = CheckOutcome(dilemma.id, None, str(exc))
        else:
            check = score(dilemma, [order[LETTERS.index(letter)] for letter in letters], model=str(record.model or model_name))
            # The writes are quick; a thread keeps the event loop (and the TUI) responsive.
            await asyncio.to_thread(_set_flag, study, check, "label-check")
            outcome = CheckOutcome(dilemma.id, check)
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
