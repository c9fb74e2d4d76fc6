"""File systems a test mounts for itself (a small one that fills up, a read-only view): root only.

CI runs as root, so there these tests must run: .ci/run sets VALUEGAP_REQUIRE_ROOT_TESTS=1, and a
test that cannot mount then fails, with the reason, instead of skipping. Elsewhere it skips and says
why (pytest prints each skip's reason: -rs in pyproject's addopts).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRED = "VALUEGAP_REQUIRE_ROOT_TESTS"


def cannot(reason: str) -> NoReturn:
    """Skip the test with ``reason``; fail it where the root-only tests are required to run."""
    if os.environ.get(REQUIRED) == "1":
        pytest.fail(f"{reason}, and {REQUIRED}=1 (CI, which runs as root) requires this test to run")
    pytest.skip(reason)


@contextmanager
def mounted(folder: Path, *options: str) -> Iterator[Path]:
    """A file system mounted at ``folder`` for the test (``mount OPTIONS FOLDER``), unmounted after."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        cannot("needs root to mount a small or read-only file system (CI runs as root)")
    if shutil.which("mount") is None:
        cannot("needs the mount command to mount a small or read-only file system")
    result = subprocess.run(["mount", *options, str(folder)], capture_output=True, text=True)
    if result.returncode != 0:
        cannot(f"cannot mount here: {result.stderr.strip()}")
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
            cannot(f"cannot remount read-only here: {result.stderr.strip()}")
        yield view
