"""Findings 6 and 7 for the study file: foreign, empty, truncated, read-only, locked and full.

Each case runs the real command line in its own process and checks that it ends with one line that
says what to do (never a traceback), and that the study's bytes are what they were before.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.cli import file_hashes, one_line_error, run_cli
from tests.helpers.root import mounted, read_only_view
from valuegap_tui.store import StudyError, open_study

WRITE_COMMANDS = [["flags"], ["import", "{sample}"], ["personas", "generate"]]


def _args(command: list[str], sample_path: Path) -> list[str]:
    return [part.replace("{sample}", str(sample_path)) for part in command]


@pytest.fixture
def filled(tmp_path, sample_path) -> Path:
    """A study with the sample dilemmas, closed (no -wal left)."""
    path = tmp_path / "data" / "study.db"
    assert run_cli("import", str(sample_path), "--study", str(path)).returncode == 0
    return path


def _foreign_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE dilemmas (id TEXT, body TEXT); CREATE TABLE notes (n INTEGER);"
                       "INSERT INTO notes VALUES (1), (2);")
    conn.commit()
    conn.close()


# --- finding 7: any SQLite file was turned into a study ------------------------------------------
@pytest.mark.parametrize("command", [["info"], ["init"], ["export", "-"], ["flags"], ["tui"],
                                     ["import", "{sample}"], ["demo", "--no-tui"]])
def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path, sample_path, command):
    path = tmp_path / "other.db"
    _foreign_database(path)
    before = path.read_bytes()
    message = one_line_error(run_cli(*_args(command, sample_path), "--study", str(path)))
    assert "not a valuegap study" in message and "dilemmas, notes" in message
    assert path.read_bytes() == before  # byte for byte: no tables added, not switched to WAL
    assert before[18:20] == b"\x01\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_a_foreign_sqlite_file_is_refused_in_process_too(tmp_path):
    path = tmp_path / "other.db"
    _foreign_database(path)
    before = path.read_bytes()
    with pytest.raises(StudyError, match="not a valuegap study"):
        open_study(path, create=True)
    assert path.read_bytes() == before


@pytest.mark.parametrize("kind", ["zero bytes", "empty database"])
def test_an_empty_file_becomes_a_study_only_when_asked(tmp_path, kind):
    path = tmp_path / "new.db"
    if kind == "zero bytes":
        path.write_bytes(b"")
    else:
        sqlite3.connect(path).execute("VACUUM").connection.close()
    before = path.read_bytes()
    assert "valuegap init" in one_line_error(run_cli("info", "--study", str(path)))
    assert path.read_bytes() == before
    result = run_cli("init", "--study", str(path))
    assert result.returncode == 0 and result.stdout.startswith("created study"), result.stderr
    assert run_cli("info", "--study", str(path)).returncode == 0


def test_a_folder_or_a_missing_file_is_not_a_study(tmp_path):
    assert "is a folder" in one_line_error(run_cli("info", "--study", str(tmp_path)))
    assert "no study at" in one_line_error(run_cli("info", "--study", str(tmp_path / "absent.db")))
    assert list(tmp_path.iterdir()) == []


# --- a truncated study ---------------------------------------------------------------------------
@pytest.mark.parametrize("keep", [50, 4096, 0.5])
def test_a_truncated_study_gives_one_line_and_stays_as_it_is(filled, keep):
    size = filled.stat().st_size
    with open(filled, "r+b") as handle:  # no connection is open in this process
        handle.truncate(int(size * keep) if isinstance(keep, float) else keep)
    before = file_hashes(filled)
    for command in [["info"], ["export", "-"], ["flags"], ["tui"]]:
        message = one_line_error(run_cli(*command, "--study", str(filled), timeout=60))
        assert "damaged or incomplete" in message and "backup" in message
        assert file_hashes(filled) == before


# --- a read-only study (finding 6: even `info` failed on PRAGMA journal_mode=WAL) ------------------
def _leave_wal(path: Path, sample_path: Path) -> None:
    """Change the study and stop without closing: the change stays in the -wal (as after a crash)."""
    code = ("import os, sys; from valuegap_tui.store import open_study, dilemmas; "
            "from valuegap_tui.dataset.transfer import read_dilemmas; s = open_study(sys.argv[1]); "
            "d = read_dilemmas(sys.argv[2])[0]; "
            "dilemmas.save(s, d.model_copy(update={'notes': 'kept in the wal'}), who='x', action='edit'); "
            "os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(path), str(sample_path)], check=True)
    assert Path(f"{path}-wal").stat().st_size > 0


def _notes(export_stdout: str) -> set[str]:
    return {json.loads(line).get("notes") or "" for line in export_stdout.splitlines()}


@pytest.mark.parametrize("wal", ["none", "wal and shm", "wal without shm"])
def test_read_commands_work_on_a_read_only_study_and_writes_say_why_not(tmp_path, filled, sample_path, wal):
    if wal != "none":
        _leave_wal(filled, sample_path)
    if wal == "wal without shm":
        Path(f"{filled}-shm").unlink()
    files_before = sorted(p.name for p in filled.parent.iterdir())
    hashes_before = file_hashes(filled)
    with read_only_view(filled.parent, tmp_path / "view") as view:
        study = view / filled.name
        if wal == "wal without shm":
            message = one_line_error(run_cli("info", "--study", str(study)))
            assert "read-only" in message and "-wal" in message
        else:
            info = run_cli("info", "--study", str(study))
            assert info.returncode == 0 and "8 dilemmas" in info.stdout, info.stderr
            export = run_cli("export", "-", "--study", str(study))
            assert export.returncode == 0, export.stderr
            assert ("kept in the wal" in _notes(export.stdout)) == (wal != "none")  # the WAL is read
            for command in WRITE_COMMANDS:
                message = one_line_error(run_cli(*_args(command, sample_path), "--study", str(study)))
                assert "read-only" in message and "writable" in message
            assert "read-only" in one_line_error(run_cli("tui", "--study", str(study)))
    assert sorted(p.name for p in filled.parent.iterdir()) == files_before
    assert file_hashes(filled) == hashes_before


# --- a write lock held past the busy timeout ------------------------------------------------------
def test_a_write_lock_held_too_long_gives_one_line_and_reads_go_on(filled, sample_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
         "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); sys.stdin.read()", str(filled)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = file_hashes(filled)
        fast = {"VALUEGAP_BUSY_TIMEOUT_S": "1"}
        info = run_cli("info", "--study", str(filled), env=fast)
        assert info.returncode == 0 and "8 dilemmas" in info.stdout, info.stderr
        for command in [["import", str(sample_path)], ["personas", "generate"]]:
            started = time.monotonic()
            message = one_line_error(run_cli(*command, "--study", str(filled), env=fast))
            assert time.monotonic() - started >= 1.0  # it did wait for the lock first
            assert "busy" in message and "waited 1 s" in message and "again" in message
        assert file_hashes(filled) == before
    finally:
        holder.stdin.close()
        holder.wait(10)


def test_the_busy_timeout_defaults_to_30_seconds(filled, monkeypatch):
    monkeypatch.delenv("VALUEGAP_BUSY_TIMEOUT_S", raising=False)
    with open_study(filled) as study:
        assert study.busy_timeout_s == 30.0
        assert study.db.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000


# --- a full disk ----------------------------------------------------------------------------------
def _fill(folder: Path, leave: int) -> None:
    """Take the file system's free space, all but ``leave`` bytes (0: until writing fails)."""
    stats = os.statvfs(folder)
    target = stats.f_bavail * stats.f_frsize - leave if leave else None
    written = 0
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while target is None or written < target:
            written += os.write(fd, b"\0" * min(65536, (target - written) if target else 65536))
    except OSError:
        pass
    finally:
        os.close(fd)


