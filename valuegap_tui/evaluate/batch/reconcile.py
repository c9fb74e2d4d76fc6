"""Batch results back into a run: any number of output and error files, of any target's shape, in any
order, partial or duplicated, reconciled by custom_id.

Every file is read and checked before anything is written: a line whose custom_id is not a request of
this run refuses the whole import. Then, per custom_id, an answer wins over an error, and an error over
an expired or canceled request; an answer counts once however many files repeat it. An answered or
errored request becomes the attempt its custom_id names, scored as a live run scores it (an error too
long for the context is ``too_long``, any other error a server error, asked again later); an expired
or canceled one stores nothing and its item stays pending for the next export. A request whose attempt
is already stored (imported before) is skipped: importing twice changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from valuegap_tui.evaluate.attempts import option_scores, score_attempt, settle_status
from valuegap_tui.evaluate.batch.targets import TARGETS, BatchError, Result
from valuegap_tui.evaluate.questions import QuestionTexts
from valuegap_tui.limits import LimitError, open_text, parse_json
from valuegap_tui.settings import current_limits
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.db import Study

#: which result wins when a custom_id comes back more than once
_RANK = {"answered": 3, "errored": 2, "expired": 1, "canceled": 1}


@dataclass
class FileReport:
    """What one file held: answers, errors by the outcome they were stored as, expired and canceled
    requests (left pending), lines another file (or this one) already gave, and attempts stored before."""

    file: str
    lines: int = 0
    answered: int = 0
    #: replies that hold no usable answer, by outcome (conflict, no_letter, ...)
    invalid: Counter = field(default_factory=Counter)
    #: requests that failed, by the outcome they were stored as (server_error, too_long)
    errored: Counter = field(default_factory=Counter)
    expired: int = 0
    canceled: int = 0
    duplicates: int = 0
    already: int = 0

    def line(self) -> str:
        def counts(counter: Counter) -> str:
            return ", ".join(f"{k} {n}" for k, n in sorted(counter.items())) or "0"

        return (f"{self.file}: {self.lines} lines: {self.answered} answered, invalid {counts(self.invalid)},"
                f" errored {counts(self.errored)}, {self.expired}"
                f" expired and {self.canceled} canceled (left pending), {self.duplicates} given twice,"
                f" {self.already} stored before")


@dataclass
class ImportReport:
    files: list[FileReport]
    imported: int
    pending: int
    status: str

    def __getitem__(self, key: str) -> int:  # the old report's keys, for scripts that read them
        return {"imported": self.imported, "pending": self.pending,
                "skipped": sum(f.duplicates + f.already for f in self.files)}[key]


def _parse_id(custom_id: str, run_id: int) -> tuple[int, int] | None:
    prefix, _, rest = custom_id.partition("-item")
    item, _, attempt = rest.partition("-attempt")
    if prefix != f"run{run_id}" or not item.isdigit() or not attempt.isdigit():
        return None
    return int(item), int(attempt)


def _results(path: Path, run_id: int, items: dict) -> list[tuple[int, Result]]:
    """Every result of one file with its line number; BatchError (nothing written) on anything else."""
    limits = current_limits()
    found, number = [], 0
    try:
        with open_text(path, limits) as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    line = parse_json(text, limits, allow_nul=True)  # a reply is kept exactly as it came
                except ValueError as exc:
                    raise BatchError(f"{path}:{number}: {exc}") from None
                if not isinstance(line, dict):
                    raise BatchError(f"{path}:{number}: expected a JSON object per line")
                result = None
                for target in (TARGETS["openai"], TARGETS["anthropic"]):
                    try:
                        result = target.read_result(line)
                    except BatchError as exc:
                        raise BatchError(f"{path}:{number}: {exc}") from None
                    except (AttributeError, TypeError, KeyError, IndexError, ValueError):
                        raise BatchError(f"{path}:{number}: not shaped like a batch result line") from None
                    if result is not None:
                        break
                if result is None:
                    raise BatchError(f"{path}:{number}: not a batch result line (no response, error or result)")
                parsed = _parse_id(result.custom_id, run_id)
                if parsed is None or parsed[0] not in items:
                    raise BatchError(f"{path}:{number}: custom_id {result.custom_id!r} is not a request of run"
                                     f" {run_id}: import the results of this run's export only")
                found.append((number, result))
    except UnicodeDecodeError:
        raise BatchError(f"{path}:{number + 1}: not UTF-8 text: is this a batch result file?") from None
    except LimitError as exc:
        raise BatchError(f"{path}: {exc}") from None
    except OSError as exc:
        raise BatchError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    return found


def import_batch(study: Study, run_id: int, paths: list[Path | str] | Path | str) -> ImportReport:
    """Reconcile the result files into the run (module docstring); returns what each file held."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    run = run_store.get_run(study, run_id)
    if run is None:
        raise BatchError(f"no run {run_id}")
    items = {i.id: i for i in run_store.all_items(study, run_id)}
    per_file = [(Path(p), _results(Path(p), run_id, items)) for p in paths]  # all read before any is stored
    best: dict[str, tuple[Result, FileReport]] = {}
    reports = []
    for path, results in per_file:
        report = FileReport(path.name)
        reports.append(report)
        for _number, result in results:
            report.lines += 1
            held = best.get(result.custom_id)
            if held is not None and _RANK[held[0].kind] >= _RANK[result.kind]:
                report.duplicates += 1
                continue
            if held is not None:
                held[1].duplicates += 1  # a better result for the same request came later
            best[result.custom_id] = (result, report)
    statuses = progress_store.item_statuses(study, run_id)
    questions = QuestionTexts(run_store.dilemmas_of(study, run_id), _design_of(run))
    definition, attempts = run.definition, []
    for cid, (result, report) in best.items():
        item_id, attempt = _parse_id(cid, run_id)
        item = items[item_id]
        if result.kind in ("expired", "canceled"):
            setattr(report, result.kind, getattr(report, result.kind) + 1)
            continue
        if statuses[item_id] == "answered" or attempt != item.attempts + 1:
            report.already += 1
            continue
        _prompt, shown = questions.question(item.dilemma_id, item.question, item.permutation, item.protocol)
        stored = score_attempt(item, result.record, attempt, shown, definition.max_attempts, definition.answer_mode,
                               definition.min_coverage, _scores(run, questions, item, len(shown)))
        attempts.append(stored)
        if stored.outcome in ("valid", "abstained"):
            report.answered += 1
        elif result.kind == "answered":
            report.invalid[stored.outcome] += 1
        else:
            report.errored[stored.outcome] += 1
    attempts.sort(key=lambda a: a.item_id)
    run_store.record_attempts(study, run_id, attempts)
    status, reason = settle_status(study, run_id, stopped=False)
    run_store.set_status(study, run_id, status, reason)
    return ImportReport(reports, len(attempts), progress_store.progress(study, run_id).pending, status)


def _design_of(run):
    from valuegap_tui.designs import get_design

    return get_design(run.design)


def _scores(run, questions: QuestionTexts, item, n_options: int) -> tuple[int, ...]:
    return option_scores(questions.design, questions.dilemmas[item.dilemma_id], item.question, n_options)
