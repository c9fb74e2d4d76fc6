"""The Generate screen: pick a server and a scope, start/stop a generation run, watch it live.

The run itself is the study's design's generator (``generate/base.py``) on its own event loop in a worker thread; the
screen polls a snapshot of its progress, so the UI never waits on the network or the database.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Input, Label, Static

from valuegap_tui.generate.base import GenerationScope, Progress, Settings
from valuegap_tui.text import one_line
from valuegap_tui.tui.widgets.footer import KeysFooter
from valuegap_tui.tui.keys import bind

NEWEST_ROWS = 50
FAILURE_ROWS = 50


@dataclass
class _Live:
    """What the worker thread hands the screen: appended there, drained here."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    progress: Progress | None = None
    newest: list = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    seen_newest: object = None
    seen_failure: object = None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


FIELD_HELP = {
    "Server": "a base URL (http://HOST:PORT/v1) or a server profile name; empty: the default profile",
    "Model": "the served model name; empty: the server's first",
    "Values": "value ids or names, separated by commas; empty: all 56",
    "Types": "value types (e.g. tradition, power), separated by commas; empty: all",
    "Topics": "topic ids or names, separated by commas; empty: all 11",
    "Variants": "dilemmas per value x topic, 1 to 100",
    "Concurrency": "requests in flight, 1 to 4096",
    "Attempts": "tries per dilemma before it is listed as failed, 1 to 20",
}


def _field(label: str, widget, classes: str = "") -> Vertical:
    """A form field: its label always above it (a placeholder disappears once the field holds a value)."""
    widget.tooltip = FIELD_HELP.get(label)
    return Vertical(Label(label, classes="generate-label"), widget, classes=f"generate-field {classes}".strip())


def _whole_number(text: str, label: str, default: int, least: int, most: int) -> int:
    """The field's number, or a ValueError that says in words what the field takes."""
    if not text:
        return default
    if not text.isdigit() or not least <= int(text) <= most:
        raise ValueError(f"{label} takes a whole number from {least} to {most}, not {one_line(text)[:20]!r}")
    return int(text)


def build_run_client(server: str, model: str | None, concurrency: int, study=None):
    """A client for a base URL (anything with ://) or a server profile name; empty = the default profile."""
    from valuegap_tui.server.client import build_client
    from valuegap_tui.server.profiles import get_profile, profile_for_url
    from valuegap_tui.store.server import probed_constraint

    server = server.strip()
    if "://" in server:
        profile = profile_for_url(server, model=model or None, concurrency=concurrency or 64)
    else:
        profile = get_profile(server or None)
    constraint = probed_constraint(study, profile) if study is not None else None
    return build_client(profile, model=model or None, concurrency=concurrency, constraint=constraint)


