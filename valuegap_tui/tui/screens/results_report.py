"""The Results screen's report key: the run on show written to a folder beside the study (every model,
with the estimand the screen shows), in a worker, by the same core call as `valuegap report`. A notice
says it is being written until it is done (the figures take a while); then one line says where it went,
or why it could not be written (report/destination.py). The key waits while a report is being written."""

from __future__ import annotations

from textual import work
from textual.notifications import Notification, Notify

from valuegap_tui.text import one_line, visible
from valuegap_tui.tui.textual_private import withdraw_notification

#: how long the "being written" notice may stay, in seconds: taken down when the report is written
WRITING_NOTICE_S = 600


class ReportWriting:
    """Mixed into the Results screen (its ``_selected``, ``_aggregate`` and ``_top_letter``)."""

    _report_notice: Notification | None = None  # while a report is being written

    def action_write_report(self) -> None:
        from valuegap_tui.report.destination import report_folder

        if self._report_notice is not None:
            self.notify("The report is still being written; its folder is named when it is done.",
                        severity="warning", markup=False)
            return
        run_id = self._selected("#results-run")
        if run_id is None:
            self.notify("No run to report yet: start one on the Runs screen (F4).", severity="warning")
            return
        out_dir = report_folder(self.app.study.path, run_id)
        self._report_notice = Notification(visible(one_line(f"Writing the report of run #{run_id} to {out_dir} …")),
                                           timeout=WRITING_NOTICE_S, markup=False)
        self.app.post_message(Notify(self._report_notice))
        self._write_report(run_id, out_dir, self._aggregate, False if self._top_letter else None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="results-report")
    def _write_report(self, run_id: int, out_dir, aggregate: str, expected: bool | None) -> None:
        from valuegap_tui.report.destination import write_run_report

        try:
            written, line = write_run_report(self.app.study, run_id, out_dir, aggregate=aggregate,
                                             expected=expected)
        except Exception as exc:  # noqa: BLE001  (a failure the core did not foresee: still one line, and R works again)
            written, line = False, f"Cannot write the report of run #{run_id}: {type(exc).__name__}: {exc}"
        self.app.call_from_thread(self._report_done, written, line)

    def _report_done(self, written: bool, line: str) -> None:
        if self._report_notice is not None:
            withdraw_notification(self.app, self._report_notice)
            self._report_notice = None
        self.notify(visible(one_line(line)), markup=False, severity="information" if written else "error", timeout=15)
