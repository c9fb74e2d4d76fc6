"""Time to recompute every metric and breakdown over a 200,000-answer run.

616 dilemmas (56 values x 11 topics) x 25 conditions x 2 questions x 6.5 repeats on average (half the
cells asked 6 times, half 7): 200,200 answers, 2% invalid. Prints the time of the full recompute without
intervals (what the screens do first; target < 0.2 s) and, separately, with the bootstrap phase: the
intervals, sign-flip tests and adjusted p-values of the conditions, persona kinds (two-stage) and every
(condition, value), the rank intervals, and test-retest.

    python bench/metrics_speed.py
"""

from __future__ import annotations

import time

import valuegap_tui  # noqa: F401  (first: its BLAS thread setting must precede numpy)
import numpy as np

from valuegap_tui.metrics.summary import compute_results, select
from valuegap_tui.metrics.synthetic import DEFAULT_CONDITIONS, PlantedCondition, synthetic_frame


def build_frame():
    rng = np.random.default_rng(0)
    conditions = tuple(
        PlantedCondition("baseline" if i == 0 else f"persona-{i:02d}", "baseline" if i == 0 else
                         ("moderate", "max", "incongruous")[i % 3],
                         tuple(rng.dirichlet(np.ones(6) * 2)), tuple(rng.dirichlet(np.ones(6) * 2)))
        for i in range(25))
    frame = synthetic_frame(conditions, repeats=7, invalid_rate=0.02, seed=1)
    # drop the 7th repeat of half the cells: 6.5 repeats on average
    cell = frame.dilemma.codes.astype(np.int64) * 25 + frame.persona.codes
    keep = (frame.repeat < 6) | (cell % 2 == 0)
    return select(frame, keep)


def timed(label, fn, runs=5):
    """Median wall time; the CPU time beside it is what the machine's other load cannot inflate."""
    fn()  # warm caches
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"{label:<58} median {np.median(times) * 1000:7.1f} ms  (min {min(times) * 1000:.1f}, {runs} runs; "
          f"CPU {np.median(cpu) * 1000:.1f} ms)")
    return float(np.median(times))


def main() -> None:
    start = time.perf_counter()
    frame = build_frame()
    print(f"answer frame: {len(frame):,} answers, {len(frame.dilemma.labels)} dilemmas, "
          f"{len(frame.persona.labels)} conditions (built in {time.perf_counter() - start:.2f} s)")
    quick = timed("all metrics and breakdowns, all pairs (default)", lambda: compute_results(frame, bootstrap=False))
    timed("all metrics and breakdowns, cell means", lambda: compute_results(frame, aggregate="cell_mean", bootstrap=False))
    timed("all metrics and breakdowns, majority answers", lambda: compute_results(frame, aggregate="majority", bootstrap=False))
    timed("all metrics and breakdowns, each repeat an item", lambda: compute_results(frame, aggregate="repeat", bootstrap=False))
    timed("filtered to one topic", lambda: compute_results(frame, topic=frame.topic.labels[0], bootstrap=False))
    timed("with bootstrap intervals and sign-flip tests (reported apart)", lambda: compute_results(frame), runs=2)
    print(f"target < 200 ms for the recompute: {'met' if quick < 0.2 else 'NOT met'} ({quick * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
