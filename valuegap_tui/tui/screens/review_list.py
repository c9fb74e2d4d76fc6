"""The review screen's list: light rows read a page first, the rest in a worker; the filter; paging; the
counts line; rows kept up to date in place as the study changes (``ReviewList``, mixed into
``DilemmasScreen``, which has ``app``, ``parts``, ``query_one``, the writer and ``draw_detail``)."""

from __future__ import annotations

import gc
import time
from collections import Counter

from rich.text import Text
from textual import work
from textual.widgets import DataTable, Static

from valuegap_tui.review.filters import matching
from valuegap_tui.store import item_rows
from valuegap_tui.store import items as item_store
from valuegap_tui.store import review as review_store
from valuegap_tui.store.changes import dilemmas_fingerprint
from valuegap_tui.store.item_rows import ItemRow
from valuegap_tui.text import one_line
from valuegap_tui.tui.textual_private import key_clock
from valuegap_tui.tui.widgets.in_place import InPlaceTable, update_static
from valuegap_tui.tui.widgets.review_detail import STATUS_STYLE

PAGE = 200
#: how long after the first frame the rest of a large study's rows are read. Textual lays the screen out
#: and renders it inside its start-up batch, which paints nothing; the frame a person sees is rendered
#: once that batch ends, 30-100 ms later. Read at the first refresh, the rows were read beside that frame.
REST_AFTER_S = 0.1


def _shown(row: ItemRow) -> tuple:
    """The parts of a list row the screen shows (revision and time aside)."""
    return row.id, row.value_id, row.topic_id, row.variant, row.status, row.flags, row.reviewer


