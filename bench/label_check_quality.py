"""How well the label second opinion finds planted label errors, per error kind and number of judgements.

Builds dilemmas with the simulator's templates, plants one error of each kind (swap across the sides,
swap within a side, magnitude shift) into copies of them, and runs ``label_check.check_dilemmas``
against the simulated judge, which knows the true labels and ranks with stated noise (each action's
true rank plus Gaussian noise of ``--noise`` label steps, then adjacent swaps with ``--swap-rate``).
Prints, per noise level, number of judgements K and error kind: the share of dilemmas flagged (for
the clean ones, the false-flag rate) and the share whose suggested fix restores the true labels.

    python bench/label_check_quality.py [--n 200] [--noise 0.5 0.65 0.8] [--judgements 1 3 5 7 9] [--swap-rate 0]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CLEAN = "clean"


def adjacent_order_probability(noise: float) -> float:
    """P(the judge orders two actions one label step apart correctly), before adjacent swaps."""
    return 1.0 if noise <= 0 else 0.5 * (1 + math.erf(1 / (noise * math.sqrt(2)) / math.sqrt(2)))


def base_dilemmas(n: int, seed: int):
    from valuegap_tui.catalogue import catalogue
    from valuegap_tui.designs.graded_actions.models import ActionOption, AlignmentLabel, Dilemma
    from valuegap_tui.simulator.templates import generate_dilemma

    cat, rng = catalogue(), random.Random(seed)
    pairs = [(v, t) for v in cat.values for t in cat.topics]
    rng.shuffle(pairs)
    found = []
    for i in range(n):
        value, topic = pairs[i % len(pairs)]
        reply = generate_dilemma(value.name, value.gloss, topic.id, rng)
        options = [ActionOption(text=reply[label.value], label=label) for label in AlignmentLabel.ordered()]
        found.append(Dilemma(value=value.id, topic=topic.id, variant=i // len(pairs) + 1,
                             scenario=reply["scenario"], options=options))
    return found


def planted_sets(bases, seed: int):
    """kind -> [(true dilemma, planted dilemma)], each kind with its own ids (variants) and plants."""
    from valuegap_tui.review import label_errors
    from valuegap_tui.designs.graded_actions.models import Dilemma

    rng = random.Random(f"plant:{seed}")
    sets = {}
    for k, kind in enumerate((CLEAN, *label_errors.ERROR_KINDS)):
        offset = 1000 * (k + 1)
        pairs = []
        for base in bases:
            true = Dilemma(value=base.value, topic=base.topic, variant=base.variant + offset, scenario=base.scenario,
                           options=base.options)
            planted = true if kind == CLEAN else label_errors.plant(true, kind, rng)
            pairs.append((true, planted))
        sets[kind] = pairs
    return sets


def measure(sets, noise: float, swap_rate: float, judgements: int, seed: int, folder: Path) -> dict[str, tuple]:
    from valuegap_tui.designs.graded_actions import label_check
    from valuegap_tui.simulator import Simulator, SimulatorParams
    from valuegap_tui.simulator.inprocess import SimulatorClient
    from valuegap_tui.store import dilemmas as dilemma_store
    from valuegap_tui.store import open_study

    params = SimulatorParams(seed=seed, judge_noise_sd=noise, ranking_error_rate=swap_rate)
    simulator = Simulator(params)
    study = open_study(folder / f"check-{noise}-{judgements}.db", create=True)
    everything = [pair for pairs in sets.values() for pair in pairs]
    for true, _planted in everything:  # the judge knows the truth, the study holds the planted labels
        simulator.remember(true.value, true.scenario, {o.text: o.label.rank for o in true.options})
    dilemma_store.save_many(study, [planted for _true, planted in everything], who="bench", action="create")
    client = SimulatorClient(simulator)
    outcomes = asyncio.run(label_check.check_dilemmas(study, client, [p for _t, p in everything],
                                                      judgements=judgements, concurrency=64))
    checks = {o.dilemma_id: o.check for o in outcomes}
    rows = {}
    for kind, pairs in sets.items():
        flagged = fixed = single = 0
        for true, planted in pairs:
            check = checks[planted.id]
            if check.doubtful:
                flagged += 1
                fixed += check.suggested_labels == tuple(o.label.value for o in true.options)
            # the rule before several judgements: one ranking, Spearman < 0.6 or an aligning action judged opposing
            first = list(check.judged_orders[0])
            single += (label_check.spearman(list(check.label_order), first) < 0.6
                       or label_check.sign_errors(planted, first) > 0)
        rows[kind] = (len(pairs), flagged, fixed, single)
    study.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="dilemmas per error kind (and clean)")
    parser.add_argument("--noise", type=float, nargs="+", default=[0.5, 0.65, 0.8], help="judge noise sd, label steps")
    parser.add_argument("--swap-rate", type=float, default=0.0, help="judge's adjacent swap probability")
    parser.add_argument("--judgements", type=int, nargs="+", default=[1, 3, 5, 7, 9])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from valuegap_tui.designs.graded_actions import label_check

    sets = planted_sets(base_dilemmas(args.n, args.seed), args.seed)
    print(f"label check quality: {args.n} dilemmas per kind, simulated judge (Gaussian rank noise, "
          f"adjacent swap rate {args.swap_rate}); default judgements = {label_check.DEFAULT_JUDGEMENTS}")
    print("flagged: share of dilemmas flagged (clean: the false-flag rate); right fix: share of the flagged whose")
    print("suggested labels are the true ones; one-ranking rule: the check before several judgements (first ranking,")
    print("Spearman < 0.6 or a sign error), on the same replies. P(adj): judge orders a one-step pair correctly.")
    print(f"{'noise sd':>8} {'P(adj)':>6} {'K':>2}  {'kind':<19} {'flagged':>8} {'right fix':>9} {'one-ranking rule':>17}")
    with tempfile.TemporaryDirectory() as tmp:
        for noise in args.noise:
            for k in args.judgements:
                started = time.perf_counter()
                rows = measure(sets, noise, args.swap_rate, k, args.seed, Path(tmp))
                for kind, (n, flagged, fixed, single) in rows.items():
                    right = f"{fixed / flagged:.0%}" if flagged and kind != CLEAN else "-"
                    # the first ranking is the same for every K: shown once per noise level
                    baseline = f"{single / n:.1%}" if k == args.judgements[0] else ""
                    name = "clean (false flags)" if kind == CLEAN else kind
                    print(f"{noise:>8.2f} {adjacent_order_probability(noise):>6.0%} {k:>2}  "
                          f"{name:<19} {flagged / n:>8.1%} {right:>9} {baseline:>17}".rstrip())
                print(f"{'':>20}({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
