"""From a reply to a stored attempt, and from a run's items to the status it ends with.

Shared by the run executor (replies as they come) and the batch import (replies from a file).
"""

from __future__ import annotations

from valuegap_tui.designs.base import LETTERS
from valuegap_tui.evaluate.questions import SCORES, Reading, read_reply
from valuegap_tui.server.replies import cap_text
from valuegap_tui.server.types import AnswerMode, CompletionRecord
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store.db import Study


def option_scores(design, item, question: int, n_options: int) -> tuple[int | None, ...]:
    """The score of each option shown, in canonical order; None for an option beyond the design's own
    (the abstain protocol's "none of these"): choosing it is an abstention, never scored."""
    own = design.option_count(item, question)
    return tuple(design.choice_score(item, question, c) if c < own else None for c in range(n_options))


def score_attempt(item: run_store.ItemRow, record: CompletionRecord, attempt: int, shown: list[str],
                  max_attempts: int, mode=AnswerMode.TEXT, min_coverage: float = 0.0,
                  scores=SCORES) -> run_store.Attempt:
    """Turn a reply into a stored attempt: letter -> option through the permutation -> score
    (``scores[choice]``, from the study's design).

    Any reply shape gives an attempt: a reply the reader cannot handle is kept as malformed."""
    text = record.text
    if (type(text) is str and len(text) == 1 and record.error is None and not record.malformed
            and record.reasoning is None and mode == AnswerMode.TEXT):
        # the usual reply to max_tokens=1, one of the letters shown: the attempt read_scored_attempt
        # gives, without a Reading and the text caps a one-letter reply does not need
        # (tests/test_run_fast_paths.py compares the two)
        position = LETTERS.find(text, 0, len(shown))
        if position >= 0:
            choice = int(item.permutation[position])
            score = scores[choice]
            # positional, in the dataclass's field order (half the cost of keywords at 21 fields)
            return run_store.Attempt(
                item.id, attempt, "abstained" if choice < len(scores) and score is None else "valid", "answered",
                LETTERS[position], position, choice, score, text, None, None, None, record.latency_s,
                record.prompt_tokens, record.completion_tokens, record.finish_reason, None, record.error_kind,
                record.endpoint, record.text_dropped + 0, record.reasoning_dropped + 0)
    return read_scored_attempt(item, record, attempt, shown, max_attempts, mode, min_coverage, scores)


def read_scored_attempt(item: run_store.ItemRow, record: CompletionRecord, attempt: int, shown: list[str],
                        max_attempts: int, mode=AnswerMode.TEXT, min_coverage: float = 0.0,
                        scores=SCORES) -> run_store.Attempt:
    """``score_attempt`` through the general reader, for any reply."""
    try:
        reading = read_reply(record, shown, mode, min_coverage)
    except Exception as exc:  # never lose an item to a reply nobody foresaw
        reading = Reading(None, "malformed", reason=f"the reply could not be read: {type(exc).__name__}: {exc}")
    position = reading.position
    choice = int(item.permutation[position]) if position is not None else None
    distribution = None
    if reading.distribution is not None:
        distribution = [0.0] * len(item.permutation)
        for pos, p in enumerate(reading.distribution):
            distribution[int(item.permutation[pos])] = p
    used = attempt - item.attempt_base
    outcome = reading.outcome
    if outcome == "valid" and choice is not None and choice < len(scores) and scores[choice] is None:
        outcome = "abstained"  # an answer, final: the respondent chose not to choose
    if outcome in ("valid", "abstained"):
        status = "answered"
    elif reading.outcome in ("low_coverage", "too_long"):
        # asking again gives the same: the first token's logprobs do not change, and a request too long
        # for the server's context does not fit next time either (`run resume --retry-invalid` after a fix)
        status = "invalid"
    elif used < max_attempts:
        status = "pending"
    else:
        status = "server_error" if reading.outcome == "server_error" else "invalid"
    raw, raw_dropped = cap_text(record.text if isinstance(record.text, str) else None)
    reasoning, reasoning_dropped = cap_text(record.reasoning if isinstance(record.reasoning, str) else None)
    return run_store.Attempt(
        item_id=item.id, attempt=attempt, outcome=outcome, item_status=status,
        letter=LETTERS[position] if position is not None else None, position=position, choice=choice,
        score=scores[choice] if choice is not None else None, raw_text=raw, reasoning=reasoning,
        distribution=distribution, covered_mass=reading.covered_mass, latency_s=record.latency_s,
        prompt_tokens=record.prompt_tokens, completion_tokens=record.completion_tokens,
        finish_reason=record.finish_reason, error=record.error or (reading.reason if position is None else None),
        error_kind=record.error_kind, endpoint=record.endpoint,
        raw_dropped=record.text_dropped + raw_dropped, reasoning_dropped=record.reasoning_dropped + reasoning_dropped,
    )


def settle_status(study: Study, run_id: int, stopped: bool, context_note: str = "") -> tuple[str, str | None]:
    """The status a run ends with, and why: finished, unfinished (server errors left to re-ask, or
    requests too long for the server's context), failed (nothing answered), stopped (items left)."""
    p = progress_store.progress(study, run_id)
    if p.pending and stopped:
        return "stopped", f"stopped with {p.pending} items pending"
    if p.pending:
        return "stopped", f"{p.pending} items pending"
    if p.answered == 0:
        first = progress_store.first_error(study, run_id)
        return "failed", (f"no item was answered: {p.server_error} server errors, {p.too_long} too long for the"
                          f" server's context, {p.invalid} invalid answers (`valuegap run status {run_id}` shows the"
                          " outcomes)" + (f"; the first error: {first}" if first else ""))
    reasons = []
    if p.server_error:
        reasons.append(f"{p.server_error} items got no answer from the server; `valuegap run resume {run_id}` asks"
                       " them again")
    if p.too_long:
        run = run_store.get_run(study, run_id)
        cap = run.definition.token_cap() if run else None
        reasons.append(f"{p.too_long} requests did not fit the server's context (max_tokens {cap} plus the prompt"
                       + (f"; {context_note}" if context_note else "") + "): lower max_tokens in the run definition"
                       f" or start the server with a larger context, then `valuegap run resume {run_id}"
                       " --retry-invalid`")
    if reasons:
        return "unfinished", "; ".join(reasons)
    return "finished", None
