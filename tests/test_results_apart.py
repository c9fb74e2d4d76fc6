"""The intervals computed in a process of their own (metrics/apart.py): the same results, bit for bit, as
computed in place; a failing child gives one line; a child is stopped when the caller gives up, and when
the Results screen's app quits."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time

import pytest
from textual.widgets import Static

from tests.helpers.results_app import settle, use_fixed_run
from valuegap_tui.metrics import apart, results_record
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import synthetic_frame

SLOW = (sys.executable, "-c", "import time; time.sleep(60)")
FAILING = (sys.executable, "-c", "import sys; sys.stdin.buffer.read(); raise MemoryError('no memory left for the bootstrap')")


@pytest.mark.parametrize("split", [False, True])
def test_results_computed_apart_are_those_computed_in_place_bit_for_bit(split):
    frame = synthetic_frame(models=("m1", "m2"), topics=2, seed=11)  # planted gaps, two models
    for options in ({"model": "m1"}, {"model": "m2", "aggregate": "majority", "seed": 4}):
        here = compute_results(frame, **options)
        there = apart.compute_apart(frame, split=split, **options)  # split: two children, a half each
        assert results_record.to_text(there) == results_record.to_text(here)  # every table, NaN and all
        # intervals and p-values there to compare (the bootstrap ran)
        assert not any(math.isnan(x) for x in here.conditions.column("ar_low"))
        assert not all(math.isnan(x) for x in here.conditions.column("ad_change_p"))
    assert apart.running() == 0


@pytest.mark.parametrize("split", [False, True])
def test_a_failing_child_gives_one_line(monkeypatch, split):
    monkeypatch.setattr(apart, "COMMAND", FAILING)
    with pytest.raises(apart.ApartError) as failed:
        apart.compute_apart(synthetic_frame(seed=1), split=split)
    message = str(failed.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.endswith("MemoryError: no memory left for the bootstrap")
    assert apart.running() == 0


def test_a_child_is_stopped_when_the_caller_gives_up(monkeypatch):
    monkeypatch.setattr(apart, "COMMAND", SLOW)
    start = time.monotonic()
    assert apart.compute_apart(synthetic_frame(seed=1), lambda: time.monotonic() - start > 0.3) is None
    assert apart.running() == 0 and time.monotonic() - start < 5


def _status(screen) -> str:
    return str(screen.query_one("#results-status", Static).render())


async def test_the_child_stops_when_the_app_quits_and_its_failure_is_one_line(study, monkeypatch):
    from valuegap_tui.tui.app import ValueGapApp

    use_fixed_run(monkeypatch)
    monkeypatch.setattr(apart, "COMMAND", SLOW)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        # the numbers shown, the intervals computing apart (in two children where there are two cores)
        await settle(pilot, lambda: apart.running() == (2 if apart.split_by_default() else 1))
        assert "computing intervals" in _status(app.screen)
    await_until = time.monotonic() + 5
    while apart.running() and time.monotonic() < await_until:
        time.sleep(0.05)
    assert apart.running() == 0  # the app quit: its child is gone

    monkeypatch.setattr(apart, "COMMAND", FAILING)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: "Could not compute" in _status(app.screen))
        status = _status(app.screen)
        assert "\n" not in status and "Traceback" not in status and "no memory left for the bootstrap" in status


async def test_the_intervals_start_computing_apart_as_soon_as_the_numbers_are_shown(study, monkeypatch):
    """The child starts once the numbers are shown, before the respondents and the answers per condition
    are read and drawn (it computes on the other core meanwhile); its results are those computed in place."""
    from valuegap_tui.tui.app import ValueGapApp
    from valuegap_tui.tui.screens import results_compute
    from valuegap_tui.tui.screens.results import ResultsScreen

    frame = use_fixed_run(monkeypatch)
    order = []
    started = results_compute.start_apart
    monkeypatch.setattr(results_compute, "start_apart",
                        lambda frame, **kw: order.append(("started", kw)) or started(frame, **kw))
    extras = results_compute.choices_by_condition
    monkeypatch.setattr(results_compute, "choices_by_condition",
                        lambda *a: order.append(("extras", None)) or extras(*a))
    show = ResultsScreen._show
    monkeypatch.setattr(ResultsScreen, "_show", lambda self, run_id, results, with_intervals, *a:
                        order.append(("shown", with_intervals)) or show(self, run_id, results, with_intervals, *a))
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: ("shown", True) in order and screen.drawn)
        assert [step for step, _ in order][:4] == ["shown", "started", "extras", "shown"]
        here = compute_results(frame, **order[1][1])
        assert results_record.to_text(screen._results) == results_record.to_text(here)
    assert apart.running() == 0


async def test_a_child_started_early_is_stopped_when_the_screen_fails_before_asking_for_it(study, monkeypatch):
    from valuegap_tui.tui.app import ValueGapApp
    from valuegap_tui.tui.screens import results_compute

    use_fixed_run(monkeypatch)
    monkeypatch.setattr(apart, "COMMAND", SLOW)

    def broken(*args, **kwargs):
        raise ValueError("the answers per condition broke")

    monkeypatch.setattr(results_compute, "choices_by_condition", broken)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: "Could not compute" in _status(app.screen))
        assert apart.running() == 0  # the child was started before, and stopped with the failure


@pytest.fixture
def started_ahead():
    """A child started ahead (apart.prepare), as an app left idle starts one; released after the test."""
    apart.prepare()
    yield
    apart.release()
    assert not apart.waiting()


def _waiting_child():
    assert apart.waiting()
    return apart.waiting_processes()[0]


def test_a_child_started_ahead_computes_the_results_bit_for_bit_and_another_waits_after(started_ahead):
    frame = synthetic_frame(models=("m1", "m2"), topics=2, seed=11)
    for options in ({"model": "m1"}, {"model": "m2", "aggregate": "majority", "seed": 4}):
        ahead = apart.waiting_processes()
        assert len(ahead) == len(apart.PARTS) if apart.split_by_default() else 1
        computing = apart.Apart(frame, **options)
        # no child started: the waiting ones took the answers, a half each where there are two
        assert [child.process for child in computing.children] == ahead and not apart.waiting()
        there = computing.result()
        assert results_record.to_text(there) == results_record.to_text(compute_results(frame, **options))
        assert all(process.poll() is not None for process in ahead)
        assert not apart.waiting() and apart.short()  # replaced later, not while the results are drawn
        apart.refill()
        assert apart.waiting() == len(ahead) and not set(apart.waiting_processes()) & set(ahead) and not apart.short()
    assert apart.running() == 0


def test_a_child_started_ahead_and_killed_meanwhile_is_replaced_by_a_fresh_one(started_ahead):
    ahead = _waiting_child()
    ahead.kill()
    ahead.wait()
    frame = synthetic_frame(seed=2)
    computing = apart.Apart(frame)
    assert ahead not in [child.process for child in computing.children]
    apart.refill()
    assert not apart.waiting()  # none started while children compute
    assert results_record.to_text(computing.result()) == results_record.to_text(compute_results(frame))


def test_a_child_started_ahead_ends_when_released_or_when_its_input_closes(started_ahead):
    ahead = apart.waiting_processes()
    apart.release()
    assert all(process.poll() is not None for process in ahead) and not apart.waiting()
    apart.refill()  # released: none is started any more
    assert not apart.waiting()
    # a parent killed before it was needed closes its input: the child ends by itself, with no error
    alone = apart._spawn(subprocess.PIPE)
    out, err = alone.communicate(timeout=30)  # its input closed, nothing written
    assert alone.returncode == 0 and out == b"" and b"Traceback" not in err


def test_a_child_started_ahead_that_is_stopped_while_computing_leaves_none_running(started_ahead):
    ahead = apart.waiting_processes()
    start = time.monotonic()
    frame = synthetic_frame(models=("m1", "m2"), topics=4, seed=3)
    assert apart.Apart(frame).result(lambda: time.monotonic() - start > 0.05) is None
    assert all(process.poll() is not None for process in ahead) and apart.running() == 0


async def test_children_started_ahead_take_the_answers_once_the_numbers_are_shown(study, monkeypatch):
    """With children waiting, the intervals start once the numbers are shown, as with none, in the waiting
    children (no start of their own); the results shown are those computed in place; the app stops the
    children waiting after them when it quits."""
    from valuegap_tui.tui.app import ValueGapApp
    from valuegap_tui.tui.screens import results_compute
    from valuegap_tui.tui.screens.results import ResultsScreen

    frame = use_fixed_run(monkeypatch)
    order, options, taken = [], {}, []
    started = results_compute.start_apart

    def start(frame, **kw):
        order.append(("started", bool(apart.waiting())))
        options.update(kw)
        computing = started(frame, **kw)
        taken.extend(child.process for child in computing.children)
        return computing

    monkeypatch.setattr(results_compute, "start_apart", start)
    show = ResultsScreen._show
    monkeypatch.setattr(ResultsScreen, "_show", lambda self, run_id, results, with_intervals, *a:
                        order.append(("shown", with_intervals)) or show(self, run_id, results, with_intervals, *a))
    apart.prepare()
    ahead = apart.waiting_processes()
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: ("shown", True) in order and screen.drawn)
        assert order[:3] == [("shown", False), ("started", True), ("shown", True)]
        assert taken == ahead  # the waiting children computed them
        assert all(process.poll() is not None for process in ahead)  # they computed them, and ended
        here = compute_results(frame, **options)
        assert results_record.to_text(screen._results) == results_record.to_text(here)
        await settle(pilot, lambda: apart.waiting() == len(ahead))  # replaced once the keys pause
        waiting = apart.waiting_processes()
    assert all(process.poll() is not None for process in waiting) and not apart.waiting() and apart.running() == 0


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no process priorities here")
def test_the_children_run_below_the_apps_priority(started_ahead):
    """Where a child shares a core with the app, the app's thread (the numbers drawn, the keys) comes first."""
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    for process in apart.waiting_processes():
        deadline = time.monotonic() + 30
        while os.getpriority(os.PRIO_PROCESS, process.pid) == mine and time.monotonic() < deadline:
            time.sleep(0.02)
        assert os.getpriority(os.PRIO_PROCESS, process.pid) == min(mine + apart.NICE, 19)


