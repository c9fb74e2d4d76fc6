"""The Results screen writes the report of the run on show to a folder beside the study (the key and the
palette command), in a worker, with the same core call as `valuegap report`, and says where in one line;
a destination that cannot be written is one line too."""

from __future__ import annotations

import errno

from textual.widgets import Static

from tests.helpers.pilot import run_from_palette, wait_for
from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.execute import execute_run
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.report import destination
from valuegap_tui.simulator import SimulatorParams
from valuegap_tui.simulator.inprocess import SimulatorClient
from valuegap_tui.simulator.respondent import Simulator
from valuegap_tui.tui.app import ValueGapApp

MODELS = ("model-a", "org/model-b")


async def _stored_run(study) -> int:
    seed_study(study, 12)
    run_id = create_run(study, definition(
        models=[{"name": m, "endpoints": ["http://127.0.0.1:1"], "concurrency": 8} for m in MODELS], repeats=2))
    clients = {m: SimulatorClient(Simulator(SimulatorParams(seed=i)), m) for i, m in enumerate(MODELS)}
    assert await execute_run(study, run_id, clients) == "finished"
    return run_id


def _notes(app) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    notify = app.notify

    def record(message, *args, **kwargs):
        shown.append((str(message), kwargs.get("severity", "information")))
        return notify(message, *args, **kwargs)

    app.notify = record
    return shown


async def _open_results(pilot, run_id):
    screen = pilot.app.screen
    assert await wait_for(pilot, lambda: f"#{run_id}" in str(screen.query_one("#results-status", Static).render())
                          and "intervals" not in str(screen.query_one("#results-status", Static).render()), 60)
    return screen


async def test_report_key_writes_the_run_to_a_folder_and_says_where(study):
    run_id = await _stored_run(study)
    out = destination.report_folder(study.path, run_id)
    assert not out.exists()
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_results(pilot, run_id)
        shown = _notes(app)
        await pilot.press("R")
        assert await wait_for(pilot, lambda: any("written to" in m for m, _ in shown), timeout=120), shown
        (line,) = [m for m, _ in shown if "written to" in m]
        assert str(out) in line and "\n" not in line
        assert (out / "summary.md").exists() and (out / "conditions.csv").exists()
        summary = (out / "summary.md").read_text(encoding="utf-8")
        assert all(f"## Model: {m}" in summary for m in MODELS)  # every model, as `valuegap report`
        # PNG and PDF, as `valuegap report` writes by default (SVG only on request)
        assert (out / "models_conditions.pdf").exists() and not (out / "models_conditions.svg").exists()
        # the palette command does the same
        (out / "summary.md").unlink()
        shown.clear()
        await run_from_palette(pilot, "report", "Results: Write report")
        assert await wait_for(pilot, lambda: any("written to" in m for m, _ in shown), timeout=120), shown
        assert (out / "summary.md").exists()


async def test_a_destination_that_cannot_be_written_is_one_line(study, monkeypatch):
    run_id = await _stored_run(study)
    out = destination.report_folder(study.path, run_id)
    out.parent.parent.mkdir(parents=True, exist_ok=True)
    out.parent.write_text("a file where the reports folder would go")  # mkdir fails for real (ENOTDIR)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_results(pilot, run_id)
        shown = _notes(app)
        await pilot.press("R")
        assert await wait_for(pilot, lambda: any(s == "error" for _, s in shown), timeout=60), shown
        (line,) = [m for m, s in shown if s == "error"]
        assert "\n" not in line and "Traceback" not in line and str(out.parent) in line
        for code, words in ((errno.EROFS, "read-only"), (errno.ENOSPC, "full"), (errno.EACCES, "permission")):
            def refuse(*args, code=code, **kwargs):
                raise OSError(code, "refused", str(out / "summary.md"))

            monkeypatch.setattr(destination, "report_run", refuse)
            shown.clear()
            await pilot.press("R")
            assert await wait_for(pilot, lambda: any(s == "error" for _, s in shown), timeout=60), shown
            (line,) = [m for m, s in shown if s == "error"]
            assert words in line.lower() and "\n" not in line, line


async def test_the_writing_notice_stays_until_the_report_is_written_and_a_second_key_waits(study, monkeypatch):
    """A report with many figures takes a while: the notice that it is being written stays on screen until
    it is done (then the line saying where replaces it), and R meanwhile says it is still writing instead
    of starting a second write into the same folder."""
    import threading

    from valuegap_tui.tui.textual_private import notifications

    run_id = await _stored_run(study)
    release, calls = threading.Event(), []
    real = destination.report_run

    def slow(*args, **kwargs):
        calls.append(args)
        assert release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(destination, "report_run", slow)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_results(pilot, run_id)
        shown = _notes(app)
        await pilot.press("R")
        assert await wait_for(pilot, lambda: len(calls) == 1, timeout=30)
        writing = [n for n in notifications(app) if "Writing the report" in str(n.message)]
        assert len(writing) == 1 and writing[0].timeout >= 600  # not gone after the usual few seconds
        await pilot.press("R")
        assert await wait_for(pilot, lambda: any("still being written" in m for m, _ in shown), timeout=10), shown
        await pilot.pause(0.2)
        assert len(calls) == 1  # no second write
        release.set()
        assert await wait_for(pilot, lambda: any("written to" in m for m, _ in shown), timeout=120), shown
        assert not any("Writing the report" in str(n.message) for n in notifications(app))
        shown.clear()
        await pilot.press("R")  # done: the key writes again
        assert await wait_for(pilot, lambda: len(calls) == 2, timeout=30)
        assert await wait_for(pilot, lambda: any("written to" in m for m, _ in shown), timeout=120), shown
