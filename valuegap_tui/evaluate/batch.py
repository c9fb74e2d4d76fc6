"""Offline answering: write pending items as an OpenAI batch file (`vllm run-batch` reads it) and
load the batch output back into the run as ordinary attempts."""

from __future__ import annotations

import json
from pathlib import Path

from valuegap_tui.evaluate.clients import pool_for
from valuegap_tui.evaluate.attempts import score_attempt, settle_status
from valuegap_tui.evaluate.questions import build_request, option_texts, user_message
from valuegap_tui.limits import LimitError, open_text, parse_json
from valuegap_tui.server.replies import fill_record
from valuegap_tui.server.transports import TransportError
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.settings import current_limits
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store.db import Study


class BatchError(ValueError):
    pass


def _custom_id(run_id: int, item: run_store.ItemRow) -> str:
    return f"run{run_id}-item{item.id}-attempt{item.attempts + 1}"


#: what export-batch writes: items still to ask and items whose requests failed on the server
EXPORTED = ("pending", "server_error")


def export_batch(study: Study, run_id: int, path: Path | str, *, retry_invalid: bool = False) -> int:
    """Write one request line per pending or server-error item (and invalid ones with
    ``retry_invalid``); returns how many."""
    statuses = EXPORTED + (("invalid",) if retry_invalid else ())
    run = run_store.get_run(study, run_id)
    if run is None:
        raise BatchError(f"no run {run_id}")
    definition = run.definition
    personas, dilemmas = run_store.personas_of(study, run_id), run_store.dilemmas_of(study, run_id)
    pools = {m.name: pool_for(m) for m in definition.models}
    count, after = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        while rows := run_store.pending_items(study, run_id, after_id=after, limit=5000, statuses=statuses):
            after = rows[-1].id
            for item in rows:
                dilemma = dilemmas[item.dilemma_id]
                request = build_request(definition, personas[item.persona_id].system_text,
                                        user_message(dilemma, item.question, item.permutation),
                                        seed=(definition.seed * 1_000_003 + item.id * 31 + item.attempts + 1) % 2**31)
                body = pools[item.model].build_body(request, item.model)
                out.write(json.dumps({"custom_id": _custom_id(run_id, item), "method": "POST",
                                      "url": "/v1/chat/completions", "body": body}, ensure_ascii=False) + "\n")
                count += 1
    return count


def _record(line: dict) -> CompletionRecord:
    response, error = line.get("response"), line.get("error")
    if error:
        return CompletionRecord(error=str(error.get("message", error) if isinstance(error, dict) else error),
                                error_kind="batch")
    response = response if isinstance(response, dict) else {}
    status = response.get("status_code", 200)
    if status != 200:
        return CompletionRecord(error=f"batch status {status}", error_kind="batch")
    record = CompletionRecord(endpoint="batch")
    try:
        fill_record(record, response.get("body"), unwrap=True)
    except TransportError as exc:
        record.error, record.error_kind = str(exc), exc.kind
    return record


def _batch_lines(path: Path | str):
    """Each non-blank line of a batch output file as a JSON object, with its line number."""
    number = 0
    limits = current_limits()
    try:
        with open_text(Path(path), limits) as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    line = parse_json(text, limits, allow_nul=True)  # a reply is kept exactly as it came
                except ValueError as exc:
                    raise BatchError(f"{path}:{number}: {exc}") from None
                if not isinstance(line, dict):
                    raise BatchError(f"{path}:{number}: expected a JSON object per line")
                yield number, line
    except UnicodeDecodeError:
        raise BatchError(f"{path}:{number + 1}: not UTF-8 text: is this a batch output file?") from None
    except LimitError as exc:
        raise BatchError(f"{path}: {exc}") from None


def import_batch(study: Study, run_id: int, path: Path | str) -> dict[str, int]:
    """Store each output line as the attempt its custom_id names; lines for items already
    finished or attempts already stored are skipped (importing twice changes nothing)."""
    run = run_store.get_run(study, run_id)
    if run is None:
        raise BatchError(f"no run {run_id}")
    items = {i.id: i for i in run_store.all_items(study, run_id)}
    statuses = progress_store.item_statuses(study, run_id)
    dilemmas = run_store.dilemmas_of(study, run_id)
    attempts, skipped = [], 0
    for number, line in _batch_lines(path):
        try:
            prefix, item_part, attempt_part = line["custom_id"].split("-")
            item_id, attempt = int(item_part.removeprefix("item")), int(attempt_part.removeprefix("attempt"))
        except (ValueError, KeyError, AttributeError, TypeError):
            raise BatchError(f"{path}:{number}: not a batch output line for this run (custom_id)") from None
        if prefix != f"run{run_id}" or item_id not in items:
            raise BatchError(f"{path}:{number}: custom_id {line['custom_id']!r} is not from run {run_id}")
        item = items[item_id]
        if statuses[item_id] == "answered" or attempt != item.attempts + 1:
            skipped += 1
            continue
        texts = option_texts(dilemmas[item.dilemma_id], item.question)
        shown = [texts[int(o)] for o in item.permutation]
        try:
            record = _record(line)
        except (AttributeError, TypeError, KeyError, IndexError):
            raise BatchError(f"{path}:{number}: response is not shaped like an OpenAI batch output") from None
        attempts.append(score_attempt(item, record, attempt, shown, run.definition.max_attempts,
                                      run.definition.answer_mode, run.definition.min_coverage))
    run_store.record_attempts(study, run_id, attempts)
    status, reason = settle_status(study, run_id, stopped=False)
    run_store.set_status(study, run_id, status, reason)
    return {"imported": len(attempts), "skipped": skipped, "pending": progress_store.progress(study, run_id).pending}
