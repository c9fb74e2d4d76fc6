"""The valuegap shell: one screen per stage of a study, reachable by key and from the command palette."""

from __future__ import annotations

import gc
import importlib
from pathlib import Path

from textual import events
from textual.app import App, ScreenStackError
from textual.css.query import NoMatches

from valuegap_tui.keymap import STAGES  # (mode name, title, key) in pipeline order
from valuegap_tui.store import Study, open_study
from valuegap_tui.store.changes import ChangeWatch
from valuegap_tui.text import one_line, visible
from valuegap_tui.tui import idle_gc
from valuegap_tui.tui.binding_commands import StageCommands
from valuegap_tui.tui.preload import Preloader
from valuegap_tui.tui.keys import bind, read_keymap
from valuegap_tui.tui.simulator_in_use import SimulatorInUse
from valuegap_tui.tui.textual_private import key_clock


#: the stage screens past the review screen: mode -> (module in screens/, class). Each screen's module is
#: imported when the screen is first shown: the others (and what they import: numpy, the metrics, the
#: clients) stay out of the time to the first frame. The review screen (dilemmas) is built per app, for
#: the study's design.
STAGE_SCREENS = {
    "generate": ("generate", "GenerateScreen"),
    "personas": ("personas", "PersonasScreen"),
    "runs": ("runs", "RunsScreen"),
    "results": ("results", "ResultsScreen"),
    "servers": ("servers", "ServersScreen"),
}


def _screen_factory(module: str, name: str):
    def make_screen():
        return getattr(importlib.import_module(f"valuegap_tui.tui.screens.{module}"), name)()

    return make_screen


#: how often the app asks whether the study changed under it (one PRAGMA, no table read)
CHANGE_POLL_S = 1.0


class ValueGapApp(App):
    """Keyboard-first workspace for one study."""

    TITLE = "valuegap"
    CSS_PATH = "app.tcss"
    # Every action of every stage screen in the palette (binding_commands.py), beside Textual's own.
    COMMANDS = App.COMMANDS | {StageCommands}
    # The stage keys are not priority bindings, so the footer lists the screen's own keys first and an
    # 80-column terminal cuts the stage list, never the screen's keys; `?` lists every key of the screen.
    # (No text field takes F1-F6, so they work from every field.)
    BINDINGS = [
        bind("app.keys", "toggle_keys"),
    ] + [
        bind(f"screen.{mode}", f"switch_mode('{mode}')")
        for mode, title, key in STAGES
    ] + [bind("app.quit", "quit")]

    def __init__(self, study: Study | Path | str, *, start_mode: str = "dilemmas",
                 simulator: SimulatorInUse | None = None, **kwargs):
        if start_mode == "dilemmas":
            # The review screen is made as the app starts, in its own mode: not after Textual's blank
            # default screen and a switch from it (which holds repaints back for 50 ms). The Results
            # screen made so drew a line in the background's colour (its snapshots), so the other
            # screens are still switched to.
            self.DEFAULT_MODE = "dilemmas"
        super().__init__(**kwargs)
        self.study = study if isinstance(study, Study) else open_study(study, create=True)
        #: the stage screens made so far, by mode (the palette asks them what they offer)
        self._stage_screens: dict = {}
        self.add_mode("dilemmas", self._keeping("dilemmas", self._review_screen))
        for mode, (module, name) in STAGE_SCREENS.items():
            self.add_mode(mode, self._keeping(mode, _screen_factory(module, name)))
        # The one keymap, for every screen from the first frame on: the config's [keys], what can be
        # used of it; each problem is said once the app is up (on_mount).
        self.keymap_in_use, self._keymap_problems = read_keymap()
        self.set_keymap(self.keymap_in_use)
        self._start_mode = start_mode
        self.simulator = simulator
        self._collector = idle_gc.IdleCollector()
        self._preloader = Preloader(self._study_answered)
        #: the time stamp (key_clock) of the latest key received and not yet taken by take_key_time
        self.key_sent_at: float | None = None

    def _study_answered(self) -> bool:
        """Whether a run of the study has answers (the intervals' children are started ahead only then)."""
        from valuegap_tui.store import run_progress  # at a pause of the keys, not before the first frame

        return run_progress.any_answered(self.study)

    def _keeping(self, mode: str, make):
        def make_and_keep():
            self._stage_screens[mode] = screen = make()
            return screen

        return make_and_keep

    def stage_screen(self, mode: str):
        """The stage screen of ``mode``, or None before it was first shown."""
        return self._stage_screens.get(mode)

    def _review_screen(self):
        """The review screen, with the study's design's parts (designs/review.py)."""
        from valuegap_tui.designs import study_design
        from valuegap_tui.tui.screens.dilemmas import review_screen

        return review_screen(study_design(self.study).review_parts())

    def on_mount(self) -> None:
        for problem in self._keymap_problems:  # one line each; the app goes on with the rest of the keymap
            self.notify(visible(one_line(problem)), severity="error", markup=False, timeout=20)
        self.sub_title = one_line(str(self.study.path))
        self.switch_mode(self._start_mode)
        # Other processes (the command line, a second app) and this app's own workers write to the
        # study too: a cheap check each second tells the screen on show to refresh itself.
        self._changes = ChangeWatch(self.study)
        self.set_interval(CHANGE_POLL_S, self.check_for_changes)
        self._collector.start()
        self.set_interval(idle_gc.TICK_S, idle_gc.collect_if_due)
        self.set_interval(0.5, self._preloader.tick)
        self.call_after_refresh(_settle_memory)

    def on_unmount(self) -> None:
        self._collector.stop()
        self._preloader.stop()

    def take_key_time(self) -> float:
        """When the key behind the action now running was sent (key_clock); now, if none was."""
        sent, self.key_sent_at = self.key_sent_at, None
        return key_clock() if sent is None else sent

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            # when the key was sent, not when a handler got to it: a screen's key-to-drawn figure
            # then includes any wait in the queue (Textual stamps events with its monotonic clock)
            self.key_sent_at = event.time
            self._preloader.key()
        await super().on_event(event)

    def check_for_changes(self) -> None:
        if not self._changes.changed():
            return
        try:
            screen = self.screen
        except ScreenStackError:
            return  # the app is closing: its screens are already popped
        refresh = getattr(screen, "study_changed", None)
        if refresh is None:
            return  # a pop-up or a screen without study data; screens also refresh when shown again
        try:
            refresh()
        except NoMatches:
            pass  # the app is closing and the screen's widgets are already gone

    def action_toggle_keys(self) -> None:
        """Every key of the focused screen and field, with what it does (Textual's key panel)."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        from valuegap_tui.keymap import current_key

        for mode, title, _key in STAGES:
            key = current_key(f"screen.{mode}", self.keymap_in_use)
            yield _system_command(f"Go to {title}", f"Open the {title} screen ({key.upper()})", mode, self)


def _settle_memory() -> None:
    """What was loaded to open the study (modules, the study's rows) lives as long as the app: leave
    it out of the collector's full passes, which otherwise stopped a key for 100-300 ms every few
    dozen keys in a 10,000-dilemma study. The collector, held off from the launch (cli/app.py), then
    comes back on."""
    gc.freeze()
    idle_gc.release_start_hold()


def _system_command(title: str, help_text: str, mode: str, app: ValueGapApp):
    from textual.app import SystemCommand

    return SystemCommand(title, help_text, lambda: app.switch_mode(mode))
