"""Running the simulator: in a background thread (tests, demo), in a child process (benchmarks),
or in the foreground (``valuegap simulate``)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from valuegap_tui.processes import stop_child
from valuegap_tui.simulator.app import build_app
from valuegap_tui.simulator.respondent import BANNER, Simulator, Stats
from valuegap_tui.simulator.params import SimulatorParams

HOST = "127.0.0.1"


@dataclass
class RunningSimulator:
    host: str
    port: int
    simulator: Simulator | None = None
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI base URL (ends in /v1)."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def params(self) -> SimulatorParams | None:
        return self.simulator.params if self.simulator else None

    @property
    def stats(self) -> Stats | None:
        """Live counters (thread runner only; a child process serves them at /simulator/stats)."""
        return self.simulator.stats if self.simulator else None


async def _start_site(simulator: Simulator, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(build_app(simulator), access_log=None, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024, reuse_address=True)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # the real port when port=0
    return runner, bound


async def _shutdown(runner: web.AppRunner) -> None:
    """Stop listening, then cancel requests still waiting (e.g. hung "timeout" faults)."""
    for site in list(runner.sites):
        await site.stop()
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    await runner.cleanup()


@contextmanager
def run_simulator(params: SimulatorParams | None = None, study_path: Path | str | None = None,
                  port: int = 0, host: str = HOST) -> Iterator[RunningSimulator]:
    """Serve the simulator on ``host:port`` (0 = any free port) in a background thread; stop on exit."""
    simulator = Simulator(params or SimulatorParams(), study_path)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    state: dict = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            state["runner"], state["port"] = loop.run_until_complete(_start_site(simulator, host, port))
        except BaseException as exc:  # reported to the caller below
            state["error"] = exc
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(_shutdown(state["runner"]))
        loop.close()

    thread = threading.Thread(target=serve, name="valuegap-simulator", daemon=True)
    thread.start()
    started.wait(30)
    if "error" in state or "port" not in state:
        thread.join(5)
        raise RuntimeError(f"simulated server did not start on {host}:{port}: {state.get('error', 'timed out')}")
    try:
        yield RunningSimulator(host, state["port"], simulator=simulator)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@contextmanager
def run_simulator_process(params: SimulatorParams | None = None, study_path: Path | str | None = None,
                          port: int = 0, host: str = HOST) -> Iterator[RunningSimulator]:
    """Serve the simulator from a child process (its own CPU), e.g. for throughput benchmarks."""
    params = params or SimulatorParams()
    command = [sys.executable, "-m", "valuegap_tui.simulator", "--params", params.model_dump_json(),
               "--port", str(port), "--host", host]
    if study_path is not None:
        command += ["--study", str(study_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = process.stdout.readline()  # "listening <port>" once ready
        if not line.startswith("listening "):
            raise RuntimeError(f"simulated server process did not start (exit status {process.poll()})")
        yield RunningSimulator(host, int(line.split()[1]), process=process)
    finally:
        stop_child(process, grace_s=10)
        process.stdout.close()


async def serve_forever(params: SimulatorParams, study_path: Path | str | None = None, port: int = 8000,
                        host: str = HOST, announce=print) -> None:
    """Serve until cancelled (Ctrl+C)."""
    simulator = Simulator(params, study_path)
    runner, bound = await _start_site(simulator, host, port)
    announce(bound, simulator)
    try:
        await asyncio.Event().wait()
    finally:
        await _shutdown(runner)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=BANNER)
    parser.add_argument("--params", default="{}", help="SimulatorParams as JSON")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default=HOST)
    parser.add_argument("--study")
    args = parser.parse_args()
    params = SimulatorParams.model_validate(json.loads(args.params))

    def announce(port: int, _simulator) -> None:
        print(f"listening {port}", flush=True)

    try:
        asyncio.run(serve_forever(params, args.study, args.port, args.host, announce))
    except KeyboardInterrupt:
        pass

