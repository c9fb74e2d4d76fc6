"""What a command prints to a terminal shows control characters visibly (ESC as ␛), stdout included;
the same command into a pipe or a file gives the bytes exactly. Run under a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest

from tests.helpers.dilemmas import make_dilemma
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study

#: sets the terminal's title, turns the background red, rings, and a C1 control sequence introducer
HOSTILE = "You decide.\x1b]0;PWNED\x07 \x1b[41mred\x1b[0m \x9b31m end\x1b[2J"
RAW = (b"\x1b", b"\x07", b"\xc2\x9b")


@pytest.fixture
def hostile_study(tmp_path):
    path = tmp_path / "study.db"
    study = open_study(path, create=True)
    dilemma_store.save(study, make_dilemma(scenario=HOSTILE, notes="note \x1b[5mblink"), who="t", action="import")
    study.close()
    return path


def on_a_terminal(*args: str, env: dict | None = None) -> tuple[int, bytes]:
    """`valuegap ARGS` with stdout and stderr on a pseudo-terminal; returns its exit status and what the
    terminal received."""
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "valuegap_tui", *args], stdin=subprocess.DEVNULL,
                               stdout=slave, stderr=slave, env={**os.environ, **(env or {})}, close_fds=True)
    os.close(slave)
    received, deadline = b"", time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed: the command ended
                break
            if not chunk:
                break
            received += chunk
        elif process.poll() is not None:
            break
    os.close(master)
    return process.wait(timeout=30), received


def piped(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "valuegap_tui", *args], capture_output=True, timeout=60,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_to_a_terminal_shows_escapes_and_to_a_pipe_or_file_is_exact(hostile_study, tmp_path, fmt):
    code, shown = on_a_terminal("export", "--format", fmt, "-", "--study", str(hostile_study))
    assert code == 0
    assert not any(raw in shown for raw in RAW), shown
    assert "\\x9b31m".encode() in shown  # JSON leaves C1 characters as they are: shown visibly here
    if fmt == "csv":
        assert "␛]0;PWNED␇".encode() in shown
    exact = piped("export", "--format", fmt, "-", "--study", str(hostile_study)).stdout
    on_disk = tmp_path / f"out.{fmt}"
    assert piped("export", str(on_disk), "--study", str(hostile_study)).returncode == 0
    assert exact == on_disk.read_bytes()
    assert HOSTILE.encode() in exact or b"\\u001b]0;PWNED\\u0007" in exact  # CSV raw, JSON escaped
    study = open_study(hostile_study)
    assert next(dilemma_store.iter_dilemmas(study)).scenario == HOSTILE  # stored exactly
    study.close()


def test_listing_and_showing_a_condition_on_a_terminal(tmp_path):
    path = tmp_path / "study.db"
    text_file = tmp_path / "persona.txt"
    text_file.write_text("You are \x1b]2;owned\x07 a nurse.", encoding="utf-8")
    assert piped("personas", "add", "--name", "Nurse \x1b[31mred", "--kind", "custom", "--file", str(text_file),
                 "--study", str(path)).returncode == 0
    for args in (["personas", "list"], ["personas", "show", "nurse-31mred"]):
        code, shown = on_a_terminal(*args, "--study", str(path))
        assert code == 0, shown
        assert b"\x1b" not in shown and b"\x07" not in shown, shown
        assert "␛".encode() in shown


def test_an_error_quoting_a_hostile_file_name_is_shown_visibly(tmp_path):
    name = tmp_path / "dilemmas\x1b]0;PWNED\x07.jsonl"
    name.write_bytes(b"\xff\xfe not text")
    code, shown = on_a_terminal("import", str(name), "--study", str(tmp_path / "s.db"))
    assert code == 2
    assert b"\x1b" not in shown and b"\x07" not in shown
    assert "␛]0;PWNED␇".encode() in shown and b"UTF-8" in shown


def test_an_app_gets_the_terminals_own_streams(monkeypatch):
    """The app draws with escape sequences of its own: wrapped, its notifications were never drawn."""
    from valuegap_tui.cli._common import VisibleTerminal, streams_for_an_app, terminals_shown_visibly

    class Terminal:
        def __init__(self):
            self.written = []

        def isatty(self):
            return True

        def write(self, text):
            self.written.append(text)

    out, err = Terminal(), Terminal()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with terminals_shown_visibly():
        assert isinstance(sys.stdout, VisibleTerminal) and isinstance(sys.stderr, VisibleTerminal)
        print("a \x1b[31m title")
        with streams_for_an_app():
            assert sys.stdout is out and sys.stderr is err
        assert isinstance(sys.stdout, VisibleTerminal)
    assert sys.stdout is out and "".join(out.written) == "a ␛[31m title\n"
