"""The review screen's detail view: the current item as its design shows it (``designs/review.py``),
its options to pick and relabel, and beside them the flags explained and the second opinion.

Everything an item holds is shown as text, never read as markup, with control characters visible.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from valuegap_tui.text import one_line, visible
from valuegap_tui.tui.widgets.in_place import InPlaceOptionList, update_static

STATUS_STYLE = {"accepted": "green", "rejected": "red", "needs-edit": "yellow", "draft": ""}
CHIP_WIDTH = 18


def status_of(item) -> str:
    status = getattr(item, "status", "")
    return str(getattr(status, "value", status))


def detail_text(item, parts, *, blind: bool) -> Text:
    """Heading, status, flags and id, the item's text, and (unless blind) the reviewer notes."""
    text = Text()
    for segment, style in parts.heading(item):
        text.append(visible(segment), style=style)
    status = status_of(item)
    text.append(status, style=STATUS_STYLE.get(status, ""))
    flags = list(getattr(item, "flags", []) or [])
    if flags:
        text.append(" | " + one_line(", ".join(flags)), style="yellow")
    text.append(f" | {one_line(item.id)}\n\n", style="dim")
    text.append(visible(parts.body(item)))
    notes = getattr(item, "notes", "")
    if notes and not blind:  # notes may name labels: hidden while labelling blind
        text.append("\n\nNotes: ", style="bold").append(visible(notes))
    return text


def option_prompt(number: int, shown) -> Text:
    """One option as the list shows it: its label chip, its number, its text."""
    prompt = Text()
    if shown.label:
        prompt.append(f" {shown.label:<{CHIP_WIDTH}}", style=shown.style)
    else:
        prompt.append(f" {'? unlabelled':<{CHIP_WIDTH}}", style="reverse")
    prompt.append(f" {number}. ")
    prompt.append(visible(shown.text))
    return prompt


def second_text(item, parts, study) -> Text:
    """Each flag and why it is there, then the second opinion on the labels (the design's)."""
    text = Text()
    for flag, why in parts.flag_notes(item):
        text.append(f"\n{one_line(flag)}", style="yellow")  # flags may come from an import
        text.append(f": {visible(why)}")
    if text:
        text.append("\n")
    for segment, style in parts.second_opinion(study, item):
        text.append(visible(segment), style=style)
    return text


class ReviewDetail(Vertical):
    """The detail pane: the item's text above, its options (to pick with o, relabel with digits) below."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dilemma-detail"):
            yield Static(id="dilemma-detail-text", markup=False)
            yield Static(id="review-second", markup=False)
        yield InPlaceOptionList(id="review-actions")

    def draw(self, item, parts, study, *, blind: bool, labels: list | None, order: list[int], empty: str) -> None:
        """Show ``item`` (None: ``empty``), its options in ``order`` (positions), with the reviewer's
        own blind ``labels`` where the design keeps them."""
        detail = self.query_one("#dilemma-detail-text", Static)
        second = self.query_one("#review-second", Static)
        actions = self.query_one("#review-actions", OptionList)
        highlighted = actions.highlighted or 0
        if item is None:
            actions.clear_options()
            update_static(detail, Text(empty))
            update_static(second, "")
            return
        update_static(detail, detail_text(item, parts, blind=blind))
        shown = parts.options(item, blind=blind, labels=labels)
        # the same options as before (the next item's): their prompts replaced, laid out only if taller
        actions.show_options([Option(option_prompt(n + 1, shown[pos]), id=str(pos)) for n, pos in enumerate(order)
                              if pos < len(shown)], min(highlighted, len(shown) - 1) if shown else None)
        update_static(second, Text("") if blind else second_text(item, parts, study))

    def selected_option(self) -> int | None:
        """The stored position of the highlighted option, or None."""
        actions = self.query_one("#review-actions", OptionList)
        if actions.highlighted is None or actions.option_count == 0:
            return None
        return int(actions.get_option_at_index(actions.highlighted).id)
