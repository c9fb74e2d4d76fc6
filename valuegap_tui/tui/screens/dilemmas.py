"""The review screen (F1): review and curate a study's items by keyboard, for every design.

The screen is the same for every design: the list (``review_list.py``), the filter
(``review/filters.py``), the reviewer name, blind mode, undo, history, the palette and the writer
(``review/writer.py``). What differs is asked of the design's review parts (``designs/review.py``):
columns, detail, decisions, what the digit keys label, and which optional tools it has; keys of the
tools it lacks are hidden. ``review_screen(parts)`` builds the screen for a design, with the digit
keys' descriptions its parts give.

The list holds light rows only (no text) and shows one page of them at a time, so a 10,000-item study
opens fast. Every change is queued to one writer thread that commits it in order; the status line says
"saved" only after the commit, and the screen moves on at once without waiting for the disk.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, OptionList, Static

from valuegap_tui.config import ConfigError, save_section
from valuegap_tui.keymap import LABEL_KEYS
from valuegap_tui.review import decisions as review
from valuegap_tui.review.filters import Filter, parse_filter
from valuegap_tui.review.writer import ReviewWriter
from valuegap_tui.settings import ReviewerSettings, load_settings
from valuegap_tui.text import one_line, visible
from valuegap_tui.tui.keys import bind
from valuegap_tui.tui.screens.review_actions import ReviewActions
from valuegap_tui.tui.screens.review_list import ReviewList
from valuegap_tui.tui.widgets.footer import KeysFooter
from valuegap_tui.tui.widgets.in_place import InPlaceTable, update_static
from valuegap_tui.tui.widgets.review_detail import ReviewDetail

#: action -> the review tool (designs/review.py TOOLS) it needs
TOOL_OF = {"edit": "edit", "edit_notes": "notes", "check_labels": "label_check", "apply_fix": "label_check",
           "agreement": "agreement", "new_dilemma": "write_new", "duplicate_dilemma": "write_new",
           "reviewers_side_by_side": "reviewers"}


class DilemmasScreen(ReviewActions, ReviewList, Screen):
    AUTO_FOCUS = "#dilemma-table"
    BINDINGS = [
        bind("review.accept", "decide('accept')"),
        bind("review.reject", "decide('reject')"),
        bind("review.needs_edit", "decide('needs-edit')"),
        bind("review.draft", "decide('draft')"),
        bind("review.skip", "decide('skip')"),
        bind("review.next", "move(1)"),
        bind("review.previous", "move(-1)"),
        bind("review.undo", "undo"),
        bind("review.edit", "edit"),
        bind("review.actions", "focus_actions"),
        # the design's label keys: review_screen gives them the design's descriptions; those past the
        # design's labels are hidden (check_action)
        *(bind(f"review.label_{k + 1}", f"relabel({k})") for k in range(LABEL_KEYS)),
        bind("review.filter", "filter"),
        bind("review.history", "history"),
        bind("review.guidelines", "guidelines"),
        bind("review.blind", "toggle_blind"),
        bind("review.check_labels", "check_labels"),
        bind("review.apply_fix", "apply_fix"),
        bind("review.agreement", "agreement"),
        bind("review.reviewer", "ask_reviewer"),
        bind("review.back", "back_to_list"),
        # written by hand (dilemma_editor.py): a new item, and reviewer notes
        bind("review.new", "new_dilemma"),
        bind("review.duplicate", "duplicate_dilemma"),
        bind("review.notes", "edit_notes"),
        bind("review.reviewers", "reviewers_side_by_side"),
    ]

    def __init__(self, parts=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if parts is None:  # the study's design's parts (review_screen passes them)
            from valuegap_tui.designs import study_design

            parts = study_design(self.app.study).review_parts()
        self.parts = parts
        self.words = parts.vocabulary()
        self.rows: list = []
        self.row_index: dict[str, int] = {}
        self.status_counts: Counter = Counter()
        self.filtered: list = []
        self.filtered_index: dict[str, int] = {}
        self.position = 0  # index into self.filtered
        self.page_start = 0
        self.item = None
        self.filter = Filter()
        self.blind_labels: list | None = None
        self.writer: ReviewWriter | None = None
        self.pending = 0
        #: when the key being answered was pressed: wall clock and this thread's CPU clock; the key's
        #: latency and the UI thread's CPU for it are read by bench/review_speed.py
        self.key_at: float | None = None
        self._key_cpu_at = 0.0
        self.latencies_ms: list[float] = []
        self.key_cpu_ms: list[float] = []
        self.opened_in_s: float | None = None
        self._table_fill = False
        #: while the rows past the first page are read in a worker: how many the study has
        self._loading_rest: int | None = None
        self._fingerprint: tuple | None = None  # what the list was loaded from (store.changes)
        self._stale = False  # a change came in while own writes were pending: refresh after them
        self._seen_history = 0  # the latest history id the list reflects
        self._reload_seq = 0
        self._enqueued = 0  # changes this screen has queued, ever (a background read before one is stale)
        reviewer, self._config_problem = _load_reviewer()
        self.reviewer: str = reviewer.name or ""
        self.blind: bool = reviewer.blind

    # --- layout --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="dilemma-counts", markup=False)
        yield Input(placeholder="Your reviewer name (kept in the config), then Enter", id="review-name")
        yield Input(
            placeholder="filter: status:draft value:wisdom type:... topic:... flag:label_doubt conflict:yes words  (Enter, Esc)",
            id="review-filter",
        )
        with Horizontal(id="dilemmas-body"):
            yield InPlaceTable(id="dilemma-table", cursor_type="row", zebra_stripes=True)
            yield ReviewDetail(id="review-side")
        yield Static(id="review-status", markup=False)
        yield KeysFooter()

    @property
    def detail(self) -> ReviewDetail:
        return self.query_one(ReviewDetail)

    def on_mount(self) -> None:
        started = time.perf_counter()
        if self._config_problem:  # the [reviewer] section could not be used: said, defaults meanwhile
            self.notify(visible(self._config_problem), severity="error", markup=False, timeout=20)
        table = self.query_one(DataTable)
        columns = (("status", "Status", 10), *((c.key, c.title, c.width) for c in self.parts.columns),
                   ("flags", "Flags", 11), ("reviewer", "Reviewer", 10))
        for key, title, width in columns:
            table.add_column(title, key=key, width=width)
        self.query_one("#review-filter").display = False
        self.query_one("#review-name").display = False
        self.writer = ReviewWriter(lambda label, result: self._from_thread(self._write_done, label, result),
                                   lambda label, exc: self._from_thread(self._write_failed, label, exc))
        self._open_first_page()
        if not self.reviewer:
            self.action_ask_reviewer()
        self._set_status("")
        self.call_after_refresh(self._opened, started)

    def _opened(self, started: float) -> None:
        self.opened_in_s = time.perf_counter() - started

    def on_resize(self, event) -> None:
        self.query_one("#dilemmas-body").set_class(self.size.width < 100, "narrow")

    def on_unmount(self) -> None:
        if self.writer is not None:
            self.writer.close(timeout=0)  # what is queued is still committed, in the writer thread

    def on_screen_resume(self) -> None:
        # Items may have been generated (F2), imported or decided elsewhere while away.
        self.study_changed()

    # --- which keys this design has ----------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys the design lacks (a decision, a label key, a tool): from the footer, the key
        panel and the palette, and they do nothing."""
        if action == "decide":
            return parameters[0] == "skip" or parameters[0] in self.parts.decisions
        if action == "relabel":
            return int(parameters[0]) < len(self.parts.label_keys)
        tool = TOOL_OF.get(action)
        return tool is None or tool in self.parts.tools

    def offers(self, binding) -> bool:
        _, action, parameters = parse_action(binding.action)
        return bool(self.check_action(action, parameters))

    def palette_bindings(self) -> list:
        """The screen's bindings in order, with the design's descriptions of its label keys (the palette
        lists those it ``offers``, tui/binding_commands.py)."""
        own = {b.id: b for b in type(self).__dict__.get("BINDINGS", [])} if type(self) is not DilemmasScreen else {}
        return [own.get(b.id, b) for b in DilemmasScreen.BINDINGS]

    # --- detail --------------------------------------------------------------------------------
    def display_order(self) -> list[int]:
        """Option positions in display order: stored order, or shuffled per reviewer in blind mode."""
        order = list(range(len(self.parts.options(self.item))))
        if self.blind:
            random.Random(f"{self.reviewer}:{self.item.id}").shuffle(order)
        return order

    def draw_detail(self) -> None:
        own = self.blind_labels if self.blind and "blind_labels" in self.parts.tools else None
        self.detail.draw(self.item, self.parts, self.app.study, blind=self.blind, labels=own,
                         order=self.display_order() if self.item is not None else [],
                         empty="No item matches." if self.rows else "")

    def selected_option(self) -> int | None:
        return None if self.item is None else self.detail.selected_option()

    # --- writes --------------------------------------------------------------------------------
    def _from_thread(self, callback: Callable, *args, **kwargs) -> None:
        try:
            self.app.call_from_thread(callback, *args, **kwargs)
        except RuntimeError:
            pass  # the app is closing; the write itself is committed

    def enqueue(self, label: str, write: Callable) -> None:
        self.pending += 1
        self._enqueued += 1
        self._set_status(f"saving {label} ...")
        self.writer.submit(label, write)

    def _write_done(self, label: str, result) -> None:
        self.pending -= 1
        if result is not None and hasattr(result, "to_record"):
            self._replace_row(result, self.reviewer)
            if self.item is not None and result.id == self.item.id and not self.pending:
                self.item = result
                self.draw_detail()
        if label == "undo":
            if result is None:
                self.notify("nothing to undo")
            elif (index := self.filtered_index.get(result.id)) is not None:
                self.go_to(index)
        self._set_status(f"saved {label}")
        if self._stale and not self.pending:
            self.study_changed()

    def _write_failed(self, label: str, exc: Exception) -> None:
        self.pending -= 1
        self._set_status(f"NOT saved {label}: {exc}")
        self.notify(visible(f"not saved: {exc}"), severity="error", markup=False)
        self.reload(keep=self.item.id if self.item else None)

    def _set_status(self, message: str) -> None:
        pending = f" ({self.pending} pending)" if self.pending else ""
        update_static(self.query_one("#review-status", Static), Text(one_line(f"{message}{pending}")))

    def _can_write(self) -> bool:
        if not self.reviewer:
            self.notify("enter your reviewer name first", severity="warning")
            self.action_ask_reviewer()
            return False
        return self.item is not None

    # --- actions -------------------------------------------------------------------------------
    def action_decide(self, decision: str) -> None:
        if not self._can_write():
            return
        self.key_at, self._key_cpu_at = self.app.take_key_time(), time.thread_time()
        item, who, study, parts = self.item, self.reviewer, self.app.study, self.parts
        decision = review.Decision(decision)
        blind_labels = self.blind and "blind_labels" in parts.tools
        if decision is review.Decision.ACCEPT:
            problem = parts.accept_problem(item, self.blind_labels if blind_labels else None)
            if problem:
                self.key_at = None
                self.notify(visible(f"cannot accept: {problem}"), severity="error", markup=False)
                return
        if decision is not review.Decision.SKIP:
            if blind_labels and decision is review.Decision.ACCEPT:
                self.enqueue(f"labels for {item.id}", lambda: parts.blind_submit(study, item.id, who))
            else:
                self.enqueue(f"{decision.value} {item.id}", lambda: review.decide(study, item.id, decision, reviewer=who))
                # the counts line is drawn once, by go_to below (it shows the next item)
                self._replace_row(parts.design.item_from_record(
                    {**item.to_record(), "status": parts.decisions[decision.value]}), who, counts=False)
        self.go_to(self.position + 1)

    def action_move(self, delta: int) -> None:
        self.key_at, self._key_cpu_at = self.app.take_key_time(), time.thread_time()
        self.go_to(self.position + delta)

    def action_undo(self) -> None:
        if not self._can_write():
            return
        study, who = self.app.study, self.reviewer
        self.enqueue("undo", lambda: review.undo(study, reviewer=who))

    def action_relabel(self, key: int) -> None:
        if not self._can_write():
            return
        if self.parts.relabel_by == "option":  # digit k picks option k; its labels to choose from open
            self._choose_label(key)
            return
        option = self.selected_option()
        if option is not None:
            self._relabel(option, self.parts.label_of(key))

    def _choose_label(self, option: int) -> None:
        from valuegap_tui.tui.screens.review_modals import ChooseLabelScreen

        item = self.item
        choices = self.parts.label_choices(item, option)
        if not choices:
            return
        shown = self.parts.options(item)
        current = next((label for label, name in choices if option < len(shown) and name == shown[option].label), None)
        self.app.push_screen(ChooseLabelScreen(f"Option {option + 1} of {item.id}: choose its label", choices, current),
                             lambda label: label is not None and label != current and self._relabel(option, label))

    def _relabel(self, option: int, label: str) -> None:
        item, who, study, parts = self.item, self.reviewer, self.app.study, self.parts
        if self.blind and "blind_labels" in parts.tools:
            self.blind_labels = parts.with_label(self.blind_labels, option, label)
            self.enqueue(f"label {item.id}", lambda: parts.blind_relabel(study, item.id, option, label, who) and None)
        else:
            try:
                self.item = parts.relabelled(item, option, label)
            except ValueError as exc:
                self.notify(visible(f"cannot relabel: {exc}"), severity="error", markup=False)
                return
            self.enqueue(f"relabel {item.id}", lambda: review.relabel(study, item.id, option, label, reviewer=who))
        self.draw_detail()

    def _typing(self) -> None:
        """Let a priority key through to the text field that has the focus (typing "o" in the filter).

        This screen's text fields are Inputs (the filter, the reviewer's name); the multi-line editors
        are screens of their own (review_modals.py, dilemma_editor.py), whose keys never reach this
        screen's bindings. Textual's TextArea is not imported for the check: its module (syntax themes,
        the document model) cost 25-35 ms of the time to the first frame."""
        if isinstance(self.focused, Input):
            raise SkipAction()

    def action_focus_actions(self) -> None:
        self._typing()
        actions = self.query_one("#review-actions", OptionList)
        if self.focused is actions:
            self.set_focus(self.query_one(DataTable))
        else:
            self.set_focus(actions)

    def action_back_to_list(self) -> None:
        self.query_one("#review-filter").display = False
        self.set_focus(self.query_one(DataTable))

    def action_filter(self) -> None:
        self._typing()
        box = self.query_one("#review-filter", Input)
        box.display = True
        self.set_focus(box)

    @on(Input.Submitted, "#review-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        parsed = parse_filter(event.value, self.words)
        if parsed.problems:  # the box stays open with the text, to be corrected
            self.notify("filter not applied: " + "; ".join(parsed.problems), severity="warning", markup=False)
            return
        self.filter = parsed
        self.apply_filter(keep=self.item.id if self.item else None)
        event.input.display = False
        self.set_focus(self.query_one(DataTable))

    def action_ask_reviewer(self) -> None:
        self._typing()
        box = self.query_one("#review-name", Input)
        box.value = self.reviewer
        box.display = True
        self.set_focus(box)

    @on(Input.Submitted, "#review-name")
    def _name_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if not name:
            self.notify("a reviewer name is needed to record decisions", severity="warning")
            return
        self.reviewer = name
        self._save_reviewer()
        event.input.display = False
        self.set_focus(self.query_one(DataTable))
        self.update_counts()

    def _save_reviewer(self) -> None:
        try:
            save_section("reviewer", {"name": self.reviewer, "blind": self.blind})
        except (OSError, ConfigError) as exc:
            self.notify(visible(f"could not save the config: {exc}"), severity="error", markup=False)

    def action_toggle_blind(self) -> None:
        self.blind = not self.blind
        if self.reviewer:
            self._save_reviewer()
        self.fill_page(self.page_start)
        self.go_to(self.position)
        own = "your own labels, others' hidden" if "blind_labels" in self.parts.tools else "labels and reviewers hidden"
        self.notify(f"blind mode: {own}" if self.blind else "blind mode off")


def digit_bindings(parts) -> list:
    """The design's digit keys (review.label_1 ..), each saying what it gives."""
    return [bind(f"review.label_{k + 1}", f"relabel({k})", description=description)
            for k, description in enumerate(parts.label_keys[:LABEL_KEYS])]


def review_screen(parts) -> DilemmasScreen:
    """The review screen for a design, with its digit keys."""
    screen_class = type("DilemmasScreen", (DilemmasScreen,), {"BINDINGS": digit_bindings(parts)})
    return screen_class(parts)


def _load_reviewer() -> tuple[ReviewerSettings, str | None]:
    """The [reviewer] settings, and what is wrong with them when they cannot be used (the defaults then)."""
    try:
        return load_settings(only=("reviewer",)).reviewer, None
    except ConfigError as exc:
        return ReviewerSettings(), str(exc)
