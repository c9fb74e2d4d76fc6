"""The run a report is asked for: by id, or the newest (``latest``); a run that cannot be reported is a
``ReportError`` whose message says what to do."""

from __future__ import annotations

from valuegap_tui.store import Study


class ReportError(RuntimeError):
    """A run that cannot be reported (unknown id, no runs)."""


def resolve_run(study: Study, spec: str | int):
    """A run by id, or the newest with ``latest``."""
    from valuegap_tui.store import runs

    all_runs = runs.list_runs(study)
    if str(spec).lower() == "latest":
        if not all_runs:
            raise ReportError("this study has no runs yet: start one with `valuegap run`")
        return all_runs[-1]
    try:
        run_id = int(spec)
    except ValueError:
        raise ReportError(f"run must be a number or 'latest', not {spec!r}") from None
    run = runs.get_run(study, run_id)
    if run is None:
        known = ", ".join(str(r.id) for r in all_runs) or "none"
        raise ReportError(f"no run {run_id} in this study (runs: {known})")
    return run
