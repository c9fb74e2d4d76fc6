"""Finding 1: the app's write-ahead log must never be deleted under it by another process.

One process holds the study the way the app does (connections on two threads, the simulator started
in-process); this test, as the other process, runs command-line commands between the app's review
decisions. Each decision must be visible to the command line at once, and after each command the
app's descriptors of the study, its -wal and its -shm must still name the files on disk.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers.cli import one_line_error, run_cli

APP_SIDE = Path(__file__).with_name("app_side.py")
DECISIONS = {"reject": "rejected", "needs-edit": "needs-edit", "accept": "accepted"}
# the read-only commands and the ones that write; each opens and closes its own connections
COMMANDS = [["flags"], ["info"], ["agreement"], ["export", "-"], ["run", "list"], ["flags"]]


class AppSide:
    def __init__(self, path: Path):
        self.process = subprocess.Popen([sys.executable, str(APP_SIDE), str(path)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.first = self._reply()

    def _reply(self) -> dict:
        line = self.process.stdout.readline()
        assert line, f"the app side ended (exit status {self.process.poll()})"
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._reply()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            self.process.wait(30)


def exported_statuses(path: Path) -> dict[str, str]:
    result = run_cli("export", "-", "--study", str(path))
    assert result.returncode == 0, result.stderr
    return {record["id"]: record["status"] for record in map(json.loads, result.stdout.splitlines())}


def test_commands_never_delete_the_apps_wal_and_see_each_decision_at_once(tmp_path, sample_path):
    path = tmp_path / "study.db"
    assert run_cli("import", str(sample_path), "--study", str(path)).returncode == 0
    ids = sorted(exported_statuses(path))
    app = AppSide(path)
    try:
        assert app.first == {"ready": []}
        rounds = list(zip(ids, [*DECISIONS] * len(ids)))[: len(COMMANDS)]
        for (dilemma_id, decision), command in zip(rounds, COMMANDS):
            assert app.ask(f"decide {dilemma_id} {decision}") == {"status": DECISIONS[decision]}
            assert exported_statuses(path)[dilemma_id] == DECISIONS[decision], (
                f"the app's {decision} of {dilemma_id} is not visible to another process")
            result = run_cli(*command, "--study", str(path))
            assert result.returncode == 0, result.stderr
            assert app.ask("check") == {"problems": []}, f"after `valuegap {' '.join(command)}`"
            assert app.ask("reload")["known"] == len(ids)
            assert app.ask("check") == {"problems": []}, "after the simulator re-read the study"
        final = exported_statuses(path)
        assert {i: final[i] for i, _ in rounds} == {i: DECISIONS[d] for i, d in rounds}
    finally:
        app.close()
    assert app.process.returncode == 0


def test_the_demo_does_not_rebuild_a_study_that_the_app_has_open(tmp_path, sample_path):
    path = tmp_path / "valuegap-demo.db"
    assert run_cli("import", str(sample_path), "--study", str(path)).returncode == 0
    app = AppSide(path)
    try:
        before = exported_statuses(path)
        message = one_line_error(run_cli("demo", "--no-tui", "--study", str(path)))
        assert "already holds a study, which the demo keeps" in message
        assert app.ask("check") == {"problems": []}
        assert exported_statuses(path) == before
    finally:
        app.close()
