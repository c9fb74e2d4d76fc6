"""The Personas screen: the persona set on the cultural map, with keyboard editing of levels, and the
conditions written by hand (a persona or an instruction: their text is the system message) beside them.

Reads and writes run in worker threads. Edits are saved one by one with a sequence number per
persona, so when saves race the last key pressed is what the database keeps.
"""

from __future__ import annotations

import threading

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from valuegap_tui.catalogue import catalogue
from valuegap_tui.personas import (
    Persona,
    default_personas,
    dimension_balance,
    duplicate_persona,
    edit_levels,
    level_sign,
    render_persona_text,
)
from valuegap_tui.store import personas as persona_store
from valuegap_tui.text import one_line, visible
from valuegap_tui.tui.widgets.persona_map import KIND_STYLES, MapPoint, PersonaMap
from valuegap_tui.tui.widgets.footer import KeysFooter
from valuegap_tui.tui.keys import bind

NAME_WIDTH = 28
SHORT_KINDS = {"baseline": "base", "moderate": "mod", "max": "max", "incongruous": "incong", "custom": "custom",
               "instruction": "instr"}
POLE_STYLES = {-1: "#e0a040", 1: "#40b0e0"}  # negative pole (traditional/survival), positive pole


def _position_text(persona: Persona) -> str:
    if persona.position is None:
        return "written"
    ts, sse = persona.position
    return f"{ts:+.2f} {sse:+.2f}"


def _extremity_text(persona: Persona) -> str:
    return "-" if persona.extremity is None else f"{persona.extremity:.2f}"


def _level_gauge(level: int) -> Text:
    gauge = Text()
    for i in range(1, 5):
        style = f"bold reverse {POLE_STYLES[level_sign(i)]}" if i == level else "dim"
        gauge.append(f"{i}", style=style)
    return gauge


class LevelsTable(DataTable):
    """The selected persona's variables; left/right and 1-4 change the level of the row."""

    BINDINGS = [
        bind("personas.level_down", "screen.step_level(-1)"),
        bind("personas.level_up", "screen.step_level(1)"),
        *[bind(f"personas.level_{i}", f"screen.set_level({i})") for i in range(1, 5)],
    ]


