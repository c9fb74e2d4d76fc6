"""The Runs screen: define a run, start/stop it, watch progress and the gap by persona kind live.

The run executes in a thread worker; the screen polls the database about once a second (in another
worker) instead of redrawing per answer, so 1,000 answers/s cost the UI one refresh a second.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Static, TextArea

from valuegap_tui.evaluate.execute import RunControl
from valuegap_tui.evaluate.live import KindGap, live_gap_by_kind
from valuegap_tui.evaluate.session import format_progress, run_blocking
from valuegap_tui.evaluate.setup import PlanError, create_run
from valuegap_tui.metrics.protocols import reference_protocol
from valuegap_tui.plan.definition import RunDefinition, RunDefinitionError, starter_definition
from valuegap_tui.protocols import protocol_order
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store.independence import run_warnings
from valuegap_tui.text import one_line, visible
from valuegap_tui.tui.textual_private import key_clock
from valuegap_tui.tui.widgets.in_place import InPlaceTable, update_static
from valuegap_tui.tui.widgets.footer import KeysFooter
from valuegap_tui.tui.keys import bind

#: the form before anything is known about a server (prefill_definition replaces it when one is)
TEMPLATE = starter_definition()


@dataclass
class Snapshot:
    run_id: int
    status: str
    progress: progress_store.Progress
    rate: float
    latest: list[dict]
    gaps: list[KindGap] | None
    reason: str | None = None
    #: the ways of asking the run asks, in the catalogue's order (the gap table is under the first reference)
    protocols: tuple[str, ...] = ("standard",)


def _run_cells(run_id: int, finished: int, total: int, status: str, name: str, config_hash: str) -> list[Text]:
    """A row of the run list: Run, Done, Status, Name, Config."""
    return [Text(str(run_id)), Text(f"{finished}/{total}"), Text(one_line(status)), Text(one_line(name)),
            Text(one_line(config_hash))]


def prefill_definition(app) -> str:
    """The new-run form's text from what is running: the simulator this app started, else the server
    OPENAI_BASE_URL names with the first model its /v1/models lists (asked briefly; no answer: no model)."""
    study = app.study
    accepted = dilemma_store.counts_by(study, "status").get("accepted", 0) > 0
    simulator = getattr(app, "simulator", None)
    if simulator is not None:
        return starter_definition(model=simulator.model, base_url=simulator.base_url, accepted=accepted,
                                  source="the SIMULATED server this app started (not a language model)")
    base_url = os.environ.get("OPENAI_BASE_URL")
    if not base_url:
        return starter_definition(accepted=accepted)
    models = _served_models(base_url)
    return starter_definition(model=models[0] if models else None, base_url=base_url, accepted=accepted,
                              source=f"served at OPENAI_BASE_URL (of {len(models)})" if models else None)


def _served_models(base_url: str) -> list[str]:
    from valuegap_tui.server.discovery import list_models
    from valuegap_tui.server.profiles import env_profile

    try:
        profile = env_profile()
        if profile is None or not profile.endpoints:
            return []
        served = asyncio.run(list_models(profile.endpoints[0], timeout_s=3.0))
    except Exception:  # a bad variable or a server that does not answer: the form names no model
        return []
    return [m["id"] for m in served]


class RunsScreen(Screen):
    BINDINGS = [
        bind("runs.new", "new_run"),
        bind("runs.start", "start"),
        bind("runs.stop", "stop"),
        bind("runs.close_form", "close_form"),
        # Tab indents inside the definition, so the form is sent from the keyboard with ctrl+s
        bind("runs.plan", "plan"),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.control: RunControl | None = None
        self.selected: int | None = None
        self._metrics_at = 0.0
        self._gaps: tuple[int, list[KindGap]] | None = None  # (run id, its gap by kind)
        #: what the form starts with; the form keeps it only while nobody has edited it
        self._template = TEMPLATE
        #: (key, seconds from key press to the screen updated): read by bench/run_throughput.py
        self.key_latencies: list[float] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="runs-body"):
            with Vertical(id="runs-left"):
                yield InPlaceTable(id="runs-table", cursor_type="row", zebra_stripes=True)
                with Vertical(id="runs-form"):
                    yield Static("Run definition (TOML):", markup=False)
                    yield TextArea(TEMPLATE, id="runs-definition", language=None)
                    yield Static(id="runs-form-error", markup=False)
                    yield Button("Plan and start", id="runs-plan", variant="primary")
            with Vertical(id="runs-right"):
                yield Static(id="runs-progress", markup=False)
                yield InPlaceTable(id="runs-gap", cursor_type="none")
                yield InPlaceTable(id="runs-latest", cursor_type="none")
        yield KeysFooter()

    def on_mount(self) -> None:
        runs_table = self.query_one("#runs-table", DataTable)
        for label in ("Run", "Done", "Status", "Name", "Config"):  # the short, always-read columns first
            runs_table.add_column(label, key=label.lower())
        self.query_one("#runs-gap", DataTable).add_columns("Model", "Persona kind", "Personas", "Items", "AR", "AD",
                                                           "dAR", "dAD")
        self.query_one("#runs-latest", DataTable).add_columns("Model", "Persona", "Dilemma", "Q", "Outcome",
                                                              "Letter", "Score", "Reply")
        self.query_one("#runs-form").display = False
        selected = self.app.study.get_meta("runs.selected")
        self.selected = int(selected) if selected and selected.isdigit() else None
        self.reload_runs()
        self._prefill()
        self.set_interval(1.0, self.poll)
        self.poll()
        # `valuegap run start/resume` (without --plain) opens this screen and asks it to run.
        if self.app.study.get_meta("runs.autostart") == str(self.selected):
            self.app.study.set_meta("runs.autostart", "")
            self.action_start()

    def on_screen_resume(self) -> None:
        self.reload_runs()

    def study_changed(self) -> None:
        """Something committed (the app's timer): list runs started elsewhere; progress polls on its own."""
        runs = [(r.id, r.name, r.status) for r in run_store.list_runs(self.app.study)]
        if runs != getattr(self, "_listed", None):
            self.reload_runs()

    def on_unmount(self) -> None:
        if self.control is not None:  # the app is closing: let the run write what it has and stop
            self.control.stop()

    # --- run list -------------------------------------------------------------------------------
    def reload_runs(self) -> None:
        table = self.query_one("#runs-table", InPlaceTable)
        runs = run_store.list_runs(self.app.study)
        self._listed = [(r.id, r.name, r.status) for r in runs]
        done = progress_store.done_counts(self.app.study)
        table.show_rows([(str(run.id), _run_cells(run.id, *done.get(run.id, (0, 0)), run.status, run.name,
                                                  run.config_hash)) for run in runs])
        if runs and self.selected is None:
            self.selected = runs[-1].id
        if self.selected is not None and any(r.id == self.selected for r in runs):
            table.move_cursor(row=table.get_row_index(str(self.selected)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "runs-table" and event.row_key is not None:
            self.selected = int(event.row_key.value)
            self._gaps, self._metrics_at = None, 0.0
            self.poll()

    # --- polling --------------------------------------------------------------------------------
    def poll(self) -> None:
        if self.selected is not None:
            self._read_snapshot(self.selected)

    @work(exclusive=True, group="runs-poll", exit_on_error=False)
    async def _read_snapshot(self, run_id: int) -> None:
        # asyncio's executor reuses a few threads; a new thread per poll would open (and keep) a new
        # database connection every second.
        snapshot = await asyncio.to_thread(self._snapshot, run_id)
        if snapshot is not None:
            self._show(snapshot)

    def _snapshot(self, run_id: int) -> Snapshot | None:
        study = self.app.study
        run = run_store.get_run(study, run_id)
        if run is None:
            return None
        progress = progress_store.progress(study, run_id)
        cached_run, gaps = self._gaps if self._gaps is not None else (None, None)
        # Pairing a big run's answers takes a moment: refresh the gap table every few seconds. The cache
        # names its run: a poll of the run left behind, finishing late, must not fill the next one's.
        if gaps is None or cached_run != run_id or time.monotonic() - self._metrics_at > 5.0:
            gaps = live_gap_by_kind(study, run_id)
            self._gaps, self._metrics_at = (run_id, gaps), time.monotonic()
        # A run that is not going any more shows its average, not a recent rate that decays to zero.
        going = run.status == "running"
        rate = progress_store.response_rate(study, run_id) if going else progress_store.finished_rate(study, run_id)
        return Snapshot(run_id, run.status, progress, rate, progress_store.latest_responses(study, run_id, 8), gaps,
                        None if going else run.stop_reason, tuple(protocol_order(run.definition.protocols)))

    def _show(self, snap: Snapshot) -> None:
        if snap.run_id != self.selected:
            return
        p = snap.progress
        lines = [format_progress(snap.run_id, p.done, p.total, snap.rate) + f"  [{snap.status}]",
                 f"answered {p.answered}  invalid {p.invalid}" + (f" ({p.invalid_line()})" if p.invalid else "")
                 + (f"  too long {p.too_long}" if p.too_long else "")
                 + f"  server errors {p.server_error}  pending {p.pending}  attempts "
                 + (", ".join(f"{k} {v}" for k, v in sorted(p.outcomes.items())) or "none")]
        for (model, kind), (done, total) in sorted(p.by_group.items()):
            lines.append(f"  {kind:<12} {done:>7}/{total:<7} {model}")  # the model, of any length, last
        if len(snap.protocols) > 1:  # ways of asking are never pooled: say which one the gap table shows
            lines.append(f"gap below: under {reference_protocol(snap.protocols)} (asked {len(snap.protocols)} ways: "
                         f"{', '.join(snap.protocols)}; Results tab 9 has each)")
        text = Text("\n".join(one_line(line) for line in lines))
        if snap.reason:  # why it failed or stopped, in full (wrapped, never cut)
            text.append("\n" + visible(snap.reason), style="bold red" if snap.status == "failed" else "")
        # Each poll changes a few cells: they are replaced in place (a rebuilt table is drawn whole
        # and laid out again, which stalled keys for 100-400 ms while a run ingested).
        update_static(self.query_one("#runs-progress", Static), text)
        table = self.query_one("#runs-table", InPlaceTable)
        key = str(snap.run_id)
        if key in table.rows:
            cells = list(table.get_row(key))
            cells[1:3] = [Text(f"{p.done}/{p.total}"), Text(one_line(snap.status))]
            table.replace_rows([(key, cells)])
        delta = (lambda v: Text("-" if v is None else f"{v:+.3f}"))
        self.query_one("#runs-gap", InPlaceTable).show_rows([
            (str(i), [Text(one_line(g.model)), Text(one_line(g.kind)), Text(str(g.personas)), Text(str(g.pairs)),
                      Text(f"{g.alignment_rate:.3f}"), Text(f"{g.alignment_distance:.3f}"), delta(g.delta_rate),
                      delta(g.delta_distance)])
            for i, g in enumerate(snap.gaps or [])])
        self.query_one("#runs-latest", InPlaceTable).show_rows([
            (str(i), [Text(one_line(str(v))) for v in (r["model"], r["persona_id"], r["dilemma_id"],
                                                      "value" if r["question"] == 0 else "action", r["outcome"],
                                                      r["letter"] or "", "" if r["score"] is None else r["score"],
                                                      (r["raw_text"] or r["error"] or "")[:40])])
            for i, r in enumerate(snap.latest)])

    # --- actions --------------------------------------------------------------------------------
    def check_action(self, action: str, parameters) -> bool | None:
        # Single-letter keys must type into the definition, not fire, while it has focus.
        if action in {"new_run", "start", "stop"} and isinstance(self.focused, TextArea):
            return False
        if action == "plan" and not self.query_one("#runs-form").display:
            return False
        return True

    def offers(self, binding) -> bool:
        """What the palette lists (tui/binding_commands.py): the form's keys only while it is open."""
        if binding.action in ("plan", "close_form"):
            return bool(self.query_one("#runs-form").display)
        return True

    def on_key(self, event) -> None:
        # From the key event's creation to the screen updated after it: the figure the throughput
        # bench reports.
        pressed = event.time
        self.call_after_refresh(lambda: self.key_latencies.append(key_clock() - pressed))

    def action_new_run(self) -> None:
        form = self.query_one("#runs-form")
        form.display = True
        self.query_one("#runs-body").add_class("form-open")  # the definition gets the screen's width
        self.query_one("#runs-definition", TextArea).focus()

    # --- the form's starting definition ---------------------------------------------------------
    @work(thread=True, exclusive=True, group="runs-prefill", exit_on_error=False)
    def _prefill(self) -> None:
        text = prefill_definition(self.app)
        self.app.call_from_thread(self._set_template, text)

    def _set_template(self, text: str) -> None:
        area = self.query_one("#runs-definition", TextArea)
        if area.text == self._template:  # not edited yet: follow what is running
            area.text = text
        self._template = text

    def action_close_form(self) -> None:
        self.query_one("#runs-form").display = False
        self.query_one("#runs-body").remove_class("form-open")
        self.query_one("#runs-table", DataTable).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "runs-plan":
            self.action_plan()

    def action_plan(self) -> None:
        if self.query_one("#runs-form").display:
            self._plan(self.query_one("#runs-definition", TextArea).text)

    @work(thread=True, exclusive=True, group="runs-plan", exit_on_error=False)
    def _plan(self, text: str) -> None:
        try:
            definition = RunDefinition.from_toml_text(text, "run definition")
            run_id = create_run(self.app.study, definition)
        except (RunDefinitionError, PlanError) as exc:
            self.app.call_from_thread(self._form_error, str(exc))
            return
        for warning in run_warnings(self.app.study, run_id):  # an evaluated model generated or judged dilemmas
            self.app.call_from_thread(self.notify, warning.message, severity="warning", timeout=30, markup=False)
        self.app.call_from_thread(self._planned, run_id)

    def _form_error(self, message: str) -> None:
        self.query_one("#runs-form-error", Static).update(Text(visible(message), style="bold red"))

    def _planned(self, run_id: int) -> None:
        self._form_error("")
        self.selected = run_id
        self.action_close_form()
        self.reload_runs()
        self.action_start()

    def action_start(self) -> None:
        if self.selected is None:
            self.notify("No run selected: press n to define one.", severity="warning")
            return
        if self.control is not None:
            self.notify("A run is already going in this window.", severity="warning")
            return
        self.control = RunControl()
        self._execute(self.selected, self.control)

    def action_stop(self) -> None:
        if self.control is not None:
            self.control.stop()
            self.notify("Stopping: answers in flight are being written.")

    @work(thread=True, exclusive=True, group="runs-execute", exit_on_error=False)
    def _execute(self, run_id: int, control: RunControl) -> None:
        try:
            run_store.reopen_items(self.app.study, run_id)  # as `run resume`: server errors are asked again
            status = run_blocking(self.app.study, run_id, plain=False, control=control)
            message = f"Run {run_id} {status}." + (f" {control.reason}" if control.reason else "")
            severity = "information" if status == "finished" else "warning"
        except Exception as exc:  # a dead server or bad profile: say so, keep the app alive
            message, severity = f"Run {run_id} failed: {exc}", "error"
        self.app.call_from_thread(self._finished, message, severity)

    def _finished(self, message: str, severity: str) -> None:
        self.control = None
        self.notify(visible(message), severity=severity, markup=False)
        self.reload_runs()
        self.poll()
