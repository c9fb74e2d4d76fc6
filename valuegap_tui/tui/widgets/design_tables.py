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
        for column in table.columns:
            rich.add_column(Text(visible(column)), overflow="fold")
        for row in table.rows:
            rich.add_row(*(Text(visible(cell_text(v))) for v in row))
        parts.append(rich)
    return Group(*parts)
