"""Coverage and false-positive rate of the paired comparisons between respondents, at full size.

Simulated runs (metrics.synthetic_respondents): two models asked three times and five people asked once
answer DILEMMAS dilemmas drawn from 300 dilemma types, under the baseline. For each comparison (a vs b,
a vs people, b vs people) and metric (AR, AD), it prints the share of 95% intervals that hold the planted
difference (with planted differences), and the share of sign-flip p <= 0.05 and of Holm-adjusted p <= 0.05
in the family (under a planted null), each with its binomial standard error. tests/test_respondent_pairs.py
runs the same at 200 runs and 40 dilemmas. The timer covers simulating the answers and every comparison.

    python bench/respondent_pairs.py [--runs 2000] [--dilemmas 20,40,80]
"""

from __future__ import annotations

import argparse
import time

import valuegap_tui  # noqa: F401  (first: its BLAS thread setting must precede numpy)
import numpy as np

from valuegap_tui.metrics.between import paired_comparisons
from valuegap_tui.metrics.synthetic_respondents import planted_differences, population, simulated_run


def simulate(null: bool, runs: int, dilemmas: int, seed: int) -> tuple[dict, list[dict]]:
    behaviour = population(seed, null)
    rng = np.random.default_rng(seed + 1)
    results = []
    for s in range(runs):
        table = paired_comparisons(simulated_run(rng, behaviour, dilemmas), seed=s)
        results.append({(r["first"], r["second"]): r for r in table.records()})
    return planted_differences(behaviour), results


def share(hits: list[bool]) -> str:
    p = float(np.mean(hits))
    return f"{p:.3f} ± {np.sqrt(p * (1 - p) / len(hits)):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--dilemmas", default="20,40,80")
    args = parser.parse_args()
    for dilemmas in (int(d) for d in args.dilemmas.split(",")):
        started = time.perf_counter()
        planted, covered = simulate(False, args.runs, dilemmas, seed=11)
        _, null = simulate(True, args.runs, dilemmas, seed=23)
        seconds = time.perf_counter() - started
        print(f"\n{dilemmas} dilemmas, {args.runs} runs each way ({seconds:.1f} s, {1000 * seconds / (2 * args.runs):.1f} ms a run)")
        print(f"{'comparison':<14} {'metric':<6} {'planted':>8} {'coverage':>14} {'null p<=.05':>14}")
        for (first, second, metric), truth in planted.items():
            key = (first, second)
            inside = [r[key][f"{metric}_low"] <= truth <= r[key][f"{metric}_high"] for r in covered]
            rejected = [r[key][f"{metric}_p"] <= 0.05 for r in null]
            print(f"{first} vs {second:<8} {metric:<6} {truth:>+8.3f} {share(inside):>14} {share(rejected):>14}")
        for metric in ("ar", "ad"):
            any_holm = [min(row[f"{metric}_p_holm"] for row in r.values()) <= 0.05 for r in null]
            print(f"null, any Holm-adjusted p <= .05 among the three, {metric}: {share(any_holm)}")


if __name__ == "__main__":
    main()
