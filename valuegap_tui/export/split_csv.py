"""A large CSV export written by two processes at once: this one writes the first stretch of the rows,
a second process (``python -m valuegap_tui.export.split_csv``, a fresh interpreter with its own
connection to the study) the rest into a part file, which is then appended. The file is byte for byte
the one a single process writes: a row's line does not depend on the rows before it (a head shared
across the cut is encoded again, to the same text).

Both processes must read the same answers: each reads inside its own snapshot, and the second one
checks that the runs' answers are in the state this one's snapshot saw (``results_cache.fingerprint``:
it changes with every new answer, retry, item or respondent). Where they differ (a run wrote between
the two snapshots), or the second process fails, this process writes the second stretch itself, and the
file is still the rows of its one snapshot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from valuegap_tui.export.rows import stretch_parts
from valuegap_tui.export.writers import write_csv
from valuegap_tui.processes import cores, stop_child
from valuegap_tui.store import Study
from valuegap_tui.store import answers as answer_store
from valuegap_tui.store.results_cache import fingerprint

#: items (about as many rows) below which one process writes the whole file: starting the second costs
#: about 0.3 s, and half of a small export takes less
SPLIT_FROM = 200_000
#: the second process's share of the items: it starts later (a fresh interpreter and its imports), and this
#: one hashes the whole file and writes the dictionary after
SECOND_SHARE = 0.5

Stretch = tuple[int, int | None, int | None]


def split(study: Study, run_ids: list[int], share: float = SECOND_SHARE) -> tuple[list[Stretch], list[Stretch]]:
    """The runs' items as two stretches in export order, the second about ``share`` of the items
    (counted by their ids' span: a run's item ids follow its plan)."""
    spans = [(run_id, span) for run_id in run_ids if (span := answer_store.item_id_span(study, run_id))]
    total = sum(last - first + 1 for _, (first, last) in spans)
    cut_at = total * (1 - share)
    head, tail, seen = [], [], 0
    for run_id, (first, last) in spans:
        size = last - first + 1
        if seen + size <= cut_at:
            head.append((run_id, first, last))
        elif seen >= cut_at:
            tail.append((run_id, first, last))
        else:
            middle = first + int(cut_at - seen)
            head.append((run_id, first, middle - 1))
            tail.append((run_id, middle, last))
        seen += size
    return [s for s in head if s[1] <= s[2]], [s for s in tail if s[1] <= s[2]]


def write_csv_split(study: Study, run_ids: list[int], fh, folder: Path, workers: int | None = None) -> int:
    """Every row of ``run_ids`` as CSV into ``fh`` (a text file opened with ``newline=""``); by two
    processes where the export is large and a second core is there (``workers``: None, the cores this
    process may use), the second one's part written in ``folder`` meanwhile. Call it inside
    ``answers.read_snapshot``. Returns the rows written."""
    first, second = split(study, run_ids)
    size = sum(last - start + 1 for _, start, last in first + second)
    if (workers if workers is not None else cores()) < 2 or size < SPLIT_FROM:
        return write_csv(stretch_parts(study, [(run_id, None, None) for run_id in run_ids]), fh)
    state = [fingerprint(study, run_id) for run_id in run_ids]
    handle, name = tempfile.mkstemp(prefix=".answers-", suffix=".part", dir=folder)
    os.close(handle)
    part = Path(name)
    child = None
    try:
        child = start_part(study.path, second, part, run_ids, state)
        rows = write_csv(stretch_parts(study, first), fh)
        written = finish_part(child)
        if written is None:  # the second process read other answers, or failed: this one writes its stretch
            return rows + write_csv(stretch_parts(study, second), fh, header=False)
        fh.flush()
        with open(part, "rb") as source:
            shutil.copyfileobj(source, fh.buffer, 1 << 20)
        return rows + written
    finally:
        if child is not None:  # this half failed (a full disk, an interrupt): the other is of no use now
            stop_child(child, grace_s=1.0)
        part.unlink(missing_ok=True)


def start_part(study_path: Path, stretches: list[Stretch], part: Path, run_ids: list[int],
               state: list[str]) -> subprocess.Popen:
    """Start the second process on ``stretches``, writing into ``part``."""
    order = {"study": str(study_path), "stretches": stretches, "part": str(part), "runs": run_ids, "state": state}
    return subprocess.Popen([sys.executable, "-m", "valuegap_tui.export.split_csv", json.dumps(order)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


def finish_part(child: subprocess.Popen) -> int | None:
    """The rows the second process wrote, or None where it read other answers or failed."""
    out, _ = child.communicate()
    if child.returncode != 0:
        return None
    try:
        rows = json.loads(out)["rows"]
    except (ValueError, KeyError, TypeError):
        return None
    return rows if isinstance(rows, int) else None


def write_part(order: dict) -> int | None:
    """In the second process: the stretches into the part file, if the answers are in the given state."""
    from valuegap_tui.store import open_study

    study = open_study(order["study"])
    try:
        with answer_store.read_snapshot(study):
            if [fingerprint(study, run_id) for run_id in order["runs"]] != order["state"]:
                return None
            with open(order["part"], "w", encoding="utf-8", newline="", buffering=1 << 20) as fh:
                return write_csv(stretch_parts(study, [tuple(s) for s in order["stretches"]]), fh, header=False)
    finally:
        study.close()


if __name__ == "__main__":
    print(json.dumps({"rows": write_part(json.loads(sys.argv[1]))}))
