"""A run's plan kept in the study as arrays (``run_plan_copies``, store/schema/v026_plan_copies.py), so
every process after the first reads it as one row instead of joining the run's items with its
conditions and dilemmas (at a million items the joins take about 1 s of SQLite's time).

A copy is used as the plan only while its *key* is the run's current one, or, where the key says that
only items were added since (no plan edit), as the start of the plan, the added items read alone and
joined to it (``store/answer_frame.py``). The key names everything the plan is read
from: the reading's own version (the codes' format, the protocols and the value types it maps, given by
the caller), the run's created_at (a study made again at the same path), how many items the run holds
(items are only ever added, each with a new id: read from the counts the writes keep, v025) and how
many plan edits the triggers of v026 have counted (an item deleted or moved, a condition's or dilemma's
snapshot, the definition or a respondent changed). A copy is written only if the key is still the one
the plan was read under, checked inside the writing transaction. A study that cannot be written (read-only,
locked by another process's write, full) keeps no copy and loses nothing: the plan is read from the
items, as without one.
"""

from __future__ import annotations

import json

import numpy as np

from valuegap_tui.store.db import Study, now_iso
from valuegap_tui.store.failures import DatabaseError, StudyError

#: how long writing a copy waits for another process's write lock before it gives up (the copy is a
#: saving, never worth a wait: the next load tries again)
SAVE_WAIT_MS = 100
_KEY_SQL = ("SELECT created_at, (SELECT coalesce(sum(n), 0) FROM run_item_counts WHERE run_id = ?1),"
            " (SELECT coalesce(max(n), 0) FROM run_plan_edits WHERE run_id = ?1) FROM runs WHERE id = ?1")


def current_key(study: Study, run_id: int, version: str) -> str | None:
    """The state of the run's plan as a short string (see the module's docstring); None: no such run."""
    row = study.db.execute(_KEY_SQL, [run_id]).fetchone()
    return None if row is None else f"{version}|{row[0]}|{row[1]}|{row[2]}"


def same_run(key: str | None, other: str | None) -> bool:
    """Whether two keys name the same run of the same study, read the same way (whatever its items)."""
    return key is not None and other is not None and key.split("|")[:2] == other.split("|")[:2]


def item_count(key: str) -> int:
    """How many items the run held under ``key``."""
    return int(key.split("|")[2])


def grown_only(old: str | None, new: str | None) -> bool:
    """Whether the plan under ``new`` is the one under ``old`` with items added after it and nothing else
    changed (the same run, read the same way, no plan edit since)."""
    if not same_run(old, new):
        return False
    old_parts, new_parts = old.split("|"), new.split("|")
    return old_parts[3] == new_parts[3] and int(new_parts[2]) > int(old_parts[2])


def _smallest(column: np.ndarray) -> np.dtype:
    """The narrowest integer type that holds every value of ``column`` (the copy stays small)."""
    if column.size == 0:
        return column.dtype
    low, high = int(column.min()), int(column.max())
    for candidate in (np.int8, np.int16, np.int32):
        info = np.iinfo(candidate)
        if info.min <= low and high <= info.max:
            return np.dtype(candidate)
    return np.dtype(np.int64)


def kept_key(study: Study, run_id: int) -> str | None:
    """The key the run's copy was kept under; None when none is kept."""
    row = study.db.execute("SELECT key FROM run_plan_copies WHERE run_id = ?", [run_id]).fetchone()
    return row[0] if row else None


def kept(study: Study, run_id: int, key: str) -> bool:
    """Whether a copy is kept under ``key``."""
    return study.db.execute("SELECT 1 FROM run_plan_copies WHERE run_id = ? AND key = ?", [run_id, key]).fetchone() \
        is not None


def load(study: Study, run_id: int) -> tuple[str, int, int, int, dict[str, np.ndarray],
                                             dict[str, tuple[str, ...]]] | None:
    """(key, first item id, last item id, item count, columns, labels) of the run's kept copy, whatever its
    key (the caller compares it with the current one); None when there is none (or it cannot be read back
    whole)."""
    row = study.db.execute("SELECT key, first_id, last_id, count, labels_json, columns_json, data"
                           " FROM run_plan_copies WHERE run_id = ?", [run_id]).fetchone()
    if row is None:
        return None
    key, first_id, last_id, count, labels_json, columns_json, data = row
    try:
        columns = {name: np.frombuffer(data, dtype=stored, count=count, offset=offset).astype(dtype)
                   for name, dtype, stored, offset in json.loads(columns_json)}
        labels = {name: tuple(values) for name, values in json.loads(labels_json).items()}
    except (ValueError, TypeError):  # a copy cut short or not of this shape: read the plan instead
        return None
    return key, first_id, last_id, count, columns, labels


def save(study: Study, run_id: int, key: str, first_id: int, last_id: int, count: int,
         columns: dict[str, np.ndarray], labels: dict[str, tuple[str, ...]]) -> bool:
    """Keep the plan read under ``key``, if that is still the run's plan; False when it is not kept (the
    plan changed meanwhile, or the study cannot be written now)."""
    if study.read_only:
        return False
    layout, parts, offset = [], [], 0
    for name, column in columns.items():
        if len(column) != count:
            raise ValueError(f"the plan's {name} column holds {len(column)} items, not {count}")
        packed = column.astype(_smallest(column)).tobytes()
        layout.append((name, column.dtype.str, _smallest(column).str, offset))
        parts.append(packed)
        offset += len(packed)
    version = key.partition("|")[0]
    conn = study.db.conn
    conn.execute(f"PRAGMA busy_timeout={SAVE_WAIT_MS}")
    try:
        with study.transaction() as db:
            if current_key(study, run_id, version) != key:
                return False
            db.execute("INSERT OR REPLACE INTO run_plan_copies (run_id, key, first_id, last_id, count,"
                       " labels_json, columns_json, data, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [run_id, key, first_id, last_id, count, json.dumps(labels, ensure_ascii=False),
                        json.dumps(layout), b"".join(parts), now_iso()])
        return True
    except (DatabaseError, StudyError):
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout={int(study.busy_timeout_s * 1000)}")


def forget(study: Study, run_id: int | None = None) -> None:
    """Drop the kept plans (of one run, or all)."""
    with study.transaction() as db:
        if run_id is None:
            db.execute("DELETE FROM run_plan_copies")
        else:
            db.execute("DELETE FROM run_plan_copies WHERE run_id = ?", [run_id])
