"""A report's process ends at once once everything is written and closed (cli/_ending.py): what Python
runs at exit still runs and everything printed is out, but the modules' teardown (0.13-0.25 s after a
report that drew its figures) is skipped; a command that fails, or did not ask, ends as Python ends it."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.collection import staged_study

#: a launch as the ``valuegap`` command's: argv[1:] the command's arguments
_LAUNCH = '''
import atexit, sys
class Sentinel:
    def __del__(self):
        print("torn down", flush=True)
left = Sentinel()  # freed only by the teardown of the modules
atexit.register(lambda: print("atexit ran", flush=True))
sys.argv = ["valuegap", *sys.argv[1:]]
from valuegap_tui.cli import launch
launch()
'''


def _launch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _LAUNCH, *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_a_report_ends_its_process_at_once_with_its_output_out_and_its_study_closed(tmp_path):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    study.close()
    done = _launch("report", run_id, tmp_path / "out", "--study", tmp_path / "s.db")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("wrote ") and "summary.md" in done.stdout
    assert "atexit ran" in done.stdout  # what Python runs at exit still ran
    assert "torn down" not in done.stdout  # the modules' teardown skipped
    assert (tmp_path / "out" / "summary.md").is_file()
    assert not (tmp_path / "s.wal").exists() and not (tmp_path / "s.db-wal").exists()  # closed, checkpointed
    again = _launch("report", run_id, tmp_path / "again", "--study", tmp_path / "s.db")  # kept results read back
    assert again.returncode == 0 and again.stdout == done.stdout.replace(str(tmp_path / "out"),
                                                                         str(tmp_path / "again"))


def test_a_failed_command_or_one_that_did_not_ask_ends_as_python_ends_it(tmp_path):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    study.close()
    failed = _launch("report", 99, tmp_path / "out", "--study", tmp_path / "s.db")
    assert failed.returncode != 0 and failed.stderr.startswith("valuegap: ")
    assert "Traceback" not in failed.stderr
    assert "atexit ran" in failed.stdout and "torn down" in failed.stdout
    status = _launch("run", "status", run_id, "--study", tmp_path / "s.db")
    assert status.returncode in (0, 3), status.stderr[-2000:]
    assert "atexit ran" in status.stdout and "torn down" in status.stdout
