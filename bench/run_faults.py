"""Kill -9 and fault-injection figures for evaluation runs: planned, received, stored, re-asked, lost.

    python bench/run_faults.py            # 12,000 items: 5 kills, a write failure, a server outage
    python bench/run_faults.py --small    # 1,200 items (a slower server, so each run lasts seconds)

Every fault is checked to have happened while the run was going (each kill hit a live process, the
write failure came with items still to ask, the outage answered requests with errors); a case that did
not happen ends the bench with an error instead of printing figures of a run that met no fault.

*received*: replies the server sent (its own count); *stored*: attempts in the study; *re-asked*:
requests beyond one per item (answers lost with a killed process or an unwritable study, and items
asked again after server errors); *lost*: items with no stored answer at the end (must be 0);
*duplicates*: attempts stored twice (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.helpers.answer_server import free_port  # noqa: E402
from tests.helpers.runs import seed_study  # noqa: E402
from valuegap_tui.cli import main  # noqa: E402
from valuegap_tui.evaluate.execute import RunControl, RunExecutor  # noqa: E402
from valuegap_tui.evaluate.clients import pools_for  # noqa: E402
from valuegap_tui.store import open_study  # noqa: E402
from valuegap_tui.store import runs as run_store  # noqa: E402
from valuegap_tui.store import run_progress as progress_store  # noqa: E402

# Answers a random letter after a short delay; counts replies; answers HTTP 500 to every request
# while an outage is switched on (POST /outage?on=1).
SERVER = textwrap.dedent('''
    import asyncio, random, sys
    from aiohttp import web
    state = {"replies": 0, "outage": False, "errors": 0}
    async def chat(request):
        await request.read()
        await asyncio.sleep(float(sys.argv[2]))
        state["replies"] += 1
        if state["outage"]:
            state["errors"] += 1
            return web.json_response({"error": {"message": "outage"}}, status=500)
        return web.json_response({"choices": [{"message": {"content": random.choice("ABCDEF")},
                                  "finish_reason": "stop"}]})
    async def count(request):
        return web.Response(text=str(state["errors" if request.query.get("errors") else "replies"]))
    async def outage(request):
        state["outage"] = request.query.get("on") == "1"
        return web.Response(text="ok")
    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/count", count)
    app.router.add_post("/outage", outage)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
''')


class Server:
    def __init__(self, folder: Path, delay_s: float = 0.004):
        self.port = free_port()
        script = folder / "server.py"
        script.write_text(SERVER)
        self.proc = subprocess.Popen([sys.executable, str(script), str(self.port), str(delay_s)])
        self.root = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                self.replies()
                return
            except OSError:
                time.sleep(0.05)

    def replies(self) -> int:
        return int(urllib.request.urlopen(self.root + "/count", timeout=5).read())

    def errors(self) -> int:
        """Requests answered with HTTP 500 during the outage."""
        return int(urllib.request.urlopen(self.root + "/count?errors=1", timeout=5).read())

    def outage(self, on: bool) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.root}/outage?on={int(on)}", method="POST"), timeout=5)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def plan(folder: Path, server: Server, dilemmas: int, repeats: int, name: str,
         retries: int | None = None) -> tuple[Path, int]:
    """A planned run; with ``retries`` the model is reached through a profile whose client gives up on
    a request after that many attempts (short backoff), so an outage outlasts them."""
    study_path = folder / f"{name}.db"
    study = open_study(study_path, create=True)
    seed_study(study, dilemmas)
    definition = folder / f"{name}.toml"
    reach = f'endpoints = ["{server.root}/v1"]'
    if retries is not None:
        os.environ["VALUEGAP_CONFIG_DIR"] = str(folder)
        (folder / "config.toml").write_text(f'[servers.{name}]\nendpoints = ["{server.root}/v1"]\nconcurrency = 16\n'
                                            f"max_attempts = {retries}\nbackoff_base_s = 0.05\nbackoff_max_s = 0.2\n")
        reach = f'profile = "{name}"'
    definition.write_text(textwrap.dedent(f'''
        name = "{name}"
        repeats = {repeats}
        [[models]]
        name = "m"
        {reach}
        concurrency = 16
    '''))
    assert main(["run", "start", str(definition), "--plan-only", "--study", str(study_path)]) == 0
    study.close()
    return study_path, 1


def figures(study_path: Path, run_id: int, received: int, extra: str = "") -> str:
    study = open_study(study_path)
    p = progress_store.progress(study, run_id)
    responses = progress_store.responses_of(study, run_id)
    answered = {r["item_id"] for r in responses if r["outcome"] == "valid"}
    pairs = {(r["item_id"], r["attempt"]) for r in responses}
    status = run_store.get_run(study, run_id).status
    study.close()
    return (f"planned {p.total}, received {received}, stored {len(responses)}, re-asked {received - p.total},"
            f" lost {p.total - len(answered)}, duplicates {len(responses) - len(pairs)}; status {status}{extra}")


class FaultMissed(RuntimeError):
    """A fault the bench names did not happen while the run was going."""


def kills(folder: Path, dilemmas: int, repeats: int, delay_s: float, n_kills: int = 5) -> str:
    server = Server(folder, delay_s)
    try:
        study_path, run_id = plan(folder, server, dilemmas, repeats, "kills")
        rng, interrupted = random.Random(), 0
        total = dilemmas * 2 * repeats
        study = open_study(study_path)
        for kill in range(1, n_kills + 1):
            proc = subprocess.Popen([sys.executable, "-m", "valuegap_tui", "run", "resume", str(run_id), "--plain",
                                     "--study", str(study_path)], stdout=subprocess.DEVNULL)
            target = progress_store.progress(study, run_id).done + rng.randint(total // 40, total // 8)
            while progress_store.progress(study, run_id).done < target and proc.poll() is None:
                time.sleep(0.005)
            if proc.poll() is not None:
                raise FaultMissed(f"kill {kill}: the run ended (exit {proc.returncode}) before it could be killed")
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            # shown at once: the process that ran it is gone (the heartbeat would say so 30 s later)
            interrupted += run_store.get_run(study, run_id).status == "interrupted"
        study.close()
        assert main(["run", "resume", str(run_id), "--plain", "--study", str(study_path)]) == 0
        return figures(study_path, run_id, server.replies(), f"; {interrupted}/{n_kills} kills shown as interrupted")
    finally:
        server.stop()


def write_failure(folder: Path, dilemmas: int, repeats: int, delay_s: float) -> str:
    server = Server(folder, delay_s)
    try:
        study_path, run_id = plan(folder, server, dilemmas, repeats, "write")
        study = open_study(study_path)
        total = dilemmas * 2 * repeats
        real, stored, failed_at = run_store.record_attempts, [0], [None]

        def failing(study_, run_id_, attempts):
            # the disk fills once a third of the run is stored: a point every run size reaches
            if stored[0] >= total // 3:
                failed_at[0] = failed_at[0] or time.monotonic()
                raise sqlite3.OperationalError("database or disk is full")
            real(study_, run_id_, attempts)
            stored[0] += len(attempts)

        run_store.record_attempts = failing
        sent_after = [0]
        pools = pools_for(run_store.get_run(study, run_id).definition)
        original = pools["m"].complete

        async def counting(request, *, model=None):
            if failed_at[0] is not None and time.monotonic() > failed_at[0] + 0.25:
                sent_after[0] += 1
            return await original(request, model=model)

        pools["m"].complete = counting
        control = RunControl()
        executor = RunExecutor(study, run_id, pools, control=control)

        async def go():
            try:
                return await executor.run()
            finally:
                await pools["m"].aclose()

        status = asyncio.run(go())
        run_store.record_attempts = real
        if failed_at[0] is None or status == "finished":
            raise FaultMissed(f"write failure: the run ended ({status}) before the study failed to take a write")
        at_stop = (f"at the failure ({stored[0]} of {total} attempts stored): status {status}, sent {executor.counters.sent}, received"
                   f" {executor.counters.received}, stored {executor.counters.written}, unsaved"
                   f" {executor.counters.unsaved}, sent later than one flush interval after it {sent_after[0]}")
        study.close()
        assert main(["run", "resume", str(run_id), "--plain", "--study", str(study_path)]) == 0
        return at_stop + "\n  after resume: " + figures(study_path, run_id, server.replies())
    finally:
        server.stop()


def outage(folder: Path, dilemmas: int, repeats: int, delay_s: float) -> str:
    server = Server(folder, delay_s)
    try:
        study_path, run_id = plan(folder, server, dilemmas, repeats, "outage", retries=2)
        proc = subprocess.Popen([sys.executable, "-m", "valuegap_tui", "run", "resume", str(run_id), "--plain",
                                 "--study", str(study_path)], stdout=subprocess.PIPE, text=True)
        study = open_study(study_path)
        while progress_store.progress(study, run_id).done < 300 and proc.poll() is None:
            time.sleep(0.02)
        running = proc.poll() is None
        server.outage(True)
        time.sleep(1.5)
        server.outage(False)
        study.close()
        out, _ = proc.communicate()
        if not running or server.errors() == 0:
            raise FaultMissed("outage: the run ended before the server answered any request with an error")
        study = open_study(study_path)
        p = progress_store.progress(study, run_id)
        first = (f"during the outage run ({server.errors()} requests answered HTTP 500): exit {proc.returncode}, status {run_store.get_run(study, run_id).status},"
                 f" {p.answered} answered, {p.invalid} invalid, {p.server_error} server errors")
        study.close()
        code = main(["run", "resume", str(run_id), "--plain", "--study", str(study_path)])
        return first + f"\n  after resume (exit {code}): " + figures(study_path, run_id, server.replies())
    finally:
        server.stop()


def run(small: bool) -> None:
    # the server's delay per reply: at 16 in flight a run of either size lasts a few seconds, long
    # enough for every fault to land while it goes
    dilemmas, repeats, delay_s = (12, 50, 0.05) if small else (120, 50, 0.004)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            print(f"kill -9 x5 then resume ({dilemmas * 2 * repeats} items):\n"
                  f"  {kills(folder, dilemmas, repeats, delay_s)}", flush=True)
            print(f"write failure once a third is stored:\n  {write_failure(folder, dilemmas, repeats, delay_s)}",
                  flush=True)
            print(f"server outage (HTTP 500 for 1.5 s, the client giving a request 2 attempts):\n"
                  f"  {outage(folder, dilemmas, repeats, delay_s)}", flush=True)
        except FaultMissed as exc:
            sys.exit(f"run_faults: {exc}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true")
    run(parser.parse_args().small)
