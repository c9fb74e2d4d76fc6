"""Answers export speed: seconds and rows/s to write a large run as CSV, JSONL and Parquet.

Builds a study with the sample dilemmas and a planned run of MODELS x 8 dilemmas x 2 questions x 100
repeats items, records one valid attempt per item (plus an invalid first attempt for every tenth), then
times ``export_answers`` in each format (Parquet when pyarrow is installed).

    python bench/answers_export.py [--models 40] [--keep DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.export import export_answers
from valuegap_tui.paths import DATA_DIR
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.runs import Attempt
from valuegap_tui.dataset.transfer import read_dilemmas

REPEATS = 100


def build(folder: Path, models: int):
    study = open_study(folder / "bench.db", create=True)
    dilemma_store.save_many(study, read_dilemmas(DATA_DIR / "sample" / "dilemmas.jsonl"), who="bench", action="import")
    run_id = create_run(study, RunDefinition.model_validate(dict(
        models=[{"name": f"model-{m:02d}", "endpoints": ["http://127.0.0.1:1"]} for m in range(models)],
        dilemmas={"status": []}, repeats=REPEATS)))
    attempts = []
    for item in run_store.all_items(study, run_id):
        first = 1
        if item.id % 10 == 0:
            attempts.append(Attempt(item.id, 1, "no_letter", "pending", raw_text="I would rather not say.\n"))
            first = 2
        position = item.id % 6
        choice = int(item.permutation[position])
        attempts.append(Attempt(item.id, first, "valid", "answered", letter="ABCDEF"[position], position=position,
                                choice=choice, score=(3 - choice) if choice < 3 else (2 - choice),
                                raw_text="ABCDEF"[position], latency_s=0.05, prompt_tokens=400, completion_tokens=1))
        if len(attempts) >= 20000:
            run_store.record_attempts(study, run_id, attempts)
            attempts.clear()
    run_store.record_attempts(study, run_id, attempts)
    return study, run_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=40)
    parser.add_argument("--keep", type=Path, help="write the study and exports here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        study, run_id = build(folder, args.models)
        formats = ["csv", "jsonl"]
        try:
            import pyarrow  # noqa: F401
            formats.append("parquet")
        except ImportError:
            print("parquet skipped: pyarrow is not installed")
        for fmt in formats:
            start = time.perf_counter()
            result = export_answers(study, [run_id], folder / f"answers.{fmt}")
            seconds = time.perf_counter() - start
            size = result.path.stat().st_size / 1e6
            print(f"{fmt:<8} {result.rows:>8} rows  {seconds:6.2f} s  {result.rows / seconds:>9,.0f} rows/s  {size:6.1f} MB")
        study.close()


if __name__ == "__main__":
    main()
