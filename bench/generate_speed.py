"""All 616 dilemmas generated against the simulator (20 ms latency) at concurrency 64; prints the time.

Target: under 10 s. The simulator runs in its own process, so the figure is the generator's and the
store's cost, not the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from valuegap_tui.designs.graded_actions import generate as gen
from valuegap_tui.server.client import build_client
from valuegap_tui.simulator.params import SimulatorParams
from valuegap_tui.simulator.runner import run_simulator_process
from valuegap_tui.store import generation as attempt_store
from valuegap_tui.store import open_study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--malformed", type=float, default=0.0, help="share of malformed replies")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, \
            run_simulator_process(SimulatorParams(latency_ms=args.latency_ms, fault_malformed=args.malformed)) as sim:
        study = open_study(Path(tmp) / "bench.db", create=True)
        jobs = gen.plan(study, gen.Scope())

        async def run():
            client = build_client(base_url=sim.base_url, concurrency=args.concurrency)
            try:
                return await gen.generate(study, client, jobs, gen.Settings(concurrency=args.concurrency))
            finally:
                await client.aclose()

        started = time.perf_counter()
        progress = asyncio.run(run())
        elapsed = time.perf_counter() - started
        print(f"dilemmas planned: {len(jobs)}")
        print(f"stored: {progress.done}, failed: {progress.failed}, requests: {progress.requests}, "
              f"attempts stored: {attempt_store.count_attempts(study)}")
        print(f"time: {elapsed:.2f} s ({progress.done / elapsed:.0f} dilemmas/s) at concurrency {args.concurrency}, "
              f"{args.latency_ms:.0f} ms latency; target < 10 s: {'met' if elapsed < 10 else 'NOT met'}")
        study.close()


if __name__ == "__main__":
    main()
