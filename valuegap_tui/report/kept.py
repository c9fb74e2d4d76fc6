"""Results kept per run's answers (store/results_cache.py), shared by the Results screen and the report:
what one computed, the other reads while the run's answers stay the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from valuegap_tui.metrics import results_record
from valuegap_tui.metrics.summary import Results
from valuegap_tui.store import DatabaseError, StudyError
from valuegap_tui.store import results_cache

T = TypeVar("T")

#: ``model`` in a key: every model of the run (the report), or the one a screen opens on by itself
EVERY_MODEL, FIRST_MODEL = "*every*", "*first*"


def options_key(model: str, topic: str | None, aggregate: str, expected: bool | None) -> str:
    """What results were computed for, as the cache's key: the layout's version and valuegap's own are in
    it, so results kept by another version (whose metrics may compute otherwise) are computed again."""
    from valuegap_tui import __version__

    return f"v{results_record.FORMAT}|{__version__}|{model}|{topic or ''}|{aggregate}|{expected}"


def kept(study, run_id: int, options: str, stage: str, state: str) -> Results | None:
    """Results kept for this run's answers in ``state``, or None (none kept, another layout, unreadable)."""
    found = kept_text(study, run_id, options, stage, state)
    return None if found is None else found[0]


def kept_text(study, run_id: int, options: str, stage: str, state: str) -> tuple[Results, str] | None:
    """``kept``, with the text the results were read from (what their kept figures are keyed on)."""
    return read_kept(study, run_id, options, stage, state, lambda text: (results_record.from_text(text), text))


def read_kept(study, run_id: int, options: str, stage: str, state: str, read: Callable[[str], T]) -> T | None:
    """``read`` of the text kept under these options for the answers in ``state``; None where none is kept
    or it cannot be read (kept by another version, a study that cannot be read): the caller computes."""
    try:
        text = results_cache.load(study, run_id, options, stage, state)
        return read(text) if text is not None else None
    except (DatabaseError, StudyError, ValueError, KeyError, TypeError):
        return None


def keep(study, run_id: int, options: str, stage: str, state: str, results: Results) -> None:
    """Keep ``results`` for the next time (nothing happens where the study cannot be written)."""
    keep_text(study, run_id, options, stage, state, results)


def keep_text(study, run_id: int, options: str, stage: str, state: str, results: Results) -> str:
    """``keep``, returning the text kept (written whether or not the study could keep it)."""
    text = results_record.to_text(results)
    results_cache.save(study, run_id, options, stage, state, text)
    return text
