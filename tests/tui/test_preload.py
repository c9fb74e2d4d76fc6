"""The app left idle imports the Results screen, then starts the intervals' child ahead once the study has
answers; the app stops it when it quits."""

from __future__ import annotations

import threading
import time

from valuegap_tui.metrics import apart
from valuegap_tui.tui import preload


def _until(predicate, limit_s: float = 30.0) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_the_preloader_starts_the_intervals_child_after_its_imports_and_stops_it_with_the_app(monkeypatch):
    monkeypatch.setattr(preload, "START_AHEAD", True)
    monkeypatch.setattr(preload, "IDLE_S", 0.0)
    loader = preload.Preloader()
    try:
        assert not apart.waiting()
        loader.tick()
        assert _until(apart.waiting)  # started once the imports are done, and waiting
        waiting = apart.waiting_processes()
        loader.tick()  # once only
        assert apart.waiting_processes() == waiting
    finally:
        loader.stop()
    assert all(process.poll() is not None for process in waiting) and not apart.waiting()


def test_no_child_waits_for_a_study_without_answers_until_it_has_some(monkeypatch):
    monkeypatch.setattr(preload, "START_AHEAD", True)
    monkeypatch.setattr(preload, "IDLE_S", 0.0)
    answered = [False]
    loader = preload.Preloader(lambda: answered[0])
    try:
        loader.tick()
        assert _until(lambda: loader.imported)  # the Results screen imported all the same
        for _ in range(3):
            loader.tick()
        time.sleep(0.2)
        assert not apart.waiting() and not apart.waiting_processes()
        answered[0] = True  # a run answered meanwhile: the next pause starts them
        loader.tick()
        assert _until(apart.waiting)
    finally:
        loader.stop()


def test_a_study_that_cannot_be_read_starts_no_child_and_is_asked_again(monkeypatch):
    monkeypatch.setattr(preload, "START_AHEAD", True)
    monkeypatch.setattr(preload, "IDLE_S", 0.0)
    calls = []

    def unreadable() -> bool:
        calls.append(1)
        raise RuntimeError("database is locked")

    loader = preload.Preloader(unreadable)
    try:
        loader.tick()
        assert _until(lambda: loader.imported)
        loader.tick()
        time.sleep(0.2)
        assert not apart.waiting() and len(calls) == 2 and not loader.ahead
    finally:
        loader.stop()


def test_a_key_pressed_meanwhile_holds_the_preloading_back(monkeypatch):
    monkeypatch.setattr(preload, "START_AHEAD", True)
    monkeypatch.setattr(preload, "IDLE_S", 60.0)
    loader = preload.Preloader()
    loader.key()
    loader.tick()
    assert not loader.started and not apart.waiting()


def test_the_tests_start_no_child_ahead_unless_they_ask(monkeypatch):
    monkeypatch.setattr(preload, "IDLE_S", 0.0)
    loader = preload.Preloader()  # a study with answers
    loader.tick()
    assert _until(lambda: loader.imported)
    loader.tick()
    time.sleep(0.2)
    assert not apart.waiting() and not apart.waiting_processes()
    loader.stop()


def test_a_later_pause_replaces_the_children_taken_once_none_computes(monkeypatch):
    monkeypatch.setattr(preload, "IDLE_S", 0.0)
    loader = preload.Preloader()
    loader.started = loader.imported = True  # the imports done
    try:
        apart.prepare(1)
        taken = apart._take_ready()
        apart._computing(taken)  # computing: no child is started meanwhile
        loader.tick()
        time.sleep(0.2)
        assert not apart.waiting()
        apart._stop(taken)
        apart._close(taken)
        loader.tick()
        assert _until(apart.waiting)
    finally:
        loader.stop()


def test_an_app_that_quits_while_the_preloading_still_imports_is_left_no_child(monkeypatch):
    """The app quits during the preloading's imports: it does not wait for them, and the child the
    preloading starts once they are done is stopped at once."""
    monkeypatch.setattr(preload, "IDLE_S", 0.0)
    importing, started = threading.Event(), []

    def slow_imports() -> None:
        importing.wait(30)
        apart.prepare(1)
        started.extend(apart.waiting_processes())

    monkeypatch.setattr(preload, "_import_all", slow_imports)
    loader = preload.Preloader()
    loader.tick()
    assert loader.started and not loader.imported
    loader.stop()  # the app quits meanwhile: this returns at once
    importing.set()
    assert _until(lambda: loader.imported)
    assert _until(lambda: not apart.waiting())
    assert started and all(process.wait(10) is not None for process in started)
