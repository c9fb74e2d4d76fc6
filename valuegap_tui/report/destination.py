"""Where the app writes a run's report, and the one line that says how it went.

The app's report key calls ``write_run_report``, which calls the same ``report_run`` as `valuegap
report`; every failure (an unknown run, a folder that is read-only, full or in the way of a file, a study
that cannot be read) comes back as one line that says what to do, never as an exception.
"""

from __future__ import annotations

import errno
from pathlib import Path

from valuegap_tui.report.figure_formats import DEFAULT_FORMATS
from valuegap_tui.report.resolve import ReportError
from valuegap_tui.report.writer import FIGURES_MISSING, report_run
from valuegap_tui.store import DatabaseError, StudyError

#: what to say for a failure to write, by errno: (what happened, what to do)
_WRITE_FAILURES = {
    errno.EROFS: ("the file system is read-only", "write it elsewhere with `valuegap report {run} FOLDER`"),
    errno.EACCES: ("permission denied", "make the folder writable or use `valuegap report {run} FOLDER`"),
    errno.EPERM: ("permission denied", "make the folder writable or use `valuegap report {run} FOLDER`"),
    errno.ENOSPC: ("the disk is full", "free some space and write the report again"),
    errno.EDQUOT: ("the disk quota is full", "free some space and write the report again"),
    errno.ENOTDIR: ("a file is in the way of the folder", "move that file and write the report again"),
    errno.EEXIST: ("a file is in the way of the folder", "move that file and write the report again"),
}


def report_folder(study_path: Path | str, run_id: int) -> Path:
    """``reports/<study name>-run-<id>`` beside the study file: the same run's report is rewritten there."""
    study_path = Path(study_path)
    return study_path.parent / "reports" / f"{study_path.stem}-run-{run_id}"


def write_failure(exc: OSError, out_dir: Path, run_id: int) -> str:
    """One line for a report that could not be written to ``out_dir``."""
    what, todo = _WRITE_FAILURES.get(exc.errno, (exc.strerror or str(exc), "check the folder and write it again"))
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(out_dir) else ""
    return f"Cannot write the report to {out_dir}: {what}{where}; {todo.format(run=run_id)}."


def write_run_report(study, run_id: int, out_dir: Path, *, aggregate: str,
                     expected: bool | None = None) -> tuple[bool, str]:
    """Write run ``run_id``'s report (every model, its figures as `valuegap report` writes them by default:
    PNG and PDF) to ``out_dir``; (written, one line saying where or why not)."""
    try:
        report = report_run(study, run_id, out_dir, aggregate=aggregate, expected=expected, formats=DEFAULT_FORMATS)
    except OSError as exc:
        return False, write_failure(exc, out_dir, run_id)
    except (ReportError, StudyError, DatabaseError, ValueError) as exc:
        return False, f"Cannot write the report of run #{run_id}: {exc}"
    line = (f"Report of run #{run_id} written to {out_dir}: {len(report.tables)} tables, "
            f"{report.summary.name if report.summary else 'no summary'} and {len(report.figures)} figure files")
    if FIGURES_MISSING in report.notes:
        line += " (no figures: matplotlib is not installed; pip install 'valuegap-tui[report]')"
    return True, line + "."
