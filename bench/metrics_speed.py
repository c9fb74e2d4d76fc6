"""Time to load a 154,000-answer run from its study file and recompute every metric and breakdown.

616 dilemmas (56 values x 11 topics) x 25 conditions (baseline + 24 personas) x 2 questions x 5
repeats = 154,000 answers, stored in a SQLite study file the way a run stores them (2% invalid).
The figure that counts is what a screen pays: the answer frame loaded from the study file plus the
full recompute without intervals (target < 0.2 s). The load and the recompute are also shown apart,
then the recompute with the paired bootstrap and sign-flip tests.

    python bench/metrics_speed.py [--personas 24] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import valuegap_tui  # noqa: F401  (first: its BLAS thread setting must precede numpy)
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import run_definition, seed_study  # noqa: E402

from valuegap_tui.metrics.summary import compute_results  # noqa: E402
from valuegap_tui.store import answer_frame as frame_store  # noqa: E402


def build_run(path: Path, n_personas: int, repeats: int) -> tuple[object, int]:
    """A study with a fully answered run: planned as `valuegap run start` plans it, answers filled in SQL."""
    from valuegap_tui import personas as persona_model
    from valuegap_tui.evaluate.setup import create_run
    from valuegap_tui.plan.definition import RunDefinition
    from valuegap_tui.store import personas as persona_store

    study = seed_study(path, 616)
    personas = [p for p in persona_model.generate_personas(seed=0, incongruous=max(0, n_personas - 8))
                if p.id != "baseline"][:n_personas]
    persona_store.save_many(study, personas)
    definition = path.with_suffix(".toml")
    definition.write_text(run_definition("http://127.0.0.1:9/v1", repeats=repeats, concurrency=64,
                                         personas=[p.id for p in personas]))
    run_id = create_run(study, RunDefinition.load(definition))
    with study.transaction() as db:  # 2% invalid (no choice), the rest a random option
        db.execute("UPDATE run_items SET attempts = 1, status = CASE WHEN abs(random()) % 50 = 0 THEN 'invalid'"
                   " ELSE 'answered' END WHERE run_id = ?", [run_id])
        db.execute("UPDATE run_items SET choice = abs(random()) % 6, position = abs(random()) % 6"
                   " WHERE run_id = ? AND status = 'answered'", [run_id])
        db.execute("UPDATE run_items SET score = CASE choice WHEN 0 THEN 3 WHEN 1 THEN 2 WHEN 2 THEN 1"
                   " WHEN 3 THEN -1 WHEN 4 THEN -2 ELSE -3 END WHERE run_id = ? AND choice IS NOT NULL", [run_id])
    return study, run_id


def timed(label, fn, runs=5):
    """Median wall time; the CPU time beside it is what the machine's other load cannot inflate."""
    fn()  # warm caches
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"{label:<62} median {np.median(times) * 1000:7.1f} ms  (min {min(times) * 1000:.1f}, {runs} runs; "
          f"CPU {np.median(cpu) * 1000:.1f} ms)")
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--personas", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("VALUEGAP_CONFIG_DIR", tmp)
        start = time.perf_counter()
        study, run_id = build_run(Path(tmp) / "bench.db", args.personas, args.repeats)
        frame = frame_store.load_answer_frame(study, run_id)
        print(f"study file: {len(frame):,} answers, {len(frame.dilemma.labels)} dilemmas, "
              f"{len(frame.persona.labels)} conditions (built in {time.perf_counter() - start:.1f} s)")

        def load_and_compute():
            return compute_results(frame_store.load_answer_frame(study, run_id), bootstrap=False)

        total = timed("load from the study file + all metrics (default)", load_and_compute)
        timed("load the answer frame from the study file", lambda: frame_store.load_answer_frame(study, run_id))
        timed("all metrics and breakdowns, all pairs (frame in memory)", lambda: compute_results(frame, bootstrap=False))
        timed("all metrics and breakdowns, cell means", lambda: compute_results(frame, aggregate="cell_mean", bootstrap=False))
        timed("all metrics and breakdowns, majority answers", lambda: compute_results(frame, aggregate="majority", bootstrap=False))
        timed("filtered to one topic", lambda: compute_results(frame, topic=frame.topic.labels[0], bootstrap=False))
        timed("with bootstrap intervals and sign-flip tests (reported apart)", lambda: compute_results(frame), runs=2)
        print(f"target < 200 ms for load + recompute: {'met' if total < 0.2 else 'NOT met'} ({total * 1000:.1f} ms;"
              f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        study.close()


if __name__ == "__main__":
    main()
