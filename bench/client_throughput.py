"""Client throughput against the simulated server: achieved vs ideal requests/s, client CPU per request.

The simulator runs in a child process (its CPU is not counted) with 50 ms latency and a capacity of
50 requests at once, i.e. at most 1,000 requests/s. The client keeps 64 or 256 requests in flight;
ideal = min(in flight, capacity) / latency. Target: achieved/ideal >= 0.9 with the default (aiohttp)
transport. The openai-SDK transport is shown for comparison.

    python bench/client_throughput.py [--requests N] [--transport aiohttp|openai|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from valuegap_tui.server.client import build_client
from valuegap_tui.server.simulator import SimulatorParams, run_simulator_process
from valuegap_tui.server.types import ChatRequest

LATENCY_MS = 50.0
SERVER_SLOTS = 50  # 50 at once x 50 ms = 1,000 requests/s
OPTIONS = ["Strongly agree", "Agree", "Somewhat agree", "Somewhat disagree", "Disagree", "Strongly disagree"]
SCENARIO = (
    "You sit on the board of a community foundation that must decide how to spend a large donation. "
    "One group wants to fund a new youth centre in a poor district, another wants to restore the old "
    "church that many elderly residents cherish, and a third proposes a scholarship programme. "
) * 4  # about 1,400 characters, like a real value question


def process_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) a process has used, from /proc (Linux); None elsewhere."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def question(i: int) -> ChatRequest:
    lines = [SCENARIO, 'How strongly do you agree or disagree with "Wisdom" in this context?']
    lines += [f"{letter}. {text}" for letter, text in zip("ABCDEF", OPTIONS)]
    lines.append("Answer with one letter.")
    return ChatRequest(messages=[{"role": "user", "content": "\n".join(lines)}], max_tokens=1, temperature=0.0,
                       seed=i, logprobs=True, top_logprobs=6)


async def measure(base_url: str, transport: str, in_flight: int, n: int, server_pid: int) -> dict:
    client = build_client(base_url=base_url, model="simulated-respondent", concurrency=in_flight, transport=transport)
    try:
        await asyncio.gather(*(client.complete(question(i)) for i in range(min(n, in_flight))))  # warm up
        server0, cpu0, wall0 = process_cpu_s(server_pid), time.process_time(), time.perf_counter()
        records = await asyncio.gather(*(client.complete(question(i)) for i in range(n)))
        wall, cpu, server1 = time.perf_counter() - wall0, time.process_time() - cpu0, process_cpu_s(server_pid)
    finally:
        await client.aclose()
    failed = sum(not r.ok for r in records)
    ideal = min(in_flight, SERVER_SLOTS) / (LATENCY_MS / 1000)
    server_ms = (server1 - server0) / n * 1000 if server0 is not None and server1 is not None else float("nan")
    return {"rate": n / wall, "ideal": ideal, "cpu_ms": cpu / n * 1000, "server_ms": server_ms, "failed": failed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per measurement (default 4000)")
    parser.add_argument("--transport", choices=["aiohttp", "openai", "both"], default="both")
    args = parser.parse_args()
    transports = ["aiohttp", "openai"] if args.transport == "both" else [args.transport]
    params = SimulatorParams(latency_ms=LATENCY_MS, capacity=SERVER_SLOTS, seed=1)
    print(f"SIMULATED server: {LATENCY_MS:g} ms latency, {SERVER_SLOTS} at once = "
          f"{SERVER_SLOTS / LATENCY_MS * 1000:,.0f} requests/s; {args.requests} requests per row")
    print(f"{'transport':<10}{'in flight':>10}{'achieved/s':>12}{'ideal/s':>10}{'ratio':>8}{'client CPU/req':>16}{'server CPU/req':>16}{'failed':>8}")
    with run_simulator_process(params) as server:
        for transport in transports:
            for in_flight in (64, 256):
                r = asyncio.run(measure(server.base_url, transport, in_flight, args.requests, server.process.pid))
                verdict = "ok" if r["rate"] / r["ideal"] >= 0.9 else "BELOW 0.9"
                print(f"{transport:<10}{in_flight:>10}{r['rate']:>12,.0f}{r['ideal']:>10,.0f}{r['rate'] / r['ideal']:>8.2f}"
                      f"{r['cpu_ms']:>13.3f} ms{r['server_ms']:>13.3f} ms{r['failed']:>8}  {verdict}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: client and server share them, "
          "so a busy machine lowers the ratio through the server's CPU, not the client's")


if __name__ == "__main__":
    main()
