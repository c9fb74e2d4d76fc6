"""Run a stored run to completion (or until stopped) with its model pools; plain progress lines."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Callable

from valuegap_tui.evaluate.clients import pools_for
from valuegap_tui.evaluate.collector import fewer_collections
from valuegap_tui.evaluate.execute import Counters, RunControl, RunExecutor, RunStoreError
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store.db import Study


def format_progress(run_id: int, done: int, total: int, rate: float,
                    outcomes: tuple[int, int, int] | None = None) -> str:
    """One progress line; ``outcomes`` (answered, invalid, server errors) counts items, as the summary
    a run ends with does (an item asked three times for one invalid answer counts once)."""
    eta = (total - done) / rate if rate > 0 else float("inf")
    eta_text = "-" if eta == float("inf") else f"{int(eta // 60)}m{int(eta % 60):02d}s"
    extra = ""
    if outcomes is not None:
        answered, invalid, server_error = outcomes
        extra = f"; {answered} answered, {invalid} invalid, {server_error} server errors"
    return f"run {run_id}: {done}/{total} done ({100 * done / max(total, 1):.1f}%) {rate:.0f}/s ETA {eta_text}{extra}"


async def run_async(study: Study, run_id: int, *, control: RunControl | None = None, clients=None,
                    on_flush: Callable[[Counters], None] | None = None) -> str:
    run = run_store.get_run(study, run_id)
    pools = clients or pools_for(run.definition)
    try:
        return await RunExecutor(study, run_id, pools, control=control, on_flush=on_flush).run()
    finally:
        if clients is None:
            for pool in pools.values():
                await pool.aclose()


def run_loop(coroutine):
    """``asyncio.run`` on uvloop's event loop when it is installed (less CPU per request and reply
    than the standard loop, see docs/evaluation.md), else on the standard one."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def run_blocking(study: Study, run_id: int, *, plain: bool = True, interval_s: float = 2.0,
                 control: RunControl | None = None, clients=None, out=None) -> str:
    """Run in this thread; Ctrl+C or SIGTERM finishes in-flight answers, writes them, and stops."""
    out = out or sys.stdout  # looked up now: sys.stdout may have been replaced since import
    control = control or RunControl()
    start = progress_store.progress(study, run_id)
    total = max(start.total, run_store.planned_total(study, run_id))  # a streamed plan is not all stored yet
    started, last = time.monotonic(), [0.0]

    def report(counters: Counters) -> None:
        now = time.monotonic()
        if plain and now - last[0] >= interval_s:
            last[0] = now
            finished = counters.answered + counters.invalid_final + counters.server_error_final
            done = start.done + finished
            rate = finished / max(now - started, 1e-6)
            outcomes = (start.answered + counters.answered, start.invalid + counters.invalid_final,
                        start.server_error + counters.server_error_final)
            print(format_progress(run_id, done, total, rate, outcomes), file=out, flush=True)

    async def main() -> str:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, control.stop)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread: the caller stops through control
        return await run_async(study, run_id, control=control, clients=clients, on_flush=report)

    try:
        with fewer_collections():
            status = run_loop(main())
    except RunStoreError as exc:
        control.reason = str(exc)
        if plain:
            print(str(exc), file=out, flush=True)
        return "failed"
    final = progress_store.progress(study, run_id)
    if plain:
        print(f"run {run_id} {status}: {final.answered} answered, {final.invalid} invalid"
              + (f" ({final.invalid_line()})" if final.invalid else "")
              + (f", {final.too_long} too long for the server's context" if final.too_long else "")
              + f", {final.server_error} server errors, {final.pending} pending; {final.responses} attempts stored"
              f" ({final.outcomes.get('server_error', 0)} failed requests)", file=out, flush=True)
        if control.reason:
            print(f"run {run_id}: {control.reason}", file=out, flush=True)
    return status
