"""The review screen's pop-up actions and optional tools (``ReviewActions``, mixed into ``DilemmasScreen``):
edit, notes, history, guidelines, and, where the design has them (``ReviewParts.tools``), agreement,
the second opinion and its fix, items written by hand, and the reviewers side by side.

Every change is queued to the screen's writer (``enqueue``); nothing here writes on the UI thread.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import work

from valuegap_tui.paths import PROMPTS_DIR
from valuegap_tui.review import decisions as review
from valuegap_tui.store import item_rows
from valuegap_tui.store import review as review_store
from valuegap_tui.text import editable, one_line, restore_controls, visible


class ReviewActions:
    def action_edit(self) -> None:
        from valuegap_tui.tui.screens.review_modals import EditTextScreen

        if not self._can_write():
            return
        item = self.item
        option = self.detail.selected_option() if self.focused is self.query_one("#review-actions") else None
        title, text = self.parts.editable(item, option)
        study, who, field = self.app.study, self.reviewer, "scenario" if option is None else option

        def done(shown_text: str | None) -> None:
            # The editor shows control characters as visible stand-ins; untouched ones go back as they were.
            new_text = None if shown_text is None else restore_controls(text, shown_text)
            if new_text is not None and new_text != text:
                self.enqueue(f"edit {item.id}", lambda: review.edit_text(study, item.id, field, new_text, reviewer=who))

        self.app.push_screen(EditTextScreen(title, editable(text)), done)

    def action_edit_notes(self) -> None:
        from valuegap_tui.tui.screens.review_modals import EditTextScreen

        if not self._can_write():
            return
        item, study, who = self.item, self.app.study, self.reviewer
        notes = str(getattr(item, "notes", "") or "")

        def done(shown_text: str | None) -> None:
            new_text = None if shown_text is None else restore_controls(notes, shown_text)
            if new_text is not None and new_text != notes:
                self.enqueue(f"notes {item.id}", lambda: review.edit_notes(study, item.id, new_text, reviewer=who))

        self.app.push_screen(EditTextScreen(f"Reviewer notes on {item.id}", editable(notes)), done)

    def action_history(self) -> None:
        from valuegap_tui.tui.screens.review_modals import TextViewScreen

        if self.item is None:
            return
        entries = item_rows.history(self.app.study, self.item.id)
        undone = review_store.undone_ids(self.app.study)
        body = Text(f"History of {one_line(self.item.id)} ({len(entries)} revisions, oldest first)\n\n", style="bold")
        for entry in entries:
            body.append(f"r{entry.revision:<3} {entry.at[:19]}  {one_line(entry.who):<12} {one_line(entry.action):<11}")
            body.append(" (undone)" if entry.id in undone else "", style="dim")
            body.append(f"  {one_line(self.parts.describe_change(entry.before, entry.after))}\n")
        self.app.push_screen(TextViewScreen(body))

    def action_guidelines(self) -> None:
        from valuegap_tui.tui.screens.review_modals import GuidelinesScreen

        path = PROMPTS_DIR / self.parts.guidelines
        text = path.read_text(encoding="utf-8") if path.is_file() else "No guidelines file found."
        self.app.push_screen(GuidelinesScreen(text))

    # --- the optional tools ------------------------------------------------------------------------
    def action_agreement(self) -> None:
        from valuegap_tui.tui.screens.review_modals import TextViewScreen

        body = Text()
        for segment, style in self.parts.agreement(self.app.study):
            body.append(visible(segment), style=style)
        self.app.push_screen(TextViewScreen(body))

    def action_apply_fix(self) -> None:
        """Apply the second opinion's suggested labels: the reviewer's relabel, undone with u."""
        if not self._can_write():
            return
        if self.blind:
            self.notify("leave blind mode (b) to apply a suggested fix", severity="warning")
            return
        item, who, study, parts = self.item, self.reviewer, self.app.study, self.parts
        if not parts.fix_applies(study, item):
            self.notify(f"no suggested label fix for {one_line(item.id)} (check its labels with c)",
                        severity="warning", markup=False)
            return
        self.enqueue(f"label fix {item.id}", lambda: parts.apply_fix(study, item.id, who))

    def action_check_labels(self) -> None:
        ids = [r.id for r in self.filtered]
        if ids:
            self.notify(f"checking the labels of {len(ids)} items ...")
            self._check_labels(ids)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-check")
    def _check_labels(self, ids: list[str]) -> None:
        from valuegap_tui.store import items as item_store

        study, parts = self.app.study, self.parts
        try:
            client = parts.label_check_client()
        except Exception as exc:  # noqa: BLE001 - no server configured, bad profile ...
            self._from_thread(self.notify, visible(f"label check: {exc}"), severity="error", markup=False)
            return
        found = [i for i in (item_store.get(study, parts.design, item_id) for item_id in ids) if i is not None]

        async def run():
            try:
                return await parts.check_labels(study, client, found)
            finally:
                await client.aclose()

        doubtful, errors = asyncio.run(run())
        self._from_thread(self.notify, f"label check: {doubtful} doubtful, {errors} errors")
        self._from_thread(self.reload, self.item.id if self.item else None)

    def action_new_dilemma(self, duplicate: bool = False) -> None:
        from valuegap_tui.tui.screens.dilemma_editor import NewDilemmaScreen  # the form of the write_new tool

        if not self.reviewer:  # _can_write also wants an item shown; an empty study may have none
            self._can_write()
            return
        start = self.item if duplicate else None
        if duplicate and start is None:
            return
        study, who, parts = self.app.study, self.reviewer, self.parts

        def done(item) -> None:
            if item is not None:
                self.enqueue(f"new {item.id}", lambda: parts.add_new(study, item, who))

        self.app.push_screen(NewDilemmaScreen(lambda value, topic: parts.next_variant(study, value, topic), start),
                             done)

    def action_duplicate_dilemma(self) -> None:
        self.action_new_dilemma(duplicate=True)

    def action_reviewers_side_by_side(self) -> None:
        from valuegap_tui.review import merge as review_merge
        from valuegap_tui.tui.screens.review_conflicts import ReviewersSideBySide

        if self.item is None:
            return
        if self.blind:
            self.notify("blind mode hides the other reviewers: turn it off (b) to compare", severity="warning")
            return
        per_reviewer = review_merge.positions(self.app.study, self.item.id).get(self.item.id, {})
        if not per_reviewer:
            self.notify(f"no reviewer has reviewed {one_line(self.item.id)} yet", markup=False)
            return
        self.app.push_screen(ReviewersSideBySide(self.item, per_reviewer))
