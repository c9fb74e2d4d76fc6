"""The command line in a fresh process, its one-line errors, and the bytes of a study file."""

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
