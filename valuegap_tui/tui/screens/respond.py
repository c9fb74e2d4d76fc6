"""Respond mode: one person answers a run's questions, one per screen, by keyboard or mouse.

The app shows the consent text first, then each question (the scenario and question a model gets,
in words for people) with its six options; a letter, the arrows or a click picks an option, and Enter
or the "Give answer" button gives it. Escape pauses: every answer is already kept, so leaving there
and starting again resumes at the first question not answered. The app holds this one screen and no
command palette: a respondent reaches nothing else.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Markdown, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from valuegap_tui.plan.items import LETTERS
from valuegap_tui.respond.questionnaire import HOW_TO_ANSWER
from valuegap_tui.text import visible
from valuegap_tui.tui.keys import bind

#: how often the remaining time is redrawn when there is a time limit
TICK_S = 0.25


class RespondScreen(Screen):
    BINDINGS = [
        bind("respond.continue", "primary"),
        bind("respond.pause", "pause"),
    ] + [bind(f"respond.pick_{letter.lower()}", f"pick({i})")
         for i, letter in enumerate(LETTERS)]

    DEFAULT_CSS = """
    RespondScreen { padding: 1 2; }
    #respond-progress-line { height: 1; }
    #respond-body { height: auto; margin: 1 0; }
    #respond-persona { height: auto; color: $text-muted; }
    #respond-how { height: auto; color: $text-muted; }
    #respond-options { height: auto; max-height: 12; }
    #respond-give { margin-top: 1; }
    #respond-hint { height: 1; color: $text-muted; dock: bottom; }
    """

    def __init__(self, responder):
        super().__init__()
        self.responder = responder
        #: consent | question | paused | done
        self.phase = "consent"
        self.current = None
        self._shown_at = 0.0
        self._timer = None

    def compose(self) -> ComposeResult:
        yield Static("", id="respond-progress-line", markup=False)
        yield ProgressBar(total=len(self.responder.questions), show_eta=False, id="respond-progress")
        with VerticalScroll(id="respond-consent"):
            yield Markdown(visible(self.responder.consent), id="respond-consent-text")  # a pack may come from anywhere
        with VerticalScroll(id="respond-question"):
            yield Static("", id="respond-persona", markup=False)
            yield Static("", id="respond-body", markup=False)
            yield Static(HOW_TO_ANSWER, id="respond-how", markup=False)
            yield OptionList(id="respond-options")
            yield Static("", id="respond-after", markup=False)
            yield Button("Give answer", id="respond-give", variant="primary")
        yield Static("", id="respond-message", markup=False)
        yield Static("", id="respond-hint", markup=False)

    def on_mount(self) -> None:
        if self.responder.consented():
            self._next()
        else:
            self._show("consent")

    # --- state -----------------------------------------------------------------------------------
    def remaining(self) -> list:
        done = self.responder.answered_keys()
        return [q for q in self.responder.questions if q.key not in done]

    def _show(self, phase: str, message: str = "") -> None:
        self.phase = phase
        self.query_one("#respond-consent").display = phase == "consent"
        self.query_one("#respond-question").display = phase == "question"
        self.query_one("#respond-message", Static).update(Text(message))
        hints = {
            "consent": "enter agree and begin   escape leave",
            "question": "a-f, arrows or click choose   enter give the answer   escape pause",
            "paused": "enter continue   escape leave (your answers are kept)",
            "done": "enter or escape close",
        }
        self.query_one("#respond-hint", Static).update(hints[phase])
        total = len(self.responder.questions)
        answered = total - len(self.remaining())
        self.query_one("#respond-progress", ProgressBar).update(progress=answered)
        self.query_one("#respond-progress-line", Static).update(Text(f"{answered} of {total} answered"))

    def _next(self) -> None:
        left = self.remaining()
        if not left:
            self.current = None
            self._stop_timer()
            self._show("done", f"Thank you: all {len(self.responder.questions)} questions are answered.")
            return
        self.current = left[0]
        head, tail = self.current.split_text()
        persona = self.current.persona_text
        self.query_one("#respond-persona", Static).update(Text(visible(persona)) if persona else "")
        self.query_one("#respond-persona").display = bool(persona)
        self.query_one("#respond-body", Static).update(Text(visible(head)))
        self.query_one("#respond-after", Static).update(Text(visible(tail)))
        self.query_one("#respond-after").display = bool(tail)
        options = self.query_one("#respond-options", OptionList)
        options.clear_options()
        options.add_options([Option(Text(f"{LETTERS[i]}. {visible(text, newlines=False)}"), id=LETTERS[i])
                             for i, text in enumerate(self.current.options)])
        options.highlighted = None
        self._show("question")
        options.focus()
        self._shown_at = time.monotonic()
        self._start_timer()

    def _give(self, position: int | None) -> None:
        if self.current is None:
            return
        seconds = round(time.monotonic() - self._shown_at, 3)
        self.responder.answer(self.current, position, seconds)
        self._next()

    # --- time limit ------------------------------------------------------------------------------
    def _start_timer(self) -> None:
        if self.responder.time_limit_s and self._timer is None:
            self._timer = self.set_interval(TICK_S, self._tick)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        if self.phase != "question" or self.current is None:
            return
        left = self.responder.time_limit_s - (time.monotonic() - self._shown_at)
        if left <= 0:
            self._give(None)
            return
        total = len(self.responder.questions)
        answered = total - len(self.remaining())
        self.query_one("#respond-progress-line", Static).update(
            Text(f"{answered} of {total} answered   {left:.0f} s left for this answer"))

    # --- keys ------------------------------------------------------------------------------------
    def action_pick(self, position: int) -> None:
        if self.phase == "question":
            self.query_one("#respond-options", OptionList).highlighted = position

    def action_primary(self) -> None:
        if self.phase == "consent":
            self.responder.agree()
            self._next()
        elif self.phase == "question":
            chosen = self.query_one("#respond-options", OptionList).highlighted
            if chosen is None:
                self.query_one("#respond-message", Static).update("Choose an option first (a-f, the arrows or a"
                                                                  " click), then give your answer.")
                return
            self._give(chosen)
        elif self.phase == "paused":
            self._next()
        else:
            self.app.exit()

    def action_pause(self) -> None:
        if self.phase == "question":
            self._stop_timer()
            self.current = None
            left = len(self.remaining())
            self._show("paused", f"Paused. {left} questions are left; your answers so far are kept. Start again"
                                 " later to continue from here.")
        else:
            self.app.exit()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # Enter is the screen's, and a click only chooses: one answer per press of Give answer

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # on a short terminal the options and the button sit below the scenario: bring them into view
        self.query_one("#respond-give").scroll_visible(animate=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "respond-give":
            self.action_primary()


class RespondApp(App):
    """The respond screen and nothing else."""

    TITLE = "valuegap respond"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, responder, **kwargs):
        super().__init__(**kwargs)
        self.responder = responder

    def on_mount(self) -> None:
        self.sub_title = visible(self.responder.name, newlines=False)
        self.push_screen(RespondScreen(self.responder))
