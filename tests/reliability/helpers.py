"""Shared pieces of the reliability tests: the command line in a fresh process, file hashes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`valuegap ARGS` in its own process, as a person would run it from another shell."""
    return subprocess.run([sys.executable, "-m", "valuegap_tui", *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})}, timeout=timeout)


def file_hashes(path: Path) -> dict[str, str]:
    """The bytes of the study file and of any -wal beside it."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (path, Path(f"{path}-wal")) if p.exists()}


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The command failed with one line on stderr (no traceback); returns that line."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("valuegap: ")
    return lines[0]
