"""Writing a condition by hand: a name, a kind (custom persona or instruction), its text, and the value
type it holds (optional; what a role-play is scored against).

The form's result is checked exactly as `valuegap personas add` checks it (the same function, the same
messages). Editing shows control characters of the stored text as visible stand-ins and puts back the
ones left untouched (``restore_controls``), so an edit never corrupts text that came from a file.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static, TextArea

from valuegap_tui.catalogue import catalogue
from valuegap_tui.personas import WRITTEN_KINDS, Persona
from valuegap_tui.personas.written import written_condition
from valuegap_tui.text import editable, one_line, restore_controls
from valuegap_tui.tui.widgets.footer import KeysFooter
from valuegap_tui.tui.keys import bind

HINT = ("tab / shift+tab next / previous field   enter open a list   ctrl+a select all the text   "
        "ctrl+s save   escape cancel")
KIND_HELP = {"custom": "custom: a persona (\"You are ...\")", "instruction": "instruction: e.g. a role-play"}


class ConditionFormScreen(ModalScreen[Persona | None]):
    """Returns the condition (not stored yet), or None when cancelled. ``start`` is the condition being
    edited (its id is kept); ``taken`` the ids in use, so a new condition's id never overwrites one."""

    BINDINGS = [
        bind("personas.form_save", "save"),
        bind("personas.form_cancel", "cancel"),
        bind("personas.form_select_all", "select_all"),
    ]
    DEFAULT_CSS = """
    ConditionFormScreen #condition-form { width: 100%; height: 1fr; padding: 0 1; }
    ConditionFormScreen #condition-text { height: 1fr; min-height: 5; }
    ConditionFormScreen #condition-error { color: $error; height: auto; }
    ConditionFormScreen #condition-hint { color: $text-muted; height: auto; }
    """

    def __init__(self, taken: set[str], start: Persona | None = None):
        super().__init__()
        self._taken, self._start = taken, start

    def compose(self) -> ComposeResult:
        start = self._start
        types = [(Text(f"{t.name} ({t.id})"), t.id) for t in catalogue().value_types]
        held = start.attributes.get("value_type") if start else None
        with VerticalScroll(id="condition-form"):
            title = f"Edit condition {one_line(start.id)}" if start else "New condition written by hand"
            yield Static(Text(title, style="bold"))
            yield Static("Name (one line)")
            yield Input(one_line(start.name) if start else "", placeholder="name", id="condition-name")
            yield Static("Kind")
            yield Select([(Text(KIND_HELP[k]), k) for k in WRITTEN_KINDS], allow_blank=False,
                         value=start.kind if start else "custom", id="condition-kind")
            yield Static("Value type it holds (optional: what a role-play is scored against)")
            yield Select(types, prompt="none", value=held if held else Select.NULL, id="condition-value-type")
            yield Static("Text: the system message, sent exactly as written")
            yield TextArea(editable(start.text or "") if start else "", id="condition-text", soft_wrap=True)
            yield Static("", id="condition-error", markup=False)
            yield Static(HINT, id="condition-hint", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#condition-name", Input).focus()

    def _form(self) -> Persona:
        start = self._start
        shown = self.query_one("#condition-text", TextArea).text
        text = restore_controls(start.text or "", shown) if start else shown
        name = self.query_one("#condition-name", Input).value
        if start is not None and name == one_line(start.name):
            name = start.name  # untouched: keep it as stored
        attributes = dict(start.attributes) if start else {}
        if start is not None and text != start.text:  # no longer the template's text
            attributes.pop("template", None)
            attributes.pop("template_sha256", None)
        value_type = self.query_one("#condition-value-type", Select).value
        attributes.pop("value_type", None)
        if value_type is not Select.NULL:
            attributes["value_type"] = value_type
        return written_condition(name, self.query_one("#condition-kind", Select).value, text,
                                 condition_id=start.id if start else None, attributes=attributes,
                                 notes=start.notes if start else "", taken=self._taken)

    def action_save(self) -> None:
        try:
            condition = self._form()
        except ValueError as exc:
            self.query_one("#condition-error", Static).update(Text(one_line(f"Not saved: {exc}")))
            return
        self.dismiss(condition)

    def action_select_all(self) -> None:
        if isinstance(self.focused, (Input, TextArea)):
            self.focused.select_all()

    def action_cancel(self) -> None:
        self.dismiss(None)