def test_the_children_keep_freed_arrays_for_the_next(started_ahead, monkeypatch):
    """The children's allocator keeps arrays of a few MB in its heap (fewer page faults for the bootstrap);
    a setting made by the person running the app is theirs."""
    waiting = apart.waiting_processes()
    assert waiting
    if sys.platform == "linux":  # what each child was started with
        for process in waiting:
            with open(f"/proc/{process.pid}/environ", "rb") as file:
                environ = file.read().split(b"\0")
            assert b"MALLOC_MMAP_THRESHOLD_=33554432" in environ and b"MALLOC_TRIM_THRESHOLD_=268435456" in environ
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert apart.child_environment()["MALLOC_MMAP_THRESHOLD_"] == "65536"
    assert apart.child_environment()["MALLOC_TRIM_THRESHOLD_"] == str(256 * 2 ** 20)


#: a child that computes as apart.py's own does, with its output padded past a pipe's buffer (unpickling
#: stops at the pickle's end); the "stream" half writes only once the "rest" half has written all of its
#: output, or after 5 s, and says in a file which came first
ONE_WAITS_FOR_THE_OTHER = """
import pickle, sys, time
from pathlib import Path
from valuegap_tui.metrics.summary import compute_results
frame, options = pickle.load(sys.stdin.buffer), pickle.load(sys.stdin.buffer)
out = pickle.dumps(compute_results(frame, **options)) + bytes(1 << 20)
done, seen = Path(sys.argv[1]) / "rest written", Path(sys.argv[1]) / "stream saw it"
if options["part"] == "stream":
    deadline = time.monotonic() + 5
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    seen.write_text(str(done.exists()))
sys.stdout.buffer.write(out)
sys.stdout.buffer.flush()
if options["part"] == "rest":
    done.touch()
"""


