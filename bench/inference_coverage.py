"""Coverage of the intervals the study's inference rests on, at full size, on simulated studies with planted
truth (the tests run smaller versions of each):

1. persona kinds (metrics.crossed): 616 dilemmas, one answer per question, a kind of 4, 8 or 16 personas
   whose alignment shifts spread around the kind's (normal sd 0.1, and uniform with the same sd): how often
   the change and the level interval hold the planted value, and p < .05 under a planted change of 0;
2. ValAct (designs/valact/reliability.py): planted stated-vs-enacted r 0.79 and 0.36, the two-item
   questionnaire, 10 / 30 / 100 / 300 scenarios per value: mean observed r, mean reliabilities, median
   disattenuated r and how often its interval holds the planted r; two identical models' profile r;
3. position (metrics.position): a persona whose only effect is to send 30% of its answers to letter A,
   616 dilemmas x 5 repeats: how often its position share interval holds 0.3 and its position-adjusted
   AR change interval holds 0, beside the unadjusted change.

    python bench/inference_coverage.py [--studies 2000] [--valact-studies 500] [--position-studies 100]

Each part prints its figures and the wall time it took (simulation and estimation together).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import valuegap_tui  # noqa: F401  (first: its BLAS thread setting must precede numpy)
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.helpers.valact_reliability import (PLANTED, VALUES, identical_models,  # noqa: E402
                                              offered_and_chosen, stated_answers, true_enacted)
from valuegap_tui.designs.valact.reliability import corrected_r, enacted_profile, stated_profile  # noqa: E402
from valuegap_tui.metrics.crossed import crossed_mean  # noqa: E402


def kinds(studies: int) -> None:
    print(f"persona kinds: 616 dilemmas, {studies} studies per row")
    for shape in ("normal", "uniform"):
        for personas in (4, 8, 16):
            covered, level_covered, false_positives = [], [], []
            for chunk in range(0, studies, 250):
                size = min(250, studies - chunk)
                for change, out in ((0.1, None), (0.0, false_positives)):
                    rng = np.random.default_rng([personas, chunk, int(change * 10), shape == "uniform"])
                    base = rng.uniform(0.3, 0.6, (size, 1, 616))
                    spread = (rng.normal(0, 0.1, (size, personas, 1)) if shape == "normal"
                              else rng.uniform(-1, 1, (size, personas, 1)) * 0.1 * math.sqrt(3))
                    shift = change + np.clip(spread, -0.29, 0.29)
                    persona = (rng.random((size, personas, 616)) < base + shift).astype(float)
                    baseline = (rng.random((size, 1, 616)) < base).astype(float)
                    found = crossed_mean(persona - baseline)
                    if out is None:
                        level = crossed_mean(persona)
                        covered.append((found.low <= change) & (change <= found.high))
                        level_covered.append((level.low <= 0.45 + change) & (0.45 + change <= level.high))
                    else:
                        out.append(found.p < 0.05)
            print(f"  {shape:<8} {personas:>2} personas: change covered {np.mean(np.concatenate(covered)):.3f}, "
                  f"level {np.mean(np.concatenate(level_covered)):.3f}, "
                  f"p < .05 under no change {np.mean(np.concatenate(false_positives)):.3f}")


def valact(studies: int) -> None:
    print(f"valact: two items per value answered once, scenarios answered once, {studies} studies per row")
    for planted, (means, weights) in PLANTED.items():
        truth = float(np.corrcoef(means, true_enacted(weights))[0, 1])
        for per_value in (10, 30, 100, 300):
            rng = np.random.default_rng([per_value, int(planted * 100)])
            observed, rel_s, rel_e, r_dis, covered, undefined, warned = [], [], [], [], [], 0, 0
            for study in range(studies):
                values, answers = stated_answers(means, rng)
                chosen, offered, _ = offered_and_chosen(weights, per_value, rng)
                found = corrected_r(stated_profile(values, answers, VALUES), enacted_profile(chosen, offered),
                                    seed=study)
                observed.append(found.r)
                rel_s.append(found.reliability_x)
                rel_e.append(found.reliability_y)
                warned += bool(found.warning)
                if math.isnan(found.low):
                    undefined += 1
                    continue
                r_dis.append(found.r_disattenuated)
                covered.append(found.low <= truth <= found.high)
            print(f"  planted r {truth:.2f}, {per_value:>3} scenarios per value: observed r {np.nanmean(observed):.2f}, "
                  f"reliability stated {np.nanmean(rel_s):.2f} / enacted {np.nanmean(rel_e):.2f}, disattenuated "
                  f"median {np.median(r_dis):.2f}, covered {np.mean(covered):.3f}; no interval {undefined}, "
                  f"warned {warned}")
    weights = PLANTED[0.79][1]
    for per_value in (10, 30, 100, 300):
        observed, covered = identical_models(weights, per_value, studies, np.random.default_rng([per_value, 1]))
        print(f"  identical models, {per_value:>3} scenarios per value: observed profile r {np.nanmean(observed):.2f}, "
              f"disattenuated interval holds 1 in {np.mean(covered):.3f}")


def position(studies: int) -> None:
    from tests.helpers.planted import CONSISTENT, POSITION_ONLY
    from valuegap_tui.metrics.summary import compute_results
    from valuegap_tui.metrics.synthetic import latin_square_frame

    print(f"position: a persona sending 30% of its answers to letter A, 616 dilemmas x 5 repeats, {studies} studies")
    share_covered, adjusted_covered, unadjusted, significant = [], [], [], []
    for study in range(studies):
        frame = latin_square_frame((CONSISTENT, POSITION_ONLY), position_share={"by-letter": 0.3}, dilemmas=616,
                                   repeats=5, seed=study)
        results = compute_results(frame, seed=study)
        row = next(r for r in results.tables["position"].records() if r["condition"] == "by-letter")
        plain = next(r for r in results.conditions.records() if r["condition"] == "by-letter")
        share_covered.append(row["action_position_low"] <= 0.3 <= row["action_position_high"])
        adjusted_covered.append(row["ar_adjusted_change_low"] <= 0 <= row["ar_adjusted_change_high"])
        unadjusted.append(plain["ar_change"])
        significant.append(plain["ar_change_p"] < 0.05)
    print(f"  unadjusted AR change {np.mean(unadjusted):+.3f} (p < .05 in {np.mean(significant):.3f}); position share "
          f"interval holds 0.3 in {np.mean(share_covered):.3f}; adjusted AR change interval holds 0 in "
          f"{np.mean(adjusted_covered):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--studies", type=int, default=2000)
    parser.add_argument("--valact-studies", type=int, default=500)
    parser.add_argument("--position-studies", type=int, default=100)
    args = parser.parse_args()
    for part, count in ((kinds, args.studies), (valact, args.valact_studies), (position, args.position_studies)):
        started = time.perf_counter()
        part(count)
        print(f"  ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