class GenerateScreen(Screen):
    BINDINGS = [
        bind("generate.start", "start"),
        bind("generate.stop", "stop"),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._live = _Live()
        self._stop: threading.Event | None = None
        self._generating = False
        self._timer = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="generate-form"):
            yield _field("Server", Input(placeholder="default", id="generate-server"))
            yield _field("Model", Input(placeholder="server's", id="generate-model"))
            yield _field("Values", Input(placeholder="all 56", id="generate-values"))
            yield _field("Types", Input(placeholder="all", id="generate-types"))
            yield _field("Topics", Input(placeholder="all 11", id="generate-topics"))
        with Horizontal(id="generate-controls"):
            yield _field("Variants", Input("1", id="generate-variants"), "generate-number")
            yield _field("Concurrency", Input("64", id="generate-concurrency"), "generate-number")
            yield _field("Attempts", Input("3", id="generate-attempts"), "generate-number")
            yield Button("Start", id="generate-start", variant="primary")
            yield Button("Stop", id="generate-stop", disabled=True)
        yield Static("Choose a server and a scope, then Start (s).", id="generate-progress", markup=False)
        newest = DataTable(id="generate-newest", cursor_type="row", zebra_stripes=True)
        newest.add_columns("Dilemma", "Scenario")
        yield newest
        failures = DataTable(id="generate-failures", cursor_type="row", zebra_stripes=True)
        failures.add_columns("Dilemma", "Reason")
        yield failures
        yield KeysFooter()

    def on_mount(self) -> None:
        """Only the scope fields the study's design generates by (its generator's scope_fields)."""
        from valuegap_tui.designs import study_design

        design = study_design(self.app.study)
        if not design.provides("generator"):
            self._show(f"A study of the {design.title} design is not generated: import its items (docs/designs.md).")
            return
        taken = design.generator().scope_fields
        for name in ("values", "types", "topics", "variants"):
            self.query_one(f"#generate-{name}", Input).parent.display = name in taken

    # --- keys and buttons ----------------------------------------------------------------------
    def check_action(self, action: str, parameters) -> bool | None:
        # Single-letter keys type into the form fields instead of firing.
        if action in {"start", "stop"} and isinstance(self.focused, Input):
            return False
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "generate-start":
            self.action_start()
        elif event.button.id == "generate-stop":
            self.action_stop()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_start()

    def action_start(self) -> None:
        if self._generating:
            return
        try:
            variants = _whole_number(self._field("variants"), "Variants", 1, 1, 100)
            concurrency = _whole_number(self._field("concurrency"), "Concurrency", 64, 1, 4096)
            attempts = _whole_number(self._field("attempts"), "Attempts", 3, 1, 20)
            scope = GenerationScope(tuple(_split(self._field("values"))), tuple(_split(self._field("types"))),
                                    tuple(_split(self._field("topics"))), variants)
        except ValueError as exc:
            self._show(f"Cannot start: {exc}")
            return
        self._live = _Live()
        self._stop = threading.Event()
        self._generating = True
        self._set_buttons()
        self._show("Planning ...")
        self._run(self._field("server"), self._field("model"), scope,
                  Settings(max_attempts=attempts, concurrency=concurrency), self._stop)
        if self._timer is None:
            self._timer = self.set_interval(0.25, self._refresh_live)

    def action_stop(self) -> None:
        if self._stop is not None and self._generating:
            self._stop.set()
            self._show("Stopping after the requests in flight ...")

    # --- the run (worker thread) ---------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="generate")
    def _run(self, server: str, model: str, scope, settings, stop: threading.Event) -> None:
        from valuegap_tui.designs import study_design

        study = self.app.study
        message = None
        try:
            design = study_design(study)
            if not design.provides("generator"):
                message = f"A study of the {design.title} design is not generated: import its items (docs/designs.md)."
                return
            generator = design.generator()
            try:
                jobs = generator.jobs(study, scope)
            except ValueError as exc:
                message = f"Cannot start: {exc}"
                return
            if not jobs:
                message = f"Nothing to generate: every {generator.noun} in this scope is stored."
                return

            def on_progress(progress: Progress) -> None:
                live = self._live
                with live.lock:
                    live.progress = progress
                    if progress.newest is not None and progress.newest is not live.seen_newest:
                        live.seen_newest = progress.newest
                        live.newest.append(progress.newest)
                    if progress.failure is not None and progress.failure is not live.seen_failure:
                        live.seen_failure = progress.failure
                        live.failures.append(progress.failure)

            async def go() -> Progress:
                client = build_run_client(server, model, settings.concurrency, study)
                try:
                    return await generator.run(study, client, jobs, settings, on_progress=on_progress, stop=stop)
                finally:
                    await client.aclose()

            progress = asyncio.run(go())
            message = ("Stopped: " if progress.stopped else "Finished: ") + progress.line()
        except Exception as exc:  # shown on screen; whatever was stored stays stored
            message = f"Generation failed: {type(exc).__name__}: {exc}"
        finally:
            self.app.call_from_thread(self._finished, message)

    def _finished(self, message: str | None) -> None:
        self._refresh_live()
        self._generating = False
        self._set_buttons()
        if message:
            self._show(message)

    # --- display -------------------------------------------------------------------------------
    def _refresh_live(self) -> None:
        live = self._live
        with live.lock:
            progress = live.progress
            newest, live.newest = live.newest, []
            failures, live.failures = live.failures, []
        if progress is not None and self._generating:
            self._show(progress.line())
        table = self.query_one("#generate-newest", DataTable)
        for item in newest:
            table.add_row(Text(one_line(item.id)), Text(one_line(str(getattr(item, "scenario", ""))[:200])))
        while table.row_count > NEWEST_ROWS:
            table.remove_row(next(iter(table.rows)))
        failed = self.query_one("#generate-failures", DataTable)
        for dilemma_id, reason in failures:
            failed.add_row(Text(one_line(dilemma_id)), Text(one_line(reason[:300])))
        while failed.row_count > FAILURE_ROWS:
            failed.remove_row(next(iter(failed.rows)))
        if newest:
            table.move_cursor(row=table.row_count - 1)

    def _field(self, name: str) -> str:
        return self.query_one(f"#generate-{name}", Input).value.strip()

    def _show(self, text: str) -> None:
        self.query_one("#generate-progress", Static).update(Text(one_line(text)))

    def _set_buttons(self) -> None:
        self.query_one("#generate-start", Button).disabled = self._generating
        self.query_one("#generate-stop", Button).disabled = not self._generating

    @property
    def running(self) -> bool:
        return self._generating

    def on_unmount(self) -> None:
        if self._stop is not None:
            self._stop.set()
