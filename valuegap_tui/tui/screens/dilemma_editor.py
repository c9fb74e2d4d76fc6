"""Writing a dilemma by hand: value, topic, scenario, six actions and their labels in one form.

The form's result is checked exactly as an imported record is (the same model, the same messages),
so a dilemma written here exports and re-imports unchanged.
"""

from __future__ import annotations

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static, TextArea

from valuegap_tui.catalogue import catalogue
from valuegap_tui.limits import LimitError, check_value
from valuegap_tui.designs.graded_actions.models import AlignmentLabel, Dilemma
from valuegap_tui.validation import format_validation_error
from valuegap_tui.settings import current_limits
from valuegap_tui.text import one_line
from valuegap_tui.tui.widgets.footer import KeysFooter
from valuegap_tui.tui.keys import bind

HINT = ("tab / shift+tab next / previous field   enter open a list, then type to search it   "
        "ctrl+a select all the text (then type to replace it)   home / end start / end of line   "
        "ctrl+s save   escape cancel")


def build_dilemma(value: str | None, topic: str | None, variant: int, scenario: str,
                  actions: list[tuple[str, str | None]], notes: str = "") -> Dilemma:
    """The dilemma the form describes, validated as an import is; ValueError says what is wrong."""
    if not value or not topic:
        raise ValueError("pick a value and a topic")
    record = {
        "value": value, "topic": topic, "variant": variant, "scenario": scenario, "notes": notes,
        "options": [{"text": text, "label": label} for text, label in actions],
        "provenance": {"source": "manual"},
    }
    try:
        check_value(record, current_limits())  # the caps an import is held to (no NUL, field length)
        return Dilemma.model_validate(record)
    except LimitError as exc:
        raise ValueError(str(exc)) from None
    except ValidationError as exc:
        raise ValueError(format_validation_error(exc)) from None


class NewDilemmaScreen(ModalScreen[Dilemma | None]):
    """Returns the new dilemma (not stored yet), or None when cancelled. ``next_variant(value, topic)``
    gives the first free variant number, so a new dilemma never overwrites one; ``start`` fills the
    form from an existing dilemma (a duplicate: its value, topic, scenario, actions and labels)."""

    BINDINGS = [
        bind("review.new_save", "save"),
        bind("review.new_cancel", "cancel"),
        # Textual's own keys for this differ (f7 in a text area, ctrl+shift+a in a line): one for both
        bind("review.new_select_all", "select_all"),
    ]
    DEFAULT_CSS = """
    NewDilemmaScreen #new-form { width: 100%; height: 1fr; padding: 0 1; }
    NewDilemmaScreen #new-scenario { height: 8; }
    NewDilemmaScreen .new-action { height: auto; }
    NewDilemmaScreen .new-action Input { width: 1fr; }
    NewDilemmaScreen .new-action Select { width: 30; }
    NewDilemmaScreen #new-error { color: $error; height: auto; }
    NewDilemmaScreen #new-hint { color: $text-muted; height: auto; }
    """

    def __init__(self, next_variant, start: Dilemma | None = None):
        super().__init__()
        self._next_variant, self._start = next_variant, start

    def compose(self) -> ComposeResult:
        cat, start = catalogue(), self._start
        labels = [(Text(label.value.replace("_", " ")), label.value) for label in AlignmentLabel.ordered()]
        with VerticalScroll(id="new-form"):
            title = f"New dilemma, a copy of {one_line(start.id)}" if start else "New dilemma"
            yield Static(Text(title, style="bold"))
            yield Select([(Text(f"{v.name} ({v.id})"), v.id) for v in cat.values], prompt="value",
                         type_to_search=True, id="new-value", value=start.value if start else Select.NULL)
            yield Select([(Text(f"{t.name} ({t.id})"), t.id) for t in cat.topics], prompt="topic",
                         type_to_search=True, id="new-topic", value=start.topic if start else Select.NULL)
            yield Static("Scenario (second person: \"You ...\")")
            yield TextArea(start.scenario if start else "", id="new-scenario", soft_wrap=True)
            yield Static("Actions and their labels (one of each label)")
            for i, label in enumerate(AlignmentLabel.ordered()):
                option = start.options[i] if start else None
                with Horizontal(classes="new-action"):
                    yield Input(option.text if option else "", placeholder=f"action {i + 1}", id=f"new-action-{i}")
                    yield Select(labels, value=(option.label if option else label).value, allow_blank=False,
                                 id=f"new-label-{i}")
            yield Static("", id="new-error", markup=False)
            yield Static(HINT, id="new-hint", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#new-value", Select).focus()

    def _form(self) -> Dilemma:
        value = self.query_one("#new-value", Select).value
        topic = self.query_one("#new-topic", Select).value
        value = None if value is Select.NULL else value
        topic = None if topic is Select.NULL else topic
        actions = [(self.query_one(f"#new-action-{i}", Input).value, self.query_one(f"#new-label-{i}", Select).value)
                   for i in range(len(AlignmentLabel.ordered()))]
        variant = self._next_variant(value, topic) if value and topic else 1
        return build_dilemma(value, topic, variant, self.query_one("#new-scenario", TextArea).text, actions)

    def action_save(self) -> None:
        try:
            dilemma = self._form()
        except ValueError as exc:
            self.query_one("#new-error", Static).update(Text(one_line(f"Not saved: {exc}")))
            return
        self.dismiss(dilemma)

    def action_select_all(self) -> None:
        if isinstance(self.focused, (Input, TextArea)):
            self.focused.select_all()

    def action_cancel(self) -> None:
        self.dismiss(None)
