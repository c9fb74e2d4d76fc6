"""The Results screen's report key: the run on show written to a folder beside the study (every model,
with the estimand the screen shows), in a worker, by the same core call as `valuegap report`; one line
says where it went, or why it could not be written (report/destination.py)."""

from __future__ import annotations

from textual import work

from valuegap_tui.text import one_line, visible


class ReportWriting:
    """Mixed into the Results screen (its ``_selected``, ``_aggregate`` and ``_top_letter``)."""

    def action_write_report(self) -> None:
        from valuegap_tui.report.destination import report_folder

        run_id = self._selected("#results-run")
        if run_id is None:
            self.notify("No run to report yet: start one on the Runs screen (F4).", severity="warning")
            return
        out_dir = report_folder(self.app.study.path, run_id)
        self.notify(visible(one_line(f"Writing the report of run #{run_id} to {out_dir} …")), markup=False)
        self._write_report(run_id, out_dir, self._aggregate, False if self._top_letter else None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="results-report")
    def _write_report(self, run_id: int, out_dir, aggregate: str, expected: bool | None) -> None:
        from valuegap_tui.report.destination import write_run_report

        written, line = write_run_report(self.app.study, run_id, out_dir, aggregate=aggregate, expected=expected)
        self.app.call_from_thread(self.notify, visible(one_line(line)), markup=False,
                                  severity="information" if written else "error", timeout=15)