def test_a_childs_results_are_read_as_it_writes_them_not_after_the_others(monkeypatch, tmp_path):
    """The two halves' outputs are read at once: read one after the other, a half that ended first waited,
    its output held in a full pipe, until the other had ended (0.1-0.2 s at 154,000 answers)."""
    monkeypatch.setattr(apart, "COMMAND", (sys.executable, "-c", ONE_WAITS_FOR_THE_OTHER, str(tmp_path)))
    frame = synthetic_frame(models=("m1", "m2"), topics=2, seed=11)
    there = apart.compute_apart(frame, split=True, model="m1")
    assert (tmp_path / "stream saw it").read_text() == "True"
    assert results_record.to_text(there) == results_record.to_text(compute_results(frame, model="m1"))
    assert apart.running() == 0


def test_the_answers_are_pickled_once_for_both_children(monkeypatch):
    frame = synthetic_frame(models=("m1", "m2"), topics=2, seed=11)
    pickled = []
    dumps = apart.pickle.dumps
    monkeypatch.setattr(apart.pickle, "dumps", lambda obj, **kw: pickled.append(obj) or dumps(obj, **kw))
    there = apart.compute_apart(frame, split=True, model="m2")
    assert sum(obj is frame for obj in pickled) == 1
    assert results_record.to_text(there) == results_record.to_text(compute_results(frame, model="m2"))
