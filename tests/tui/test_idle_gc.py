"""The cyclic collector runs between keys (valuegap_tui/tui/idle_gc.py), and a key's figure counts
its wait in the queue."""

from __future__ import annotations

import gc

import pytest
from textual import events

from valuegap_tui.config import save_section
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.tui import idle_gc
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.textual_private import key_clock
from tests.helpers.dilemmas import make_dilemma


@pytest.fixture
def manual_collector():
    """Python's own trigger off, so only the calls under test collect."""
    was_enabled = gc.isenabled()
    gc.disable()
    gc.collect()
    yield
    if was_enabled:
        gc.enable()


def allocate(n: int) -> list:
    return [[] for _ in range(n)]  # lists are tracked by the collector: each counts as one young object


def test_nothing_is_collected_until_enough_was_allocated(manual_collector):
    kept = allocate(idle_gc.YOUNG // 2)
    assert idle_gc.collect_if_due() is None
    kept += allocate(idle_gc.YOUNG)
    assert idle_gc.collect_if_due() == 0
    assert gc.get_count()[0] < 100  # the young generation was emptied
    assert idle_gc.collect_if_due() is None


def test_older_generations_are_collected_every_so_many_young_passes(manual_collector):
    kept, generations = [], []
    for _ in range(idle_gc.OLDER_EVERY * idle_gc.OLDER_EVERY + idle_gc.OLDER_EVERY + 1):
        kept.append(allocate(idle_gc.YOUNG))
        generations.append(idle_gc.collect_if_due())
        if generations[-1] == 2:
            break
    # as Python's trigger does: after OLDER_EVERY young passes a middle one, after OLDER_EVERY
    # middle ones a full one
    assert generations[:idle_gc.OLDER_EVERY] == [0] * idle_gc.OLDER_EVERY
    assert generations[idle_gc.OLDER_EVERY] == 1
    assert generations.count(1) == idle_gc.OLDER_EVERY and generations[-1] == 2


async def test_the_app_holds_the_backstop_threshold_and_gives_the_old_one_back(study):
    before = gc.get_threshold()
    app = ValueGapApp(study)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.get_threshold() == idle_gc.BACKSTOP
    assert gc.get_threshold() == before


async def test_a_key_that_waited_in_the_queue_counts_its_wait(study):
    dilemma_store.save_many(study, [make_dilemma(variant=i) for i in range(1, 6)], who="generator", action="create")
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.pause()
        await pilot.press("j")
        await pilot.pause()
        assert len(screen.latencies_ms) == 1 and screen.latencies_ms[0] < 200
        late = events.Key("j", None)
        late.time = key_clock() - 0.5  # sent half a second ago: it waited behind other work
        app.post_message(late)
        await pilot.pause()
        await pilot.pause()
        assert len(screen.latencies_ms) == 2 and screen.latencies_ms[1] >= 500
        assert app.key_sent_at is None  # taken by the action: a later action without a key starts afresh


@pytest.fixture
def collector_on():
    """The collector on, as in a fresh process, and back as it was after the test."""
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    idle_gc.release_start_hold()
    (gc.enable if was_enabled else gc.disable)()


def test_the_start_hold_turns_the_collector_off_until_released_and_no_pass_is_taken_meanwhile(collector_on):
    idle_gc.hold_for_start()
    assert not gc.isenabled()
    kept = allocate(idle_gc.YOUNG * 2)
    assert idle_gc.collect_if_due() is None  # the first frame first
    idle_gc.release_start_hold()
    assert gc.isenabled()
    assert idle_gc.collect_if_due() is not None
    assert kept


def test_the_start_hold_leaves_a_collector_that_was_off_off(collector_on):
    gc.disable()
    idle_gc.hold_for_start()
    idle_gc.release_start_hold()
    assert not gc.isenabled()


async def test_the_app_takes_no_collector_pass_before_its_first_frame_and_turns_it_back_on_after(study, collector_on,
                                                                                                 monkeypatch):
    """Launched by the CLI (which holds the collector from the study's opening), the app takes no pass
    of the collector before its first frame (~200 passes, 90-125 ms of CPU at 10,000 dilemmas before),
    then freezes what it built and turns the collector back on."""
    from valuegap_tui.tui.screens import dilemmas as dilemmas_screen

    dilemma_store.save_many(study, [make_dilemma(variant=i) for i in range(1, 6)], who="generator", action="create")
    passes, at_first_frame = [], []
    gc.callbacks.append(recorder := lambda phase, info: phase == "start" and passes.append(info["generation"]))
    opened = dilemmas_screen.DilemmasScreen._opened
    monkeypatch.setattr(dilemmas_screen.DilemmasScreen, "_opened",
                        lambda self, started: at_first_frame.append(len(passes)) or opened(self, started))
    try:
        idle_gc.hold_for_start()
        app = ValueGapApp(study)
        async with app.run_test(size=(100, 30)) as pilot:
            while not at_first_frame:
                await pilot.pause(0.01)
            await pilot.pause()
            assert at_first_frame == [0]
            assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.callbacks.remove(recorder)


def test_the_tui_command_gives_the_collector_back_when_it_cannot_open_the_study(tmp_path, collector_on, capsys):
    from valuegap_tui.cli import main

    not_a_study = tmp_path / "notes.db"
    not_a_study.write_text("these are not a study's pages\n" * 200)
    assert main(["tui", "--study", str(not_a_study)]) != 0
    assert gc.isenabled()
    assert len(capsys.readouterr().err.strip().splitlines()) == 1  # one line saying what to do
    with pytest.raises(SystemExit):
        main(["tui", "--no-such-option"])
    assert gc.isenabled()
