"""The protocol tables (metrics/protocols.py) at full size, on studies sampled from the simulator's
behaviour model with planted protocol effects (tests/test_protocol_recovery.py runs a smaller one):
616 dilemmas x 25 conditions (the default persona set and the baseline) x 3 protocols x 5 repeats.

1. null: no protocol effect; how many (condition or kind, metric) groups are flagged as direction flips,
   over several sampled studies (the flag needs two intervals excluding 0 in opposite directions);
2. planted: paraphrase-1 shifts the personas' actions toward opposing (``ProtocolEffect(action_shift,
   personas_only=True)``): the mean and largest error of the recovered change of AR against baseline
   under each protocol, the share within 3 standard errors, and the flips found against the personas
   whose planted change turns around by 0.05 or more each way, and the personas flagged whose planted
   change does not turn around at all (false flips).

    python bench/protocol_recovery.py [--studies 5] [--shift 0.5]

The timer holds sampling the answers and computing the protocol tables (items, intervals, tests), per
study; the planted values' exact computation is outside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import valuegap_tui  # noqa: F401  (first: its BLAS thread setting must precede numpy)
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from valuegap_tui.metrics.paired import Resampler  # noqa: E402
from valuegap_tui.metrics.protocols import protocol_results  # noqa: E402
from valuegap_tui.personas import default_personas  # noqa: E402
from valuegap_tui.simulator.behaviour import action_distribution, expected_gap, value_distribution  # noqa: E402
from valuegap_tui.simulator.params import ProtocolEffect, SimulatorParams  # noqa: E402
from valuegap_tui.simulator.sample import SampledPersona, catalogue_dilemmas, sample_frame  # noqa: E402

PROTOCOLS = ("standard", "paraphrase-1", "paraphrase-2")


def people() -> list[SampledPersona]:
    found = [SampledPersona("baseline", "baseline", {})]
    for p in default_personas():
        if p.id != "baseline":
            found.append(SampledPersona(p.id, str(getattr(p.kind, "value", p.kind)), dict(p.levels)))
    return found


def planted_changes(params, persons, dilemmas) -> dict[tuple[str, str], float]:
    values = sorted({d.value for d in dilemmas})
    count = {v: sum(d.value == v for d in dilemmas) for v in values}

    def ar(levels, protocol):
        cells = {v: expected_gap(value_distribution(params, levels, v, protocol),
                                 action_distribution(params, levels, v, protocol))[0] for v in values}
        return sum(cells[v] * count[v] for v in values) / len(dilemmas)

    base = {p: ar({}, p) for p in PROTOCOLS}
    return {(person.id, p): ar(person.levels, p) - base[p] for person in persons[1:] for p in PROTOCOLS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=5)
    parser.add_argument("--shift", type=float, default=0.5)
    args = parser.parse_args()
    persons, dilemmas = people(), catalogue_dilemmas()
    null = SimulatorParams(position_bias=(1.0,) * 6)
    planted = null.model_copy(update={"protocol_effects": {
        "paraphrase-1": ProtocolEffect(action_shift=args.shift, personas_only=True)}})
    truth = planted_changes(planted, persons, dilemmas)
    turns = {person.id for person in persons[1:]
             if min(truth[(person.id, p)] for p in PROTOCOLS) <= -0.05
             and max(truth[(person.id, p)] for p in PROTOCOLS) >= 0.05}
    reverses = {person.id for person in persons[1:]
                if min(truth[(person.id, p)] for p in PROTOCOLS) < 0 < max(truth[(person.id, p)] for p in PROTOCOLS)}
    print(f"{len(dilemmas)} dilemmas x {len(persons)} conditions x {len(PROTOCOLS)} protocols x 5 repeats, "
          f"{args.studies} studies each; planted: paraphrase-1 action shift {args.shift} (personas only)")
    for name, params in (("null", null), ("planted", planted)):
        flags, errors, within, found, timings = [], [], [], [], []
        for study in range(args.studies):
            start = time.perf_counter()
            frame = sample_frame(params, persons, dilemmas, repeats=5, seed=study, protocols=PROTOCOLS)
            results = protocol_results(frame, resampler=Resampler(study))
            timings.append(time.perf_counter() - start)
            flagged = results.flagged()
            flags.append(len(flagged))
            groups = {(r["level"], r["group"]) for r in results.flips.records()}
            if name == "planted":
                for r in results.flips.records():
                    if r["level"] == "condition":
                        error = r["ar_change"] - truth[(r["group"], r["protocol"])]
                        errors.append(abs(error))
                        within.append(abs(error) <= 3 * (r["ar_high"] - r["ar_low"]) / 2 / 1.96)
                found.append({g for _m, level, g, metric in flagged if level == "condition" and metric == "AR"})
        print(f"{name}: flips flagged per study {flags} of {2 * len(groups)} (group, metric) checks; "
              f"{np.median(timings):.2f} s per study (median)")
        if name == "planted":
            print(f"  change of AR against baseline, {len(errors)} recovered: mean |error| {np.mean(errors):.4f},"
                  f" largest {np.max(errors):.4f}, within 3 standard errors {np.mean(within):.1%}")
            hits = [len(turns & f) / len(turns) for f in found] if turns else []
            false = [len(f - reverses) for f in found]
            print(f"  {len(turns)} personas whose planted AR change turns around by 0.05 or more each way: found "
                  f"per study {[f'{h:.0%}' for h in hits]}; {len(reverses)} turn around at all; flagged "
                  f"personas whose planted change does not turn around: {false}")


if __name__ == "__main__":
    main()
