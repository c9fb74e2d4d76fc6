"""Shared pieces of the reliability tests: the command line in a fresh process, file hashes."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`valuegap ARGS` in its own process, as a person would run it from another shell."""
    return subprocess.run([sys.executable, "-m", "valuegap_tui", *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})}, timeout=timeout)


def file_hashes(path: Path) -> dict[str, str]:
    """The bytes of the study file and of its -wal (an empty -wal holds nothing, so it is left out)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (path, Path(f"{path}-wal")) if p.exists() and (p == path or p.stat().st_size)}


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The command failed with one error line, its last on stderr (progress it printed before may
    precede it), and no traceback; returns that line."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in lines if line.startswith("valuegap: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    return errors[0]


@contextmanager
def mounted(folder: Path, *options: str) -> Iterator[Path]:
    """A file system mounted at ``folder`` for the test (root only); skips the test where it cannot be."""
    import pytest

    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small or read-only file system")
    result = subprocess.run(["mount", *options, str(folder)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here: {result.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@contextmanager
def read_only_view(folder: Path, view: Path) -> Iterator[Path]:
    """``folder`` seen read-only at ``view`` (a read-only bind mount: EROFS even for root)."""
    with mounted(view, "--bind", str(folder)):
        result = subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], capture_output=True, text=True)
        if result.returncode != 0:
            import pytest

            pytest.skip(f"cannot remount read-only here: {result.stderr.strip()}")
        yield view
