"""The Dilemmas screen: review and curate dilemmas by keyboard.

The list holds light rows only (no text) and shows one page of them at a time, so a 10,000-dilemma study
opens fast. Every change is queued to one writer thread that commits it in order; the status line says
"saved" only after the commit, and the screen moves on at once without waiting for the disk.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import queue
import random
import time
from collections import Counter
from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

# label_check, review_merge, history_diff and the pop-up screens are imported where they are used:
# none is needed to draw the first dilemma, and together they were a fifth of the start-up.
from valuegap_tui.review import decisions as review
from valuegap_tui.review import flag_notes
from valuegap_tui.catalogue import catalogue
from valuegap_tui.config import ConfigError, save_section
from valuegap_tui.settings import ReviewerSettings, load_settings
from valuegap_tui.designs.graded_actions.models import AlignmentLabel, Dilemma, DilemmaStatus, describe_label_problems
from valuegap_tui.paths import PROMPTS_DIR
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import review as review_store
from valuegap_tui.store.changes import dilemmas_fingerprint
from valuegap_tui.store.dilemmas import DilemmaRow
from valuegap_tui.text import editable, one_line, restore_controls, visible
from valuegap_tui.tui.textual_private import key_clock
from valuegap_tui.tui.widgets.in_place import InPlaceTable, update_static
from valuegap_tui.tui.widgets.labels import SHORT, label_text
from valuegap_tui.tui.binding_commands import BindingCommands
from valuegap_tui.tui.widgets.footer import KeysFooter

PAGE = 200
#: (key, title, width): status first so it stays visible in a narrow list.
COLUMNS = (("status", "Status", 10), ("value", "Value", 18), ("topic", "Topic", 18), ("type", "Type", 12),
           ("flags", "Flags", 11), ("reviewer", "Reviewer", 10))
STATUS_ORDER = ("draft", "accepted", "rejected", "needs-edit")
FILTER_KEYS = ("status", "value", "type", "topic", "flag", "conflict")


class ReviewCommands(BindingCommands):
    """Every review binding in the command palette, as "Review: <description>"."""

    prefix = "Review"

    def bindings(self):
        return DilemmasScreen.BINDINGS


@dataclasses.dataclass
class _Filter:
    status: str | None = None
    value: str | None = None
    type: str | None = None
    topic: str | None = None
    flag: str | None = None
    conflict: str | None = None  # any value: only dilemmas whose reviewers disagree (review_merge.conflicts)
    text: str = ""
    #: what could not be read (an unknown key, an unknown value name): shown, never taken as free text
    problems: list[str] = dataclasses.field(default_factory=list)

    def describe(self) -> str:
        parts = [f"{k}:{getattr(self, k)}" for k in FILTER_KEYS if getattr(self, k)]
        return " ".join(parts + ([repr(self.text)] if self.text else []))


STATUSES = tuple(s.value for s in DilemmaStatus)


def parse_filter(query: str) -> _Filter:
    """"status:draft value:wisdom type:... topic:... flag:label_doubt free words" -> a filter."""
    cat = catalogue()
    result, words = _Filter(), []
    for token in query.split():
        key, sep, wanted = token.partition(":")
        if sep and key in FILTER_KEYS and wanted:
            found_id = wanted
            if key == "value":
                found = cat.find_value(wanted)
                found_id = found.id if found else None
            elif key == "topic":
                found = cat.find_topic(wanted)
                found_id = found.id if found else None
            elif key == "type":
                found_id = next((t.id for t in cat.value_types if wanted.lower() in (t.id, t.name.lower())), None)
            elif key == "status" and wanted not in STATUSES:
                found_id = None
            if found_id is None:
                result.problems.append(f"unknown {key} {one_line(wanted)!r}")
                continue
            setattr(result, key, found_id)
        elif sep and wanted and key.isalpha():
            result.problems.append(f"unknown filter key {one_line(key)!r} (keys: {', '.join(FILTER_KEYS)})")
        else:
            words.append(token)
    result.text = " ".join(words)
    return result


class DilemmasScreen(Screen):
    AUTO_FOCUS = "#dilemma-table"
    COMMANDS = {ReviewCommands}
    BINDINGS = [
        Binding("a", "decide('accept')", "Accept", id="review.accept"),
        Binding("r", "decide('reject')", "Reject", id="review.reject"),
        Binding("n", "decide('needs-edit')", "Needs edit", id="review.needs_edit"),
        Binding("s", "decide('skip')", "Skip", id="review.skip"),
        Binding("j", "move(1)", "Next", id="review.next"),
        Binding("k", "move(-1)", "Previous", id="review.previous"),
        Binding("u", "undo", "Undo", id="review.undo"),
        Binding("e", "edit", "Edit", id="review.edit"),
        Binding("o", "focus_actions", "Actions", id="review.actions"),
        *[
            Binding(str(i + 1), f"relabel({i})", f"Label: {SHORT[label]}", show=False, id=f"review.label_{i + 1}")
            for i, label in enumerate(AlignmentLabel.ordered())
        ],
        Binding("slash", "filter", "Filter", id="review.filter"),
        Binding("h", "history", "History", id="review.history"),
        Binding("g", "guidelines", "Guidelines", id="review.guidelines"),
        Binding("b", "toggle_blind", "Blind", id="review.blind"),
        Binding("c", "check_labels", "Check labels", show=False, id="review.check_labels"),
        Binding("f", "apply_fix", "Apply suggested label fix", show=False, id="review.apply_fix"),
        Binding("y", "agreement", "Agreement", show=False, id="review.agreement"),
        Binding("w", "ask_reviewer", "Reviewer name", show=False, id="review.reviewer"),
        Binding("escape", "back_to_list", "List", show=False, id="review.back"),
        # written by hand (dilemma_editor.py): a new dilemma, and reviewer notes
        Binding("ctrl+n", "new_dilemma", "New dilemma", show=False, id="review.new"),
        Binding("D", "duplicate_dilemma", "Duplicate dilemma", show=False, id="review.duplicate"),
        Binding("m", "edit_notes", "Notes", show=False, id="review.notes"),
        Binding("C", "reviewers_side_by_side", "Reviewers side by side", show=False, id="review.reviewers"),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows: list[DilemmaRow] = []
        self.row_index: dict[str, int] = {}
        self.status_counts: Counter = Counter()
        self.filtered: list[DilemmaRow] = []
        self.filtered_index: dict[str, int] = {}
        self.position = 0  # index into self.filtered
        self.page_start = 0
        self.dilemma: Dilemma | None = None
        self.filter = _Filter()
        self.blind_labels: list[AlignmentLabel | None] = [None] * 6
        self.writes: queue.Queue = queue.Queue()
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
        self._seen_history = 0  # the latest dilemma_history id the list reflects
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
            with Vertical(id="review-side"):
                with VerticalScroll(id="dilemma-detail"):
                    yield Static(id="dilemma-detail-text", markup=False)
                    yield Static(id="review-second", markup=False)
                yield OptionList(id="review-actions")
        yield Static(id="review-status", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        started = time.perf_counter()
        if self._config_problem:  # the [reviewer] section could not be used: said, defaults meanwhile
            self.notify(visible(self._config_problem), severity="error", markup=False, timeout=20)
        try:
            keys = load_settings(only=("keys",)).keys
            if keys:
                self.app.update_keymap(keys)
        except ConfigError as exc:
            self.notify(visible(str(exc)), severity="error", markup=False, timeout=20)
        table = self.query_one(DataTable)
        for key, title, width in COLUMNS:
            table.add_column(title, key=key, width=width)
        self.query_one("#review-filter").display = False
        self.query_one("#review-name").display = False
        self._writer()
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
        self.writes.put(None)

    def on_screen_resume(self) -> None:
        # Dilemmas may have been generated (F2), imported or decided elsewhere while away.
        self.study_changed()

    # --- list ----------------------------------------------------------------------------------
    def _open_first_page(self) -> None:
        """Show the first page at once and read the rest of a large study in a worker: the first
        frame waits for 200 rows, not 10,000. Until the rest is in, the counts come from the study."""
        study = self.app.study
        self._seen_history, self._fingerprint = dilemma_store.last_history_id(study), dilemmas_fingerprint(study)
        rows = dilemma_store.list_rows(study, limit=PAGE + 1)
        if len(rows) <= PAGE:  # the whole study
            self._set_rows(rows, None, False)
            return
        self._set_rows(rows, None, False, partial_of=dilemma_store.count(study))
        self.status_counts = Counter(dilemma_store.counts_by(study, "status"))
        self.update_counts()
        self._reload_seq += 1
        self._reload_in_background(self._reload_seq, self._enqueued)

    def reload(self, keep: str | None = None, *, keep_position: bool = False) -> None:
        study = self.app.study
        # Read the markers first: the rows are then at least as new, and later changes are not missed.
        self._seen_history, self._fingerprint = dilemma_store.last_history_id(study), dilemmas_fingerprint(study)
        self._set_rows(dilemma_store.list_rows(study), keep, keep_position)

    def _set_rows(self, rows: list[DilemmaRow], keep: str | None, keep_position: bool, *,
                  partial_of: int | None = None) -> None:
        """Show ``rows``: every dilemma, or the first page of ``partial_of`` while the rest is read."""
        if self._loading_rest is not None and partial_of is None:
            gc.freeze()  # the whole list lives as long as the screen: out of the collector's full passes
        self._loading_rest = partial_of
        self.rows = rows
        self.row_index = {row.id: i for i, row in enumerate(self.rows)}
        self.status_counts = Counter(row.status for row in self.rows)
        self.apply_filter(keep=keep, keep_position=keep_position)

    def study_changed(self) -> None:
        """Something committed to the study (another process, a worker, another screen): bring the
        counts, the list and the detail up to date, keeping the selection. Called by the app's timer.

        Changed rows are read by id from the history and updated in place (cheap in a large study);
        only new dilemmas make the whole list be read again, in a worker thread."""
        if self.pending or not self.writes.empty():
            self._stale = True  # own changes in flight: the list would flicker back; look after them
            return
        self._stale = False
        study = self.app.study
        fingerprint = dilemmas_fingerprint(study)
        if fingerprint == self._fingerprint:
            return  # an evaluation or a persona changed, nothing shown here
        changed, last = dilemma_store.rows_changed_since(study, self._seen_history)
        if fingerprint[0] != len(self.rows) or any(row.id not in self.row_index for row in changed):
            self._reload_seq += 1
            self._reload_in_background(self._reload_seq, self._enqueued)
            return
        before, self._seen_history, self._fingerprint = self._fingerprint, last, fingerprint
        for row in changed:
            self._update_row(row)
        self.update_counts()
        current = self.dilemma.id if self.dilemma else None
        # Its text or labels changed, or a label check or blind labels arrived (the fingerprint's tail).
        if current is not None and (current in {row.id for row in changed} or before[2:] != fingerprint[2:]):
            self.show(current)

    @work(thread=True, exit_on_error=False, group="dilemmas-reload")
    def _reload_in_background(self, seq: int, enqueued: int) -> None:
        study = self.app.study
        last, fingerprint = dilemma_store.last_history_id(study), dilemmas_fingerprint(study)
        rows = dilemma_store.list_rows(study)
        self._from_thread(self._apply_reload, seq, enqueued, rows, last, fingerprint)

    def _apply_reload(self, seq: int, enqueued: int, rows, last: int, fingerprint: tuple) -> None:
        if seq != self._reload_seq:
            return  # a newer reload is on its way
        if enqueued != self._enqueued or self.pending:
            self._stale = True  # read before this screen's own latest change: it would look undone
            return
        self._seen_history, self._fingerprint = last, fingerprint
        self._set_rows(rows, self.dilemma.id if self.dilemma else None, keep_position=True)

    def apply_filter(self, keep: str | None = None, *, keep_position: bool = False) -> None:
        f, cat = self.filter, catalogue()
        matches = review_store.search_ids(self.app.study, f.text) if f.text else None
        rows = self.rows
        if f.status:
            rows = [r for r in rows if r.status == f.status]
        if f.value:
            rows = [r for r in rows if r.value_id == f.value]
        if f.type:
            rows = [r for r in rows if cat.value(r.value_id).type == f.type]
        if f.topic:
            rows = [r for r in rows if r.topic_id == f.topic]
        if f.flag:
            rows = [r for r in rows if f.flag in r.flags]
        if matches is not None:
            rows = [r for r in rows if r.id in matches]
        if f.conflict:
            from valuegap_tui.review import merge as review_merge

            in_conflict = review_merge.conflicts(self.app.study)
            rows = [r for r in rows if r.id in in_conflict]
        self.filtered = rows
        self.filtered_index = {row.id: i for i, row in enumerate(rows)}
        fallback = min(self.position, max(0, len(rows) - 1)) if keep_position else 0
        index = next((i for i, r in enumerate(rows) if r.id == keep), fallback) if keep else fallback
        self.page_start = -1
        self.go_to(index)
        self.update_counts()

    def _cells(self, row: DilemmaRow) -> list[Text]:
        cat = catalogue()
        value = cat.value(row.value_id)
        reviewer = "" if self.blind else (row.reviewer or "")
        # Text cells: DataTable would otherwise read plain strings as markup.
        return [
            Text(row.status, style=_STATUS_STYLE.get(row.status, "")), Text(value.name),
            Text(cat.topic(row.topic_id).name), Text(cat.value_type(value.type).name),
            Text(one_line(",".join(row.flags)), style="yellow"), Text(one_line(reviewer)),
        ]

    def fill_page(self, start: int) -> None:
        # The same rows as shown (the full list arriving after the first page, a reload that changed
        # a few rows) are updated in place; another page is built anew.
        self._table_fill = True
        self.query_one(InPlaceTable).show_rows([(row.id, self._cells(row)) for row in self.filtered[start : start + PAGE]])
        self.page_start = start
        self._table_fill = False

    def go_to(self, index: int) -> None:
        """Make filtered[index] the current dilemma: page the table if needed, move the cursor, show it."""
        if not self.filtered:
            self.position = 0
            self.fill_page(0)
            self.show(None)
            return
        index = max(0, min(index, len(self.filtered) - 1))
        self.position = index
        start = index - index % PAGE
        if start != self.page_start:
            self.fill_page(start)
        table = self.query_one(DataTable)
        if table.cursor_row != index - start:
            self._table_fill = True
            table.move_cursor(row=index - start)
            self._table_fill = False
        self.show(self.filtered[index].id)

    @on(DataTable.RowHighlighted, "#dilemma-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self._table_fill or event.row_key is None:
            return
        index = self.page_start + event.cursor_row
        if index != self.position and index < len(self.filtered):
            self.position = index
            self.show(self.filtered[index].id)

    def update_counts(self) -> None:
        counts = self.status_counts
        text = Text()
        for status in STATUS_ORDER:
            text.append(f"{status} {counts.get(status, 0)}", style=_STATUS_STYLE.get(status, ""))
            text.append("  ")
        shown = f"{self.position + 1 if self.filtered else 0}/{len(self.filtered)}"
        total = len(self.rows) if self._loading_rest is None else self._loading_rest
        if self._loading_rest is not None and not self.filter.describe():  # the rest is being read
            shown = f"{self.position + 1 if self.filtered else 0}/{total}"
        text.append(f"| {shown} shown of {total}")
        if self.filter.describe():
            text.append(f" | filter {self.filter.describe()}", style="italic")
        text.append(f" | {one_line(self.reviewer) or 'no reviewer'}", style="bold")
        if self.blind:
            text.append(" | BLIND", style="bold reverse")
        update_static(self.query_one("#dilemma-counts", Static), text)
        if not self.rows:
            update_static(self.query_one("#dilemma-detail-text", Static), Text(self._empty_message()))

    def _empty_message(self) -> str:
        from valuegap_tui.designs import DEFAULT_DESIGN, study_design

        design = study_design(self.app.study)
        if design.id != DEFAULT_DESIGN:  # its items are not poster dilemmas: say where they are
            from valuegap_tui.store import items as item_store

            count = item_store.count(self.app.study, design)
            return (f"This study holds the {design.title} design ({count} items; `valuegap info` counts them): "
                    "this screen reviews the poster's dilemmas. Its runs and results: F4 and F5 (tab 7); "
                    "docs/designs.md.")
        return "No dilemmas yet: import some (valuegap import), generate them (F2) or write one (ctrl+n)."

    def _replace_row(self, dilemma: Dilemma, reviewer: str) -> None:
        """Bring a list row up to date after a change, without reloading the list."""
        i = self.row_index.get(dilemma.id)
        if i is None:
            return
        row = self.rows[i]._replace(status=dilemma.status.value, flags=tuple(dilemma.flags),
                                    reviewer=reviewer)
        self._update_row(row)
        self.update_counts()

    def _update_row(self, row: DilemmaRow) -> None:
        """Put a changed row in the list, the counts and (if on the page) the table."""
        i = self.row_index[row.id]
        old, self.rows[i] = self.rows[i], row
        self.status_counts[old.status] -= 1
        self.status_counts[row.status] += 1
        index = self.filtered_index.get(row.id)
        if index is None:
            return
        self.filtered[index] = row
        if _shown(row) != _shown(old) and self.page_start <= index < self.page_start + PAGE:
            self.query_one(InPlaceTable).replace_rows([(row.id, self._cells(row))])

    # --- detail --------------------------------------------------------------------------------
    def show(self, dilemma_id: str | None) -> None:
        study = self.app.study
        self.dilemma = dilemma_store.get(study, dilemma_id) if dilemma_id else None
        if self.dilemma is not None and self.blind:
            self.blind_labels = review.blind_labels(study, self.dilemma.id, self.reviewer)
        self.draw_detail()
        self.update_counts()
        if self.key_at is not None:
            self.call_after_refresh(self._drawn)

    def _drawn(self) -> None:
        if self.key_at is not None:
            self.latencies_ms.append((key_clock() - self.key_at) * 1000)
            self.key_cpu_ms.append((time.thread_time() - self._key_cpu_at) * 1000)
            self.key_at = None

    def display_order(self) -> list[int]:
        """Option positions in display order: stored order, or shuffled per reviewer in blind mode."""
        order = list(range(len(self.dilemma.options)))
        if self.blind:
            random.Random(f"{self.reviewer}:{self.dilemma.id}").shuffle(order)
        return order

    def draw_detail(self) -> None:
        detail = self.query_one("#dilemma-detail-text", Static)
        second = self.query_one("#review-second", Static)
        actions = self.query_one("#review-actions", OptionList)
        highlighted = actions.highlighted or 0
        d = self.dilemma
        if d is None:
            actions.clear_options()
            update_static(detail, Text("No dilemma matches." if self.rows else ""))
            update_static(second, "")
            return
        cat = catalogue()
        value = cat.value(d.value)
        text = Text()
        text.append(value.name, style="bold")
        text.append(f" ({value.gloss})\n", style="italic")
        text.append(f"{cat.value_type(value.type).name} | {cat.topic(d.topic).name} | ")
        text.append(d.status.value, style=_STATUS_STYLE.get(d.status.value, ""))
        if d.flags:
            text.append(" | " + one_line(", ".join(d.flags)), style="yellow")
        text.append(f" | {one_line(d.id)}\n\n", style="dim")
        text.append(visible(d.scenario))
        if d.notes and not self.blind:  # notes may name labels: hidden while labelling blind
            text.append("\n\nNotes: ", style="bold").append(visible(d.notes))
        update_static(detail, text)
        options = []
        for n, pos in enumerate(self.display_order()):
            label = self.blind_labels[pos] if self.blind else d.options[pos].label
            prompt = Text()
            prompt.append_text(label_text(label) if label else Text(f" {'? unlabelled':<18}", style="reverse"))
            prompt.append(f" {n + 1}. ")
            prompt.append(visible(d.options[pos].text))
            options.append(Option(prompt, id=str(pos)))
        actions.set_options(options)
        actions.highlighted = min(highlighted, len(options) - 1)
        update_static(second, self._second_opinion(d))

    def _second_opinion(self, d: Dilemma) -> Text:
        if self.blind:
            return Text("")
        text = self._flag_notes(d)
        check = review_store.latest_label_check(self.app.study, d.id)
        if check is None:
            return text
        text.append("\n")
        verdict = "DOUBTFUL" if check.doubtful else "agrees"
        errors = f"{check.sign_errors} sign error{'s' if check.sign_errors != 1 else ''}"
        text.append(f"Second opinion ({one_line(check.model)}): {verdict}, spearman {check.spearman:+.2f}, {errors}\n",
                    style="bold yellow" if check.doubtful else "bold")
        text.append("action numbers, most aligning -> most opposing (| splits the halves)\n", style="dim")
        half = len(check.label_order) // 2
        for name, order in (("labels", check.label_order), ("model ", check.model_order)):
            text.append(f"  {name}: ")
            for i, pos in enumerate(order):
                wrong = (i < half) != d.options[pos].label.aligning
                text.append(f"{pos + 1} ", style="bold red" if wrong else "")
                if i == half - 1:
                    text.append("| ")
            text.append("\n")
        return text + self._label_fix(d, check)

    def _flag_notes(self, d: Dilemma) -> Text:
        text = Text()
        for flag, why in flag_notes.notes(d):
            text.append(f"\n{one_line(flag)}", style="yellow")  # flags may come from an import
            text.append(f": {visible(why)}")
        if text:
            text.append("\n")
        return text

    def _label_fix(self, d: Dilemma, check: review_store.LabelCheck) -> Text:
        """Per-label confidence over the judgements, and the suggested fix with how to apply it."""
        from valuegap_tui.review import label_check
        text = Text()
        if check.pair_confidence:
            confidence = label_check.label_confidence(check)
            text.append(f"  label confidence ({check.judgements} judgements): ", style="dim")
            text.append(" ".join(f"{pos + 1}:{confidence[pos]:.0%}" for pos in check.label_order) + "\n")
        if check.suggested_labels is None:
            return text
        if label_check.fix_applies(d, check):
            suspects = ", ".join(f"action {pos + 1}" for pos in check.suspects)
            text.append(f"  doubted: {suspects}\n  suggested: {label_check.describe_fix(d, check.suggested_labels)}"
                        "  (f applies it, u undoes)\n", style="bold yellow")
        elif tuple(o.label.value for o in d.options) == check.suggested_labels:
            text.append("  suggested fix applied\n", style="green")
        else:
            text.append("  labels changed since this check: check again (c)\n", style="dim")
        return text

    def selected_option(self) -> int | None:
        actions = self.query_one("#review-actions", OptionList)
        if self.dilemma is None or actions.highlighted is None:
            return None
        return int(actions.get_option_at_index(actions.highlighted).id)

    # --- writes --------------------------------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="review-writer")
    def _writer(self) -> None:
        """Commit queued changes in order, one at a time; report each after its commit."""
        worker = get_current_worker()
        while not worker.is_cancelled:
            try:
                job = self.writes.get(timeout=0.2)
            except queue.Empty:
                continue
            if job is None:
                return
            label, write = job
            try:
                result = write()
            except Exception as exc:  # noqa: BLE001 - every failure is shown, none kills the writer
                self._from_thread(self._write_failed, label, exc)
            else:
                self._from_thread(self._write_done, label, result)

    def _from_thread(self, callback: Callable, *args) -> None:
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:
            pass  # the app is closing; the write itself is committed

    def enqueue(self, label: str, write: Callable) -> None:
        self.pending += 1
        self._enqueued += 1
        self._set_status(f"saving {label} ...")
        self.writes.put((label, write))

    def _write_done(self, label: str, result) -> None:
        self.pending -= 1
        if isinstance(result, Dilemma):
            self._replace_row(result, self.reviewer)
            if self.dilemma is not None and result.id == self.dilemma.id and not self.pending:
                self.dilemma = result
                self.draw_detail()
        if label == "undo":
            if result is None:
                self.notify("nothing to undo")
            else:
                index = self.filtered_index.get(result.id)
                if index is not None:
                    self.go_to(index)
        self._set_status(f"saved {label}")
        if self._stale and not self.pending:
            self.study_changed()

    def _write_failed(self, label: str, exc: Exception) -> None:
        self.pending -= 1
        self._set_status(f"NOT saved {label}: {exc}")
        self.notify(visible(f"not saved: {exc}"), severity="error", markup=False)
        self.reload(keep=self.dilemma.id if self.dilemma else None)

    def _set_status(self, message: str) -> None:
        pending = f" ({self.pending} pending)" if self.pending else ""
        update_static(self.query_one("#review-status", Static), Text(one_line(f"{message}{pending}")))

    def _can_write(self) -> bool:
        if not self.reviewer:
            self.notify("enter your reviewer name first", severity="warning")
            self.action_ask_reviewer()
            return False
        return self.dilemma is not None

    # --- actions -------------------------------------------------------------------------------
    def action_decide(self, decision: str) -> None:
        if not self._can_write():
            return
        self.key_at, self._key_cpu_at = self.app.take_key_time(), time.thread_time()
        d, who, study = self.dilemma, self.reviewer, self.app.study
        decision = review.Decision(decision)
        if decision is review.Decision.ACCEPT:
            problems = describe_label_problems(self.blind_labels if self.blind else [o.label for o in d.options])
            if problems:
                self.key_at = None
                self.notify(visible(f"cannot accept: {problems}"), severity="error", markup=False)
                return
        if decision is not review.Decision.SKIP:
            if self.blind and decision is review.Decision.ACCEPT:
                self.enqueue(f"labels for {d.id}", lambda: review.blind_submit(study, d.id, reviewer=who) and None)
            else:
                self.enqueue(f"{decision.value} {d.id}", lambda: review.decide(study, d.id, decision, reviewer=who))
                self._replace_row(d.model_copy(update={"status": review.DECISION_STATUS[decision]}), who)
        self.go_to(self.position + 1)

    def action_move(self, delta: int) -> None:
        self.key_at, self._key_cpu_at = self.app.take_key_time(), time.thread_time()
        self.go_to(self.position + delta)

    def action_undo(self) -> None:
        if not self._can_write():
            return
        study, who = self.app.study, self.reviewer
        self.enqueue("undo", lambda: review.undo(study, reviewer=who))

    def action_relabel(self, label_index: int) -> None:
        if not self._can_write():
            return
        pos = self.selected_option()
        if pos is None:
            return
        label = AlignmentLabel.ordered()[label_index]
        d, who, study = self.dilemma, self.reviewer, self.app.study
        if self.blind:
            self.blind_labels = review.swap_labels(self.blind_labels, pos, label)
            self.enqueue(f"label {d.id}", lambda: review.blind_relabel(study, d.id, pos, label, reviewer=who) and None)
        else:
            labels = review.swap_labels([o.label for o in d.options], pos, label)
            self.dilemma = d.model_copy(
                update={"options": [o.model_copy(update={"label": l}) for o, l in zip(d.options, labels)]}
            )
            self.enqueue(f"relabel {d.id}", lambda: review.relabel(study, d.id, pos, label, reviewer=who))
        self.draw_detail()

    def action_edit(self) -> None:
        from valuegap_tui.tui.screens.review_modals import EditTextScreen
        if not self._can_write():
            return
        d = self.dilemma
        if self.focused is self.query_one("#review-actions"):
            pos = self.selected_option()
            field, title, text = pos, f"Edit action {pos + 1} of {d.id}", d.options[pos].text
        else:
            field, title, text = "scenario", f"Edit the scenario of {d.id}", d.scenario
        study, who = self.app.study, self.reviewer

        def done(shown_text: str | None) -> None:
            # The editor shows control characters as visible stand-ins; untouched ones go back as they were.
            new_text = None if shown_text is None else restore_controls(text, shown_text)
            if new_text is not None and new_text != text:
                self.enqueue(f"edit {d.id}", lambda: review.edit_text(study, d.id, field, new_text, reviewer=who))

        self.app.push_screen(EditTextScreen(title, editable(text)), done)

    def action_focus_actions(self) -> None:
        actions = self.query_one("#review-actions", OptionList)
        if self.focused is actions:
            self.query_one(DataTable).focus()
        else:
            actions.focus()

    def action_back_to_list(self) -> None:
        for input_id in ("#review-filter",):
            self.query_one(input_id).display = False
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        box = self.query_one("#review-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#review-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        parsed = parse_filter(event.value)
        if parsed.problems:  # the box stays open with the text, to be corrected
            self.notify("filter not applied: " + "; ".join(parsed.problems), severity="warning", markup=False)
            return
        self.filter = parsed
        keep = self.dilemma.id if self.dilemma else None
        self.apply_filter(keep=keep)
        event.input.display = False
        self.query_one(DataTable).focus()

    def action_ask_reviewer(self) -> None:
        box = self.query_one("#review-name", Input)
        box.value = self.reviewer
        box.display = True
        box.focus()

    @on(Input.Submitted, "#review-name")
    def _name_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if not name:
            self.notify("a reviewer name is needed to record decisions", severity="warning")
            return
        self.reviewer = name
        self._save_reviewer()
        event.input.display = False
        self.query_one(DataTable).focus()
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
        self.notify("blind mode: your own labels, others' hidden" if self.blind else "blind mode off")

    def action_history(self) -> None:
        from valuegap_tui.tui.screens.review_modals import TextViewScreen
        if self.dilemma is None:
            return
        entries = dilemma_store.history(self.app.study, self.dilemma.id)
        undone = review_store.undone_ids(self.app.study)
        body = Text(f"History of {self.dilemma.id} ({len(entries)} revisions, oldest first)\n\n", style="bold")
        for entry in entries:
            body.append(f"r{entry.revision:<3} {entry.at[:19]}  {one_line(entry.who):<12} {one_line(entry.action):<11}")
            body.append(" (undone)" if entry.id in undone else "", style="dim")
            body.append(f"  {one_line(_describe_change(entry.before, entry.after))}\n")
        self.app.push_screen(TextViewScreen(body))

    def action_reviewers_side_by_side(self) -> None:
        from valuegap_tui.review import merge as review_merge
        from valuegap_tui.tui.screens.review_conflicts import ReviewersSideBySide
        if self.dilemma is None:
            return
        if self.blind:
            self.notify("blind mode hides the other reviewers: turn it off (b) to compare", severity="warning")
            return
        per_reviewer = review_merge.positions(self.app.study, self.dilemma.id).get(self.dilemma.id, {})
        if not per_reviewer:
            self.notify(f"no reviewer has reviewed {self.dilemma.id} yet")
            return
        self.app.push_screen(ReviewersSideBySide(self.dilemma, per_reviewer))

    def action_guidelines(self) -> None:
        from valuegap_tui.tui.screens.review_modals import GuidelinesScreen
        path = PROMPTS_DIR / "review_guidelines.md"
        text = path.read_text(encoding="utf-8") if path.is_file() else "No guidelines file found."
        self.app.push_screen(GuidelinesScreen(text))

    def action_agreement(self) -> None:
        from valuegap_tui.tui.screens.review_modals import TextViewScreen
        pairs, found = review.agreement_report(self.app.study)
        body = Text("Agreement on the labels (quadratic-weighted kappa)\n\n", style="bold")
        for line in review.format_agreement(pairs):
            body.append(one_line(line) + "\n")
        body.append(f"\n{len(found)} disagreements, largest first\n", style="bold")
        for d in found[:200]:
            labels = ", ".join(f"{rater} {label.score:+d}" for rater, label in sorted(d.labels.items()))
            body.append(one_line(f"{d.dilemma_id} action {d.option + 1}: {labels}") + "\n")
        self.app.push_screen(TextViewScreen(body))

    def action_apply_fix(self) -> None:
        """Apply the second opinion's suggested labels: the reviewer's relabel, undone with u."""
        from valuegap_tui.review import label_check
        if not self._can_write():
            return
        if self.blind:
            self.notify("leave blind mode (b) to apply a suggested fix", severity="warning")
            return
        d, who, study = self.dilemma, self.reviewer, self.app.study
        if not label_check.fix_applies(d, review_store.latest_label_check(study, d.id)):
            self.notify(f"no suggested label fix for {d.id} (check its labels with c)", severity="warning", markup=False)
            return
        self.enqueue(f"label fix {d.id}", lambda: review.apply_label_fix(study, d.id, reviewer=who))

    def action_check_labels(self) -> None:
        ids = [r.id for r in self.filtered]
        if ids:
            self.notify(f"checking the labels of {len(ids)} dilemmas ...")
            self._check_labels(ids)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-check")
    def _check_labels(self, ids: list[str]) -> None:
        from valuegap_tui.review import label_check
        study = self.app.study
        try:
            client = label_check.make_client()
        except Exception as exc:  # noqa: BLE001 - no server configured, bad profile ...
            self._from_thread(self.notify, visible(f"label check: {exc}"), severity="error", markup=False)
            return
        dilemmas = [d for d in (dilemma_store.get(study, i) for i in ids) if d is not None]

        async def run():
            try:
                return await label_check.check_dilemmas(study, client, dilemmas)
            finally:
                await client.aclose()

        outcomes = asyncio.run(run())
        doubtful = sum(1 for o in outcomes if o.check and o.check.doubtful)
        errors = sum(1 for o in outcomes if o.error)
        self._from_thread(self.notify, f"label check: {doubtful} doubtful, {errors} errors")
        self._from_thread(self.reload, self.dilemma.id if self.dilemma else None)

    # --- written by hand -------------------------------------------------------------------------
    def action_new_dilemma(self, duplicate: bool = False) -> None:
        from valuegap_tui.tui.screens.dilemma_editor import NewDilemmaScreen

        if not self.reviewer:  # _can_write also wants a dilemma shown; an empty study may have none
            self._can_write()
            return
        start = self.dilemma if duplicate else None
        if duplicate and start is None:
            return
        study, who = self.app.study, self.reviewer

        def done(dilemma: Dilemma | None) -> None:
            if dilemma is not None:
                self.enqueue(f"new {dilemma.id}", lambda: review.add_new(study, dilemma, reviewer=who))

        self.app.push_screen(NewDilemmaScreen(lambda value, topic: review.next_variant(study, value, topic), start),
                             done)

    def action_duplicate_dilemma(self) -> None:
        self.action_new_dilemma(duplicate=True)

    def action_edit_notes(self) -> None:
        from valuegap_tui.tui.screens.review_modals import EditTextScreen
        if not self._can_write() or self.dilemma is None:
            return
        d, study, who = self.dilemma, self.app.study, self.reviewer

        def done(shown_text: str | None) -> None:
            new_text = None if shown_text is None else restore_controls(d.notes, shown_text)
            if new_text is not None and new_text != d.notes:
                self.enqueue(f"notes {d.id}", lambda: review.edit_notes(study, d.id, new_text, reviewer=who))

        self.app.push_screen(EditTextScreen(f"Reviewer notes on {d.id}", editable(d.notes)), done)


def _shown(row: DilemmaRow) -> tuple:
    """The parts of a list row the screen shows (revision and time aside)."""
    return row.id, row.value_id, row.topic_id, row.variant, row.status, row.flags, row.reviewer


_STATUS_STYLE = {"accepted": "green", "rejected": "red", "needs-edit": "yellow", "draft": ""}


def _load_reviewer() -> tuple[ReviewerSettings, str | None]:
    """The [reviewer] settings, and what is wrong with them when they cannot be used (the defaults then)."""
    try:
        return load_settings(only=("reviewer",)).reviewer, None
    except ConfigError as exc:
        return ReviewerSettings(), str(exc)


def _describe_change(before: Dilemma | None, after: Dilemma) -> str:
    from valuegap_tui.review import history as history_diff
    return history_diff.describe_change(before, after)
