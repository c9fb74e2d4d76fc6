"""The work the app does per key and per poll stays small (bench/review_speed.py, bench/run_throughput.py
measure the times; these tests pin down the work behind them)."""

from __future__ import annotations

import gc

from textual.widgets import DataTable

from valuegap_tui.config import save_section
from valuegap_tui.evaluate.live import KindGap
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens.runs import Snapshot
from tests.helpers.dilemmas import make_dilemma


def drafts_for_ann(study, n: int) -> None:
    """``n`` generated drafts to review, and the reviewer ann."""
    dilemma_store.save_many(study, [make_dilemma(variant=i) for i in range(1, n + 1)], who="generator", action="create")
    save_section("reviewer", {"name": "ann"})


def counting(obj, name: str) -> list[int]:
    calls, original = [0], getattr(obj, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(obj, name, counted)
    return calls


async def test_a_decision_repaints_the_decided_row_and_the_next_not_the_table(study):
    drafts_for_ann(study, 80)
    app = ValueGapApp(study)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause()
        table = screen.query_one("#dilemma-table", DataTable)
        lines = counting(table, "render_line")
        await pilot.press("a")
        for _ in range(20):
            await pilot.pause(0.02)
            if not screen.pending:
                break
        await pilot.pause()
        # The accepted row and the cursor's new row; update_cell drew every visible line (36).
        assert 2 <= lines[0] <= 4
        assert str(table.get_row_at(0)[0]) == "accepted"
        assert gc.get_freeze_count() > 0  # what the study loaded is out of the collector's way


def snapshot(i: int, replies: str) -> Snapshot:
    progress = progress_store.Progress(total=100, done=i, answered=i, invalid=0, by_group={("m", "baseline"): (i, 100)},
                                  outcomes={"valid": i}, responses=i)
    latest = [{"model": "m", "persona_id": "baseline", "dilemma_id": f"d{k}", "question": k % 2, "outcome": "valid",
               "letter": letter, "score": 1, "raw_text": letter, "error": None} for k, letter in enumerate(replies)]
    gaps = [KindGap("m", "baseline", 1, i, 0.5, 1.0, None, None)]
    return Snapshot(1, "running", progress, 10.0, latest, gaps)


async def test_a_poll_replaces_changed_cells_in_place(study):
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        screen.selected = 1
        screen._show(snapshot(10, "ABCDEFAB"))
        await pilot.pause()
        latest = screen.query_one("#runs-latest", DataTable)
        clears, lines = counting(latest, "clear"), counting(latest, "render_line")
        screen._show(snapshot(10, "ABCDEFAB"))  # nothing new: nothing drawn
        await pilot.pause()
        assert lines[0] == 0
        screen._show(snapshot(11, "ABCDEFAA"))  # one reply changed: its row alone
        await pilot.pause()
        assert clears[0] == 0 and lines[0] == 1
        assert [str(c) for c in latest.get_row_at(7)][5] == "A"


async def _until_every_row_is_read(pilot, screen, n: int) -> None:
    for _ in range(100):
        await pilot.pause(0.02)
        if screen._loading_rest is None and len(screen.rows) == n:
            return


async def test_a_large_study_draws_its_first_page_before_reading_the_rest(study, monkeypatch):
    """The first frame shows the first page and the study's counts; the other rows are read after it
    (reading and filtering them meanwhile delayed it), then every row is there and can be reached."""
    from valuegap_tui.tui.screens import dilemmas as dilemmas_screen
    from valuegap_tui.tui.screens.review_list import PAGE

    n = PAGE * 2 + 50
    drafts_for_ann(study, n)
    at_first_frame = []
    opened = dilemmas_screen.DilemmasScreen._opened
    monkeypatch.setattr(dilemmas_screen.DilemmasScreen, "_opened",
                        lambda self, started: at_first_frame.append((len(self.rows), self._loading_rest))
                        or opened(self, started))
    app = ValueGapApp(study)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await _until_every_row_is_read(pilot, screen, n)
        assert at_first_frame == [(PAGE + 1, n)]  # the first page (and one more: more exist), the count
        assert len(screen.rows) == n and f"1/{n} shown of {n}" in str(screen.query_one("#dilemma-counts").render())
        screen.go_to(n - 1)
        await pilot.pause()
        assert screen.item.id == screen.filtered[n - 1].id and screen.page_start == PAGE * 2


async def test_the_rest_of_a_large_study_is_read_only_once_the_first_frame_is_on_screen(study, monkeypatch):
    """Textual paints nothing while the app starts (its start-up batch), so the screen's first refresh
    comes before the frame a person sees: the rest of the rows are read REST_AFTER_S after it, not
    beside that frame."""
    import time

    from valuegap_tui.tui.screens import dilemmas as dilemmas_screen
    from valuegap_tui.tui.screens import review_list
    from valuegap_tui.tui.screens.review_list import PAGE, REST_AFTER_S

    n = PAGE + 50
    drafts_for_ann(study, n)
    first_frame, rest_read = [], []
    opened, list_rows = dilemmas_screen.DilemmasScreen._opened, review_list.item_rows.list_rows

    def reading(study, design, limit=None):
        if limit is None:
            rest_read.append(time.monotonic())
        return list_rows(study, design, limit=limit)

    monkeypatch.setattr(review_list.item_rows, "list_rows", reading)
    monkeypatch.setattr(dilemmas_screen.DilemmasScreen, "_opened",
                        lambda self, started: first_frame.append(time.monotonic()) or opened(self, started))
    app = ValueGapApp(study)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await _until_every_row_is_read(pilot, screen, n)
        assert len(screen.rows) == n
    assert len(first_frame) == 1 and len(rest_read) == 1
    assert rest_read[0] - first_frame[0] >= REST_AFTER_S


def _modules_at_first_frame(tmp_path, prefixes: tuple[str, ...]) -> str:
    """The app opened on a fresh study in its own process: the first screen's class and the modules
    imported by its first frame whose names start with one of ``prefixes``."""
    import os
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent('''
        import asyncio, sys
        from valuegap_tui.tui.app import ValueGapApp

        async def main():
            app = ValueGapApp(sys.argv[1])
            async with app.run_test() as pilot:
                while app.screen.opened_in_s is None:
                    await asyncio.sleep(0.01)
                prefixes = tuple(sys.argv[2:])
                print(type(app.screen).__name__, sorted(m for m in sys.modules if m.startswith(prefixes)))

        asyncio.run(main())
    ''')
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.db"), *prefixes], capture_output=True,
                            text=True, env={**os.environ, "VALUEGAP_CONFIG_DIR": str(tmp_path)}, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_the_review_screen_draws_its_first_frame_without_textual_s_text_editor(tmp_path):
    """The review screen's text fields are Inputs: Textual's TextArea (its syntax themes and document
    model, 25-35 ms of the time to the first frame) is imported only by the screens that edit text."""
    assert _modules_at_first_frame(tmp_path, ("textual.document", "textual.widgets._text_area")) == "DilemmasScreen []"


def test_the_review_screen_draws_its_first_frame_without_numpy_or_the_metrics(tmp_path):
    """numpy and the metrics (0.1-0.3 s of CPU to import) are the Results screen's: the app imports them
    once it has been left idle (tui/preload.py), never before the review screen's first frame."""
    assert _modules_at_first_frame(tmp_path, ("numpy", "valuegap_tui.metrics")) == "DilemmasScreen []"


async def test_a_decision_draws_the_counts_line_once_with_the_new_counts_and_position(study):
    drafts_for_ann(study, 5)
    app = ValueGapApp(study)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause()
        calls = counting(screen, "update_counts")
        screen.action_decide("accept")
        assert calls[0] == 1  # the decided row's counts and the next item's position, in one line
        counts = str(screen.query_one("#dilemma-counts").content)
        assert "draft 4" in counts and "accepted 1" in counts and "| 2/5 shown of 5" in counts
        for _ in range(50):
            await pilot.pause(0.02)
            if not screen.pending:
                break
        assert not screen.pending
        counts = str(screen.query_one("#dilemma-counts").content)
        assert "draft 4" in counts and "accepted 1" in counts and "| 2/5 shown of 5" in counts
        assert str(screen.query_one("#dilemma-table", DataTable).get_row_at(0)[0]) == "accepted"
