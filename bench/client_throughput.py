"""Evaluation throughput against the simulated server, end to end: achieved vs ideal questions/s and
client CPU per question.

Each measurement plans a run in a fresh study and runs it with the run executor (the code
`valuegap run start` runs): build each prompt, send it, read the letter, store every answer in SQLite.
The timer and the CPU count (this whole process, the writer thread included) cover the executor from
its start to the last answer written. The simulator runs in a child process (its CPU is not counted)
with 50 ms latency and a capacity of 50 requests at once, i.e. at most 1,000 requests/s. The client
keeps 64 or 256 requests in flight; ideal = min(in flight, capacity) / latency. Target:
achieved/ideal >= 0.9 with the default (http, the lean built-in client) transport; aiohttp and the
openai SDK are shown for comparison. Absolute figures move with the machine's load (client and server share its CPUs).

    python bench/client_throughput.py [--requests N] [--transport http|aiohttp|openai|all]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import run_definition, seed_study  # noqa: E402

from valuegap_tui.evaluate.setup import create_run  # noqa: E402
from valuegap_tui.evaluate.session import run_async, run_loop  # noqa: E402
from valuegap_tui.plan.definition import RunDefinition  # noqa: E402
from valuegap_tui.server.client import build_client  # noqa: E402
from valuegap_tui.simulator import SimulatorParams, run_simulator_process  # noqa: E402
from valuegap_tui.store import run_progress as progress_store  # noqa: E402

LATENCY_MS = 50.0
SERVER_SLOTS = 50  # 50 at once x 50 ms = 1,000 requests/s
REPEATS = 5


def process_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) a process has used, from /proc (Linux); None elsewhere."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def measure(tmp: Path, base_url: str, transport: str, in_flight: int, n: int, server_pid: int) -> dict:
    study = seed_study(tmp / f"{transport}-{in_flight}.db", max(1, n // (2 * REPEATS)))
    text = run_definition(base_url, repeats=REPEATS, concurrency=in_flight).replace("loopback", "simulated-respondent")
    definition_path = tmp / "run.toml"
    definition_path.write_text(text)
    run_id = create_run(study, RunDefinition.load(definition_path))
    client = build_client(base_url=base_url, model="simulated-respondent", concurrency=in_flight, transport=transport)
    server0, cpu0, wall0 = process_cpu_s(server_pid), time.process_time(), time.perf_counter()

    async def go() -> None:
        try:
            await run_async(study, run_id, clients={"simulated-respondent": client})
        finally:
            await client.aclose()

    run_loop(go())  # the event loop `run start` uses
    wall, cpu, server1 = time.perf_counter() - wall0, time.process_time() - cpu0, process_cpu_s(server_pid)
    progress = progress_store.progress(study, run_id)
    study.close()
    asked = progress.responses
    ideal = min(in_flight, SERVER_SLOTS) / (LATENCY_MS / 1000)
    server_ms = (server1 - server0) / asked * 1000 if server0 is not None and server1 is not None else float("nan")
    return {"rate": asked / wall, "ideal": ideal, "cpu_ms": cpu / asked * 1000, "server_ms": server_ms,
            "failed": progress.outcomes.get("server_error", 0), "stored": progress.done}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per measurement (default 4000)")
    parser.add_argument("--transport", choices=["http", "aiohttp", "openai", "all"], default="all")
    args = parser.parse_args()
    transports = ["http", "aiohttp", "openai"] if args.transport == "all" else [args.transport]
    params = SimulatorParams(latency_ms=LATENCY_MS, capacity=SERVER_SLOTS, seed=1)
    print(f"SIMULATED server: {LATENCY_MS:g} ms latency, {SERVER_SLOTS} at once = "
          f"{SERVER_SLOTS / LATENCY_MS * 1000:,.0f} requests/s; {args.requests} questions per row, each planned,"
          " asked, read and stored by the run executor")
    print(f"{'transport':<10}{'in flight':>10}{'achieved/s':>12}{'ideal/s':>10}{'ratio':>8}{'client CPU/req':>16}{'server CPU/req':>16}{'failed':>8}")
    with tempfile.TemporaryDirectory() as tmp, run_simulator_process(params) as server:
        os.environ.setdefault("VALUEGAP_CONFIG_DIR", tmp)
        for transport in transports:
            for in_flight in (64, 256):
                r = measure(Path(tmp), server.base_url, transport, in_flight, args.requests, server.process.pid)
                verdict = "ok" if r["rate"] / r["ideal"] >= 0.9 else "BELOW 0.9"
                print(f"{transport:<10}{in_flight:>10}{r['rate']:>12,.0f}{r['ideal']:>10,.0f}{r['rate'] / r['ideal']:>8.2f}"
                      f"{r['cpu_ms']:>13.3f} ms{r['server_ms']:>13.3f} ms{r['failed']:>8}  {verdict}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: client and server share them, "
          "so a busy machine lowers the ratio through the server's CPU, not the client's")


if __name__ == "__main__":
    main()
