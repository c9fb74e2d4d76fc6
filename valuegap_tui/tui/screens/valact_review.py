"""The Dilemmas screen of a valact study: review four-action scenarios (docs/designs.md, valact).

The list shows the scenarios (``t`` adds the questionnaire's portrait items); the detail shows the
scenario and its four actions with the value each enacts. ``a``/``r``/``d`` accept, reject or set a
draft; ``1``..``4`` relabel an action (choose the value it enacts; the action that enacted that value
takes the old one, so every action keeps its own); ``u`` undoes this session's last change. Every
change is saved at once with a history row (``store/items.py``). Text is never read as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, OptionList, Static
from textual.widgets.option_list import Option

from valuegap_tui.config import ConfigError
from valuegap_tui.settings import load_settings
from valuegap_tui.designs import get_design
from valuegap_tui.designs.valact.items import Portrait, Scenario, value_name, value_types
from valuegap_tui.store import items as item_store
from valuegap_tui.text import one_line, visible
from valuegap_tui.tui.widgets.footer import KeysFooter

STATUSES = {"accept": "accepted", "reject": "rejected", "draft": "draft"}


class ChooseValue(ModalScreen[str | None]):
    """The ten values to pick the one an action enacts; Escape keeps it as it is."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, action: int, current: str):
        super().__init__()
        self.action, self.current = action, current

    def compose(self) -> ComposeResult:
        yield Static(f"Action {self.action + 1} enacts (now: {value_name(self.current)}):")
        yield OptionList(*[Option(value_name(v), id=v) for v in value_types()], id="values")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ValActReviewScreen(Screen):
    BINDINGS = [
        Binding("a", "decide('accept')", "Accept", id="valact.accept"),
        Binding("r", "decide('reject')", "Reject", id="valact.reject"),
        Binding("d", "decide('draft')", "Draft", id="valact.draft"),
        *(Binding(str(k), f"relabel({k - 1})", f"Relabel {k}", show=k == 1, id=f"valact.relabel{k}")
          for k in range(1, 5)),
        Binding("u", "undo", "Undo", id="valact.undo"),
        Binding("t", "toggle_portraits", "Questionnaire", id="valact.portraits"),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.design = get_design("valact")
        self.items: list = []
        self.show_portraits = False
        self.undo_stack: list[tuple[str, dict]] = []  # (item id, record before the change)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield DataTable(id="valact-list", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="valact-detail-scroll"):
                yield Static(id="valact-detail")
        yield Static(id="valact-status")
        yield KeysFooter()

    @property
    def study(self):
        return self.app.study

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Status", "Id", "Values", "Flags")
        self.reload()

    def study_changed(self) -> None:
        self.reload()

    def reload(self, keep: str | None = None) -> None:
        table = self.query_one(DataTable)
        keep = keep or (self.current.id if self.items and self.current else None)
        self.items = [i for i in item_store.iter_items(self.study, self.design)
                      if self.show_portraits or isinstance(i, Scenario)]
        table.clear()
        for item in self.items:
            values = ", ".join(value_name(v) for v in item.values()) if isinstance(item, Scenario) else \
                f"portrait: {value_name(item.value)}"
            table.add_row(item.status, Text(one_line(item.id)), Text(one_line(values)),
                          Text(one_line(", ".join(item.flags))), key=item.id)
        if keep and any(i.id == keep for i in self.items):
            table.move_cursor(row=next(n for n, i in enumerate(self.items) if i.id == keep))
        self.show_detail()

    @property
    def current(self):
        if not self.items:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.items[min(max(row, 0), len(self.items) - 1)]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        detail = self.query_one("#valact-detail", Static)
        item = self.current
        if item is None:
            detail.update(Text("No scenarios yet: `valuegap generate` or `valuegap import FILE` on this study."))
            return
        text = Text()
        text.append(f"{visible(item.id)}  [{item.status}]\n\n", style="bold")
        if isinstance(item, Scenario):
            text.append(visible(item.scenario) + "\n\n")
            for k, action in enumerate(item.actions, 1):
                text.append(f"{k}. ", style="bold")
                text.append(f"{value_name(action.value)}", style="cyan")
                text.append(f"  {visible(action.text)}\n")
        else:
            text.append(f"Portrait keyed to {value_name(item.value)} ({visible(item.instrument)}):\n\n")
            text.append(visible(item.text) + "\n")
        if item.flags:
            text.append(f"\nFlags: {visible(', '.join(item.flags))}\n", style="yellow")
        changes = item_store.change_count(self.study, item.id)
        text.append(f"\nHistory: {changes} change(s)", style="dim")
        detail.update(text)

    def _who(self) -> str:
        try:
            return load_settings(only=("reviewer",)).reviewer.name or "reviewer"
        except ConfigError:  # an unreadable config must not stop a review
            return "reviewer"

    def _save(self, before, after, action: str, *, undoable: bool = True) -> None:
        item_store.save_many(self.study, self.design, [after], who=self._who(), action=action)
        if undoable:
            self.undo_stack.append((before.id, before.to_record()))
        self.query_one("#valact-status", Static).update(Text(f"saved: {one_line(after.id)} {action}"))
        self.reload(keep=after.id)

    def action_decide(self, decision: str) -> None:
        item = self.current
        if item is None or item.status == STATUSES[decision]:
            return
        self._save(item, item.model_copy(update={"status": STATUSES[decision]}), decision)
        table = self.query_one(DataTable)
        if table.cursor_row < len(self.items) - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_relabel(self, action: int) -> None:
        item = self.current
        if not isinstance(item, Scenario):
            return

        def chosen(value: str | None) -> None:
            if value and value != item.actions[action].value:
                self._save(item, item.relabelled(action, value), "relabel")

        self.app.push_screen(ChooseValue(action, item.actions[action].value), chosen)

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.query_one("#valact-status", Static).update(Text("nothing to undo"))
            return
        item_id, record = self.undo_stack.pop()
        before = self.design.item_from_record(record)
        self._save(before, before, "undo", undoable=False)

    def action_toggle_portraits(self) -> None:
        self.show_portraits = not self.show_portraits
        self.reload()
