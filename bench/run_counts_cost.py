"""What the per-run count triggers (store/schema/v025_run_counts.py) cost per planned item and per answer.

A run's plan and its answers are stored as a run stores them (``run_store.add_items`` in chunks,
``run_store.record_attempts`` in batches of 1,000), on copies of one seeded study: as it is, and with
the count triggers dropped. The figure is the storing thread's CPU (``time.thread_time``) per row,
medians over the rounds (interleaved, so other load on the machine slows both alike); it ends with a
check that the kept counts match the rows.

    python bench/run_counts_cost.py [--dilemmas 3000] [--repeats 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import run_definition, seed_study  # noqa: E402


def one_round(seeded: Path, tmp: Path, definition_path: Path, triggers: bool) -> tuple[float, float, bool]:
    from valuegap_tui.evaluate.setup import create_run, rest_of_plan
    from valuegap_tui.plan.definition import RunDefinition
    from valuegap_tui.store import open_study, run_progress
    from valuegap_tui.store import runs as run_store

    path = tmp / f"study-{'with' if triggers else 'without'}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(seeded, path)
    if not triggers:
        with sqlite3.connect(path) as db:
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                      " AND name LIKE 'run_%_counts_%'").fetchall():
                db.execute(f"DROP TRIGGER {name}")
    study = open_study(path)
    run_id = create_run(study, RunDefinition.load(definition_path), stream=True)
    rest = list(rest_of_plan(study, run_id))
    started = time.thread_time()
    run_store.add_items(study, run_id, rest)
    per_item = (time.thread_time() - started) / len(rest) * 1e6
    items = run_store.pending_items(study, run_id, limit=10**9)
    attempts = [run_store.Attempt(item_id=item.id, attempt=1, outcome="valid", item_status="answered", letter="B",
                                  position=1, choice=2, score=1, raw_text="B", latency_s=0.01, prompt_tokens=300,
                                  completion_tokens=1, finish_reason="stop", endpoint="http://127.0.0.1")
                for item in items]
    started = time.thread_time()
    for start in range(0, len(attempts), 1000):
        run_store.record_attempts(study, run_id, attempts[start:start + 1000])
    per_answer = (time.thread_time() - started) / len(attempts) * 1e6
    exact = (not triggers) or run_progress.progress(study, run_id) == run_progress.progress(study, run_id, recount=True)
    study.close()
    return per_item, per_answer, exact


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dilemmas", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        seeded = tmp / "seeded.db"
        seed_study(seeded, args.dilemmas).close()
        definition = tmp / "run.toml"
        definition.write_text(run_definition("http://127.0.0.1:9/v1", repeats=args.repeats, concurrency=64))
        figures: dict[bool, list[tuple[float, float, bool]]] = {True: [], False: []}
        for round_no in range(args.rounds):
            for triggers in ((True, False) if round_no % 2 == 0 else (False, True)):
                figures[triggers].append(one_round(seeded, tmp, definition, triggers))
    print(f"{args.dilemmas * 2 * args.repeats} items, {args.rounds} rounds; storing thread's CPU per row (median):")
    for triggers, label in ((True, "with the count triggers"), (False, "without them")):
        rows = figures[triggers]
        print(f"  {label:<24} plan {statistics.median(r[0] for r in rows):5.2f} us/item,"
              f" answers {statistics.median(r[1] for r in rows):5.2f} us/answer")
    item_cost = statistics.median(r[0] for r in figures[True]) - statistics.median(r[0] for r in figures[False])
    answer_cost = statistics.median(r[1] for r in figures[True]) - statistics.median(r[1] for r in figures[False])
    print(f"the triggers: {item_cost:+.2f} us per planned item, {answer_cost:+.2f} us per stored answer;"
          f" kept counts equal a recount: {all(r[2] for r in figures[True])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