class PersonasScreen(Screen):
    BINDINGS = [
        bind("personas.generate", "generate"),
        bind("personas.duplicate", "duplicate"),
        bind("personas.delete", "delete"),
        bind("personas.edit", "edit_levels"),
        bind("personas.new", "new_condition"),
        bind("personas.edit_text", "edit_condition"),  # its summary says so
        bind("personas.back", "back_to_list"),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.personas: list[Persona] = []
        self.selected_id: str | None = None
        self._delete_armed: str | None = None
        self._save_lock = threading.Lock()
        self._save_seq: dict[str, int] = {}
        self._saved_seq: dict[str, int] = {}

    # --- layout --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="persona-counts", markup=False)
        with Horizontal(id="personas-body"):
            with Vertical(id="personas-left"):
                yield DataTable(id="persona-table", cursor_type="row", zebra_stripes=True)
                yield PersonaMap(id="persona-map")
            with Vertical(id="personas-right"):
                yield Static(id="persona-summary", markup=False)
                yield LevelsTable(id="persona-levels", cursor_type="row")
                with VerticalScroll(id="persona-preview"):
                    yield Static(id="persona-preview-text", markup=False)
        yield Static(id="persona-status", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#persona-table", DataTable)
        table.add_column("Kind", key="kind")
        table.add_column("Name", key="name", width=NAME_WIDTH)
        table.add_column("Position", key="position")
        table.add_column("Extr", key="extremity")
        table.focus()
        self._set_status("")
        self.reload()

    def on_resize(self, event) -> None:
        self.query_one("#personas-body").set_class(self.size.width < 100, "narrow")
        self.call_after_refresh(self._show_detail)

    def on_screen_resume(self) -> None:
        self.reload(keep=self.selected_id)

    def study_changed(self) -> None:
        """Something committed to the study (the app's timer): show changed personas, selection kept."""
        self._stale = self._saves_pending()
        if not self._stale:
            self.reload(keep=self.selected_id, only_if_changed=True)

    def _saves_pending(self) -> bool:
        """Own level edits not yet stored: a reload now would show them undone (the timer asks again)."""
        return any(seq > self._saved_seq.get(pid, 0) for pid, seq in self._save_seq.items())

    # --- loading ---------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def reload(self, keep: str | None = None, only_if_changed: bool = False) -> None:
        edits = self._edits()  # read before the personas: an edit after this makes them stale
        personas = persona_store.list_all(self.app.study)
        self.app.call_from_thread(self._show_personas, personas, keep, only_if_changed, edits)

    def _edits(self) -> int:
        return sum(self._save_seq.values())

    def _show_personas(self, personas: list[Persona], keep: str | None, only_if_changed: bool = False,
                       edits: int | None = None) -> None:
        same = {p.id: p for p in personas} == {p.id: p for p in self.personas}  # order follows kind: ignore it
        if only_if_changed and (same or self._saves_pending() or edits != self._edits()):
            return  # unchanged, or read before an edit of this screen: showing it would undo the edit
        self.personas = personas
        table = self.query_one("#persona-table", DataTable)
        table.clear()
        for persona in personas:
            table.add_row(
                Text(one_line(SHORT_KINDS.get(persona.kind, persona.kind)), style=KIND_STYLES.get(persona.kind, "")),
                Text(one_line(persona.name)),
                Text(_position_text(persona)),
                Text(_extremity_text(persona)),
                key=persona.id,
            )
        counts = {}
        for persona in personas:
            counts[persona.kind] = counts.get(persona.kind, 0) + 1
        summary = one_line(", ".join(f"{kind} {n}" for kind, n in counts.items()))
        balance = dimension_balance()
        line = Text(f"{len(personas)} personas: {summary}" if personas else
                    "No personas yet: press g to generate the default set")
        line.append(f"   {balance.summary}" + (" (unbalanced)" if balance.warning else ""),
                    style="yellow" if balance.warning else "dim")
        self.query_one("#persona-counts", Static).update(line)
        ids = [p.id for p in personas]
        target = keep if keep in ids else (self.selected_id if self.selected_id in ids else (ids[0] if ids else None))
        if target is not None:
            table.move_cursor(row=ids.index(target))
        self._select(target)

    def _persona(self, persona_id: str | None) -> Persona | None:
        return next((p for p in self.personas if p.id == persona_id), None)

    @on(DataTable.RowHighlighted, "#persona-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value != self.selected_id:
            self._select(event.row_key.value)

    def _select(self, persona_id: str | None) -> None:
        if self._delete_armed and self._delete_armed != persona_id:
            self._delete_armed = None
            self._set_status("")
        self.selected_id = persona_id
        self._show_detail()

    def _show_detail(self, keep_level_row: bool = True) -> None:
        persona = self._persona(self.selected_id)
        self.query_one(PersonaMap).show(
            [MapPoint(p.id, p.kind, *p.position) for p in self.personas if p.position is not None], self.selected_id
        )
        levels = self.query_one(LevelsTable)
        row = levels.cursor_row if keep_level_row else 0
        # Columns are rebuilt to fit the pane: level texts are cut, never scrolled sideways
        # (the preview below shows them in full).
        levels.clear(columns=True)
        room = max(30, (levels.size.width or self.size.width // 2) - 8)
        name_width = 23 if room >= 55 else 13
        levels.add_column("Variable", key="variable", width=name_width)
        levels.add_column("Lvl", key="level", width=4)
        levels.add_column("Level", key="text", width=max(8, room - name_width - 4))
        summary = self.query_one("#persona-summary", Static)
        preview = self.query_one("#persona-preview-text", Static)
        # only a persona made of levels shows the table: the baseline, a country and a written condition
        # have none (their text says it all), and an empty table's header would only take room
        levels.display = persona is None or bool(persona.levels)
        if persona is None:
            summary.update("")
            preview.update("")
            return
        head = f"{one_line(persona.name)}\n{one_line(persona.kind)}  {one_line(persona.id)}"
        if persona.position is None:
            held = persona.attributes.get("value_type")
            summary.update(Text(f"{head}\nwritten by hand (t edits the text); not on the map"
                                + (f"\nholds the value type {one_line(held)}" if held else "")))
        else:
            ts, sse = persona.position
            axes = "  (traditional→secular, survival→self-expression)" if room >= 55 else ""
            summary.update(Text(f"{head}\nposition {ts:+.2f}, {sse:+.2f}{axes}"
                                f"\nextremity {persona.extremity:.2f} (0 centre, 0.33 one step off, 1 all extreme)"))
        for variable in catalogue().persona_variables:
            level = persona.levels.get(variable.id)
            if level is None:
                continue
            levels.add_row(
                Text(variable.name),
                _level_gauge(level),
                Text(variable.levels[level - 1].text, style=POLE_STYLES[level_sign(level)]),
                key=variable.id,
            )
        if persona.levels:
            levels.move_cursor(row=min(row, levels.row_count - 1))
        text = render_persona_text(persona)
        body = text if text is not None else "Baseline: no system message is sent."
        if persona.notes:
            body += f"\n\nnotes: {persona.notes}"
        preview.update(Text(visible(body)))

    def _set_status(self, message: str) -> None:
        self.query_one("#persona-status", Static).update(Text(one_line(message) or "Tab: list / levels   ←/→ or 1-4: change level   n: write a condition"))

    # --- editing ---------------------------------------------------------------------------------
    def action_edit_levels(self) -> None:
        self.query_one(LevelsTable).focus()

    def action_back_to_list(self) -> None:
        self.query_one("#persona-table", DataTable).focus()

    def _sync_selection(self) -> None:
        """Follow the list cursor now: a key may arrive before the highlight message does."""
        table = self.query_one("#persona-table", DataTable)
        if table.row_count and 0 <= table.cursor_row < table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key != self.selected_id:
                self._select(key)

    def action_step_level(self, delta: int) -> None:
        self._sync_selection()
        persona = self._persona(self.selected_id)
        variable_id = self._current_variable()
        if persona is None or variable_id is None:
            return
        self._change_level(persona, variable_id, persona.levels[variable_id] + delta)

    def action_set_level(self, level: int) -> None:
        self._sync_selection()
        persona = self._persona(self.selected_id)
        variable_id = self._current_variable()
        if persona is None or variable_id is None:
            return
        self._change_level(persona, variable_id, level)

    def _current_variable(self) -> str | None:
        levels = self.query_one(LevelsTable)
        if levels.row_count == 0:
            persona = self._persona(self.selected_id)
            if persona is not None and persona.kind == "baseline":
                self._set_status("The baseline has no levels: duplicate another persona (d) to make your own.")
            elif persona is not None and persona.written:
                self._set_status("A condition written by hand has no levels: press t to edit its text.")
            return None
        return levels.coordinate_to_cell_key(levels.cursor_coordinate).row_key.value

    def _change_level(self, persona: Persona, variable_id: str, level: int) -> None:
        level = max(1, min(4, level))
        if persona.levels[variable_id] == level:
            return
        edited = edit_levels(persona, dict(persona.levels) | {variable_id: level}, {p.id for p in self.personas})
        variable = catalogue().variable(variable_id)
        message = f"{variable.name} -> {level} ({variable.levels[level - 1].text})"
        if edited.id != persona.id:
            # the levels no longer fit the persona's kind: the edit becomes a new custom persona
            message += f"; no longer {persona.kind}: saved as new custom persona {edited.id!r}, {persona.id!r} unchanged"
            self._set_status(message + "  (saving)")
            self._duplicate(edited, message)
            return
        self.personas = [edited if p.id == persona.id else p for p in self.personas]
        table = self.query_one("#persona-table", DataTable)
        table.update_cell(persona.id, "position", Text(_position_text(edited)))
        table.update_cell(persona.id, "extremity", Text(_extremity_text(edited)))
        self._show_detail()
        self._set_status(message + "  (saving)")
        seq = self._save_seq.get(persona.id, 0) + 1
        self._save_seq[persona.id] = seq
        self._save(edited, seq, message)

    @work(thread=True, group="save", exit_on_error=False)
    def _save(self, persona: Persona, seq: int, message: str) -> None:
        with self._save_lock:
            if seq < self._saved_seq.get(persona.id, 0):
                return  # a later edit of this persona is already stored
            try:
                persona_store.save(self.app.study, persona)
            except Exception as exc:  # noqa: BLE001 - shown to the user, the screen stays usable
                self.app.call_from_thread(self._set_status, f"not saved: {exc}")
                return
            self._saved_seq[persona.id] = seq
        if getattr(self, "_stale", False):
            self.app.call_from_thread(self.study_changed)  # a change came in while this was saving
        if seq == self._save_seq.get(persona.id):
            self.app.call_from_thread(self._set_status, f"{message}  (saved)")

    # --- set-level actions -------------------------------------------------------------------------
    def action_generate(self) -> None:
        self._set_status("generating the default set ...")
        self._generate()

    @work(thread=True, exclusive=True, group="generate", exit_on_error=False)
    def _generate(self) -> None:
        study = self.app.study
        wanted = default_personas(seed=0)
        new = [p for p in wanted if not persona_store.exists(study, p.id)]
        persona_store.save_many(study, new)
        kept = len(wanted) - len(new)
        message = f"added {len(new)} personas" + (f"; {kept} already there were left as they are" if kept else "")
        self.app.call_from_thread(self._set_status, message)
        self.app.call_from_thread(self.reload, self.selected_id)

    def action_duplicate(self) -> None:
        self._sync_selection()
        persona = self._persona(self.selected_id)
        if persona is None:
            return
        try:
            copy = duplicate_persona(persona, {p.id for p in self.personas})
        except ValueError as exc:
            self._set_status(f"cannot duplicate: {exc}")
            return
        self._duplicate(copy)

    @work(thread=True, group="duplicate", exit_on_error=False)
    def _duplicate(self, copy: Persona, message: str | None = None) -> None:
        try:
            with self._save_lock:
                persona_store.save(self.app.study, copy)
        except Exception as exc:  # noqa: BLE001 - shown to the user, the screen stays usable
            self.app.call_from_thread(self._set_status, f"not saved: {exc}")
            return
        self.app.call_from_thread(self._set_status, f"{message}  (saved)" if message else f"duplicated as {copy.id}")
        self.app.call_from_thread(self.reload, copy.id)

    def action_delete(self) -> None:
        self._sync_selection()
        persona = self._persona(self.selected_id)
        if persona is None:
            return
        if self._delete_armed != persona.id:
            self._delete_armed = persona.id
            self._set_status(f"press x again to delete {persona.name!r}")
            return
        self._delete_armed = None
        self._delete(persona.id)

    @work(thread=True, group="delete", exit_on_error=False)
    def _delete(self, persona_id: str) -> None:
        try:
            with self._save_lock:
                persona_store.delete(self.app.study, persona_id)
        except persona_store.PersonaInUse as exc:
            self.app.call_from_thread(self._set_status, f"not deleted: {exc}")
            return
        ids = [p.id for p in self.personas]
        index = ids.index(persona_id) if persona_id in ids else 0
        following = ids[index + 1] if index + 1 < len(ids) else (ids[index - 1] if index > 0 else None)
        self.app.call_from_thread(self._set_status, f"deleted {persona_id}")
        self.app.call_from_thread(self.reload, following)

    # --- written by hand ---------------------------------------------------------------------------
    def action_new_condition(self) -> None:
        from valuegap_tui.tui.screens.condition_form import ConditionFormScreen

        self.app.push_screen(ConditionFormScreen({p.id for p in self.personas}), self._store_condition)

    def action_edit_condition(self) -> None:
        self._sync_selection()
        persona = self._persona(self.selected_id)
        if persona is None:
            return
        if not persona.written:
            self._set_status(f"{persona.name!r} is made of levels, not a text: e edits its levels; "
                             "n writes a new condition")
            return
        self._open_editor(persona)

    @work(thread=True, group="edit", exit_on_error=False)
    def _open_editor(self, persona: Persona) -> None:
        from valuegap_tui.tui.screens.condition_form import ConditionFormScreen

        runs = persona_store.runs_using(self.app.study, persona.id)
        if runs:  # the runs asked with this text: changing it under the same id would blur what they mean
            listed = ", ".join(str(r) for r in runs[:5])
            self.app.call_from_thread(self._set_status, f"not editable: run {listed} asked with this text; "
                                      "duplicate it (d) and edit the copy")
            return
        taken = {p.id for p in self.personas}
        self.app.call_from_thread(self.app.push_screen, ConditionFormScreen(taken, persona),
                                  lambda edited: self._store_condition(edited, editing=True))

    def _store_condition(self, condition: Persona | None, editing: bool = False) -> None:
        if condition is not None:
            self._set_status(f"saving {condition.id} ...")
            self._save_condition(condition, editing)

    @work(thread=True, group="duplicate", exit_on_error=False)
    def _save_condition(self, condition: Persona, editing: bool) -> None:
        study = self.app.study
        refusal = None
        try:
            with self._save_lock:  # checked again here: a run may have started since the form opened
                if editing and (runs := persona_store.runs_using(study, condition.id)):
                    refusal = f"run {runs[0]} asked with this text meanwhile; duplicate it (d) and edit the copy"
                elif not editing and persona_store.exists(study, condition.id):
                    refusal = f"{condition.id!r} was stored meanwhile; write it again to get a free id"
                else:
                    persona_store.save(study, condition)
        except Exception as exc:  # noqa: BLE001 - shown to the user, the screen stays usable
            refusal = str(exc)
        if refusal:
            self.app.call_from_thread(self._set_status, f"not saved: {refusal}")
            return
        self.app.call_from_thread(self._set_status, f"saved {condition.kind} condition {condition.id}")
        self.app.call_from_thread(self.reload, condition.id)
