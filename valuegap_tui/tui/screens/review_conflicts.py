"""Side by side: what each reviewer decided on one dilemma (merged reviews included), for adjudication."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from valuegap_tui.designs.graded_actions.models import Dilemma
from valuegap_tui.designs.graded_actions.review import SHORT
from valuegap_tui.review.merge import Position, conflict_reasons
from valuegap_tui.text import one_line
from valuegap_tui.tui.keys import bind
from valuegap_tui.tui.widgets.footer import KeysFooter

DIFFERS = "bold yellow"


def _row(cells: list[str]) -> list[Text]:
    """One row of cells; a row whose reviewers differ is highlighted (text is never markup)."""
    style = DIFFERS if len({c for c in cells if c != "-"}) > 1 else ""
    return [Text(one_line(c), style=style) for c in cells]


class ReviewersSideBySide(ModalScreen[None]):
    """Each reviewer a column: their decision, their label of each action, their notes."""

    BINDINGS = [
        bind("review.reviewers_close", "close"),
        bind("review.reviewers_close_q", "close"),
    ]

    def __init__(self, dilemma: Dilemma, per_reviewer: dict[str, Position]):
        super().__init__()
        self._dilemma, self._per_reviewer = dilemma, per_reviewer

    def compose(self) -> ComposeResult:
        reasons = conflict_reasons(self._per_reviewer)
        heading = Text(f"Reviewers on {self._dilemma.id}\n", style="bold")
        heading.append(one_line("; ".join(reasons)) if reasons else "no conflict: the reviewers agree",
                       style=DIFFERS if reasons else "green")
        with Vertical(classes="review-modal"):
            yield Static(heading, markup=False, id="reviewers-heading")
            yield DataTable(id="reviewers-table", zebra_stripes=True, cursor_type="row")
            yield Static("escape close   rows that differ are highlighted", markup=False, classes="review-modal-hint")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        names = sorted(self._per_reviewer)
        table.add_column("", key="what")
        for name in names:
            table.add_column(Text(one_line(name)), key=name)
        people = [self._per_reviewer[n] for n in names]
        table.add_row(Text("decision"), *_row([p.decision or "-" for p in people]), key="decision")
        for i, option in enumerate(self._dilemma.options):
            labels = [SHORT[p.labels[i]] if p.labels and p.labels[i] else "-" for p in people]
            table.add_row(Text(one_line(f"{i + 1} {option.text[:40]}")), *_row(labels), key=f"action-{i}")
        table.add_row(Text("labels from"), *_row([p.labels_from or "-" for p in people]), key="from")
        table.add_row(Text("notes"), *_row([p.notes[:60] or "-" for p in people]), key="notes")
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