class ReviewList:
    # --- reading the rows ------------------------------------------------------------------------
    def _open_first_page(self) -> None:
        """Show the first page at once and read the rest of a large study in a worker once the first
        frame is on screen (``REST_AFTER_S``): it waits for 200 rows, not 10,000. Until the rest is in, the counts come from
        the study. (A first page of only the rows the screen shows took 6 ms off the first frame, but
        the rest's arrival then changed the table's height and drew all its lines again: 35 ms more on
        the UI thread just after the first frame, where a first key lands.)"""
        study, design = self.app.study, self.parts.design
        self._seen_history, self._fingerprint = item_rows.last_history_id(study), dilemmas_fingerprint(study)
        rows = item_rows.list_rows(study, design, limit=PAGE + 1)
        if len(rows) <= PAGE:  # the whole study
            self._set_rows(rows, None, False)
            return
        self._set_rows(rows, None, False, partial_of=item_store.count(study, design))
        self.status_counts = Counter(item_rows.counts_by(study, design, "status"))
        self.update_counts()
        self._reload_seq += 1
        seq, enqueued = self._reload_seq, self._enqueued
        # once the first frame is on screen: reading and filtering 10,000 rows meanwhile delayed it
        self.call_after_refresh(self.set_timer, REST_AFTER_S, lambda: self._reload_in_background(seq, enqueued))

    def reload(self, keep: str | None = None, *, keep_position: bool = False) -> None:
        study = self.app.study
        # Read the markers first: the rows are then at least as new, and later changes are not missed.
        self._seen_history, self._fingerprint = item_rows.last_history_id(study), dilemmas_fingerprint(study)
        self._set_rows(item_rows.list_rows(study, self.parts.design), keep, keep_position)

    def _set_rows(self, rows: list[ItemRow], keep: str | None, keep_position: bool, *,
                  partial_of: int | None = None) -> None:
        """Show ``rows``: every item, or the first page of ``partial_of`` while the rest is read."""
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
        only new items make the whole list be read again, in a worker thread."""
        if self.pending or not self.writer.idle():
            self._stale = True  # own changes in flight: the list would flicker back; look after them
            return
        self._stale = False
        study = self.app.study
        fingerprint = dilemmas_fingerprint(study)
        if fingerprint == self._fingerprint:
            return  # an evaluation or a persona changed, nothing shown here
        changed, last = item_rows.rows_changed_since(study, self.parts.design, self._seen_history)
        if fingerprint[0] != len(self.rows) or any(row.id not in self.row_index for row in changed):
            self._reload_seq += 1
            self._reload_in_background(self._reload_seq, self._enqueued)
            return
        before, self._seen_history, self._fingerprint = self._fingerprint, last, fingerprint
        for row in changed:
            self._update_row(row)
        self.update_counts()
        current = self.item.id if self.item else None
        # Its text or labels changed, or a label check or blind labels arrived (the fingerprint's tail).
        if current is not None and (current in {row.id for row in changed} or before[2:] != fingerprint[2:]):
            self.show(current)

    @work(thread=True, exit_on_error=False, group="dilemmas-reload")
    def _reload_in_background(self, seq: int, enqueued: int) -> None:
        study = self.app.study
        last, fingerprint = item_rows.last_history_id(study), dilemmas_fingerprint(study)
        rows = item_rows.list_rows(study, self.parts.design)
        self._from_thread(self._apply_reload, seq, enqueued, rows, last, fingerprint)

    def _apply_reload(self, seq: int, enqueued: int, rows, last: int, fingerprint: tuple) -> None:
        if seq != self._reload_seq:
            return  # a newer reload is on its way
        if enqueued != self._enqueued or self.pending:
            self._stale = True  # read before this screen's own latest change: it would look undone
            return
        self._seen_history, self._fingerprint = last, fingerprint
        self._set_rows(rows, self.item.id if self.item else None, keep_position=True)

    # --- the filter and the page ------------------------------------------------------------------
    def apply_filter(self, keep: str | None = None, *, keep_position: bool = False) -> None:
        wanted, study = self.filter, self.app.study
        in_conflict = None
        if wanted.conflict:
            from valuegap_tui.review import merge as review_merge

            in_conflict = review_merge.conflicts(study)
        rows = matching(self.rows, wanted, self.words, hidden_topics=self.parts.hidden_topics,
                        text_matches=review_store.search_ids(study, wanted.text) if wanted.text else None,
                        in_conflict=in_conflict)
        self.filtered = rows
        self.filtered_index = {row.id: i for i, row in enumerate(rows)}
        fallback = min(self.position, max(0, len(rows) - 1)) if keep_position else 0
        index = next((i for i, r in enumerate(rows) if r.id == keep), fallback) if keep else fallback
        self.page_start = -1
        self.go_to(index)
        self.update_counts()

    def _cells(self, row: ItemRow) -> list[Text]:
        reviewer = "" if self.blind else (row.reviewer or "")
        # Text cells: DataTable would otherwise read plain strings as markup.
        return [Text(row.status, style=STATUS_STYLE.get(row.status, "")),
                *(Text(one_line(cell)) for cell in self.parts.cells(row)),
                Text(one_line(",".join(row.flags)), style="yellow"), Text(one_line(reviewer))]

    def fill_page(self, start: int) -> None:
        # The same rows as shown (the full list arriving after the first page, a reload that changed
        # a few rows) are updated in place; another page is built anew.
        self._table_fill = True
        self.query_one(InPlaceTable).show_rows([(row.id, self._cells(row)) for row in self.filtered[start:start + PAGE]])
        self.page_start = start
        self._table_fill = False

    def go_to(self, index: int) -> None:
        """Make filtered[index] the current item: page the table if needed, move the cursor, show it."""
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

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # A message is read after the key that moved the cursor has run, and keys typed fast run
        # before the messages of the keys before them: one whose row the cursor has since left would
        # take the screen back a row, and the next key would decide the item just decided again.
        if self._table_fill or event.row_key is None or event.cursor_row != event.data_table.cursor_row:
            return
        index = self.page_start + event.cursor_row
        if index != self.position and index < len(self.filtered):
            self.position = index
            self.show(self.filtered[index].id)

    def update_counts(self) -> None:
        counts = self.status_counts
        text = Text()
        for status in self.parts.statuses:
            text.append(f"{status} {counts.get(status, 0)}", style=STATUS_STYLE.get(status, ""))
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
            update_static(self.query_one("#dilemma-detail-text", Static), Text(self.parts.empty_hint))

    def _replace_row(self, item, reviewer: str, *, counts: bool = True) -> None:
        """Bring a list row up to date after a change, without reloading the list; ``counts=False``
        where the caller shows the next item right after (``show`` draws the counts line then)."""
        from valuegap_tui.tui.widgets.review_detail import status_of

        i = self.row_index.get(item.id)
        if i is None:
            return
        row = self.rows[i]._replace(status=status_of(item), flags=tuple(getattr(item, "flags", ()) or ()),
                                    reviewer=reviewer)
        self._update_row(row)
        if counts:
            self.update_counts()

    def _update_row(self, row: ItemRow) -> None:
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

    # --- the current item ------------------------------------------------------------------------
    def show(self, item_id: str | None) -> None:
        study = self.app.study
        self.item = item_store.get(study, self.parts.design, item_id) if item_id else None
        if self.item is not None and self.blind and "blind_labels" in self.parts.tools:
            self.blind_labels = self.parts.blind_labels(study, self.item.id, self.reviewer)
        self.draw_detail()
        self.update_counts()
        if self.key_at is not None:
            self.call_after_refresh(self._drawn)

    def _drawn(self) -> None:
        if self.key_at is not None:
            self.latencies_ms.append((key_clock() - self.key_at) * 1000)
            self.key_cpu_ms.append((time.thread_time() - self._key_cpu_at) * 1000)
            self.key_at = None
