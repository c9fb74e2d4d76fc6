"""A design's result tables (designs.tables) as Rich tables: every cell is plain, sanitised text."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table as RichTable
from rich.text import Text

from valuegap_tui.designs.tables import cell_text
from valuegap_tui.text import visible


def render_design_tables(design, tables) -> Group:
    parts = [Text(visible(f"{design.title}: {design.reference}. Definitions: docs/designs.md"), style="bold")]
    if not tables:
        parts.append(Text("no table yet: the run has no answers for this design's metrics"))
    for table in tables:
        rich = RichTable(title=Text(visible(table.title)), title_justify="left", expand=False)
        # a warning column is said under the table, in full, rather than folded into a narrow cell
        shown = [i for i, column in enumerate(table.columns) if column != "warning"]
        warned = table.columns.index("warning") if "warning" in table.columns else None
        for i in shown:
            rich.add_column(Text(visible(table.columns[i])), overflow="fold")
        for row in table.rows:
            rich.add_row(*(Text(visible(cell_text(row[i]))) for i in shown))
        parts.append(rich)
        for row in table.rows if warned is not None else []:
            if row[warned]:
                where = " / ".join(cell_text(row[i]) for i in shown[:2])
                parts.append(Text(visible(f"⚠ {where}: {row[warned]}"), style="yellow"))
    return Group(*parts)