@pytest.mark.parametrize("free", ["200 KiB", "nothing"])
def test_a_full_disk_gives_one_line_and_keeps_the_study(tmp_path, sample_path, free):
    # 2 MiB: a new study, its schema and the sample import (about 1 MiB with the WAL before its checkpoint) fit
    with mounted(tmp_path / "small", "-t", "tmpfs", "-o", "size=2m", "tmpfs") as disk:
        study = disk / "study.db"
        assert run_cli("import", str(sample_path), "--study", str(study)).returncode == 0
        big = tmp_path / "big.jsonl"
        records = [json.loads(line) for line in sample_path.read_text().splitlines() if line.strip()]
        # notes under the field cap (131,072 characters), 8 x 120,000 still far more than the free space
        big.write_text("".join(json.dumps({**r, "notes": "n" * 120_000}) + "\n" for r in records))
        _fill(disk, 200 * 1024 if free == "200 KiB" else 0)
        before = file_hashes(study)
        message = one_line_error(run_cli("import", str(big), "--study", str(study)))
        assert "no space left" in message and "free some space" in message
        if free == "nothing":
            assert "no space left" in one_line_error(run_cli("info", "--study", str(study)))
        assert file_hashes(study) == before
        (disk / "filler").unlink()
        info = run_cli("info", "--study", str(study))
        assert info.returncode == 0 and "8 dilemmas" in info.stdout, info.stderr


def test_an_output_file_that_cannot_be_written_gives_one_line(filled, tmp_path):
    target = tmp_path / "no such folder" / "out.jsonl"
    message = one_line_error(run_cli("export", str(target), "--study", str(filled)))
    assert str(target) in message and "No such file or directory" in message
