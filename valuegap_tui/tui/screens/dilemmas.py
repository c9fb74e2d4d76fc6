"""The Dilemmas screen: the list of a study's dilemmas with a detail pane."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from valuegap_tui.catalogue import catalogue
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.tui.widgets.labels import label_text


class DilemmasScreen(Screen):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="dilemma-counts", markup=False)
        with Horizontal(id="dilemmas-body"):
            yield DataTable(id="dilemma-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="dilemma-detail"):
                yield Static(id="dilemma-detail-text", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Value", "Type", "Topic", "Status")
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        study = self.app.study
        cat = catalogue()
        table = self.query_one(DataTable)
        table.clear()
        for row in dilemma_store.list_rows(study):
            value = cat.value(row.value_id)
            # Text cells: DataTable would otherwise read plain strings as markup.
            table.add_row(
                Text(value.name), Text(cat.value_type(value.type).name), Text(cat.topic(row.topic_id).name),
                Text(row.status), key=row.id,
            )
        counts = dilemma_store.counts_by(study, "status")
        total = sum(counts.values())
        summary = "  ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        self.query_one("#dilemma-counts", Static).update(
            f"{total} dilemmas  {summary}" if total else "No dilemmas yet: import some (valuegap import) or generate them (F2)."
        )
        if total:
            self.show_detail(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value:
            self.show_detail(event.row_key.value)

    def show_detail(self, dilemma_id: str) -> None:
        dilemma = dilemma_store.get(self.app.study, dilemma_id)
        if dilemma is None:
            return
        cat = catalogue()
        value = cat.value(dilemma.value)
        text = Text()
        text.append(f"{value.name}", style="bold")
        text.append(f" ({value.gloss}) | {cat.topic(dilemma.topic).name} | {dilemma.status.value}\n\n")
        text.append(dilemma.scenario)
        text.append("\n\n")
        for option in dilemma.options_by_alignment():
            text.append_text(label_text(option.label))
            text.append(" ")
            text.append(option.text)
            text.append("\n")
        self.query_one("#dilemma-detail-text", Static).update(text)
