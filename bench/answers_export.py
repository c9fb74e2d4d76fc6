"""Answers export: rows/s, seconds end to end and peak memory to write a large run as CSV, JSONL and Parquet.

Builds a study with the sample dilemmas and a planned run of about ANSWERS answer attempts (models x 25
conditions (the baseline and the default personas) x 8 dilemmas x 2 questions x REPEATS items, one valid
attempt each plus an invalid first attempt for every tenth item), then, per format, runs ``valuegap run export-answers`` as a child process, as a
researcher does:

- **seconds** (the timer): from starting the child to its exit: Python's start, the imports, opening
  the study, reading every row, writing the file, its SHA-256 and dictionary, and the renames. Building
  the study is outside it.
- **rows/s**: rows written over those seconds; beside it the child's CPU seconds (user + system) and
  rows per CPU second, which a busy machine changes less than the wall clock.
- **peak RSS**: the child's maximum resident memory (``wait4``'s ru_maxrss), the whole process.
  Parquet runs twice: as installed, and with pandas hidden (an install with only the parquet extra),
  since pyarrow imports pandas, when it is there, at its first array.

    python bench/answers_export.py [--answers 1000000] [--repeats 100] [--formats csv,jsonl,parquet] [--keep DIR]

The default is 200,000 answers (about a minute on two cores, building included); ``--answers 1000000``
is the size the targets are stated for (docs/answers.md, "How fast"). The CSV writer encodes the leading
columns a question's repeats and attempts share once, so fewer repeats (``--repeats 5``, the runs'
default) cost it more per row.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ATTEMPTS_PER_ITEM = 1.1


def build(folder: Path, answers: int, repeats: int) -> int:
    """The study, built in its own process (``--build-only``): this one stays small, since a child's
    peak RSS counts the memory it was forked from."""
    from valuegap_tui.dataset.transfer import read_dilemmas
    from valuegap_tui.evaluate.setup import create_run
    from valuegap_tui.paths import DATA_DIR
    from valuegap_tui.personas import default_personas
    from valuegap_tui.plan.definition import RunDefinition
    from valuegap_tui.store import dilemmas as dilemma_store
    from valuegap_tui.store import open_study
    from valuegap_tui.store import personas as persona_store
    from valuegap_tui.store import runs as run_store
    from valuegap_tui.store.runs import Attempt

    study = open_study(folder / "bench.db", create=True)
    dilemmas = read_dilemmas(DATA_DIR / "sample" / "dilemmas.jsonl")
    dilemma_store.save_many(study, dilemmas, who="bench", action="import")
    personas = [p.id for p in persona_store.add_missing(study, default_personas()) if p.kind != "baseline"]
    items_per_model = len(dilemmas) * 2 * repeats * (1 + len(personas))
    models = max(1, round(answers / (items_per_model * ATTEMPTS_PER_ITEM)))
    run_id = create_run(study, RunDefinition.model_validate(dict(
        models=[{"name": f"model-{m:03d}", "endpoints": ["http://127.0.0.1:1"]} for m in range(models)],
        personas=personas, dilemmas={"status": []}, repeats=repeats)))
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
    study.close()
    return run_id


#: the command with pandas hidden, as in an install with only the parquet extra: pyarrow imports pandas
#: (about 30 MB) at its first array when pandas is installed
WITHOUT_PANDAS = """
import importlib.abc, sys
class NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "pandas":
            raise ImportError("pandas hidden")
sys.meta_path.insert(0, NoPandas())
from valuegap_tui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def export_in_child(study: Path, run_id: int, out: Path, without_pandas: bool = False) -> tuple[float, float, float]:
    """Seconds from start to exit of ``valuegap run export-answers``, its CPU seconds and its peak RSS in MB."""
    start_command = [sys.executable, "-c", WITHOUT_PANDAS] if without_pandas else [sys.executable, "-m", "valuegap_tui"]
    command = [*start_command, "run", "export-answers", str(run_id), str(out), "--study", str(study)]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"export failed: {child.stderr.read().decode(errors='replace').strip()}")
    child.stderr.close()
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=200_000, help="about how many answer attempts (default 200000)")
    parser.add_argument("--repeats", type=int, default=100,
                        help="repeats per question (default 100): the rows of one question asked of one model in one"
                             " condition, whose leading columns the CSV encodes once")
    parser.add_argument("--keep", type=Path, help="write the study and exports here instead of a temporary folder")
    parser.add_argument("--formats", default="csv,jsonl,parquet", help="comma-separated (default: all three)")
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)  # the child that builds the study
    args = parser.parse_args()
    if args.build_only:
        print(build(args.build_only, args.answers, args.repeats))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        built = subprocess.run([sys.executable, __file__, "--build-only", str(folder), "--answers", str(args.answers),
                                "--repeats", str(args.repeats)],
                               check=True, capture_output=True, text=True)
        run_id, study = int(built.stdout.split()[-1]), folder / "bench.db"
        print(f"built the study in {time.perf_counter() - start:.0f} s (outside every timer)")
        runs = [(fmt, False) for fmt in args.formats.split(",")]
        runs += [("parquet", True)] if "parquet" in args.formats.split(",") else []
        for fmt, without_pandas in runs:
            out = folder / f"answers.{fmt}"
            seconds, cpu, peak_mb = export_in_child(study, run_id, out, without_pandas)
            rows = json.loads(out.with_name(out.name + ".dictionary.json").read_text())["rows"]
            size = out.stat().st_size / 1e6
            label = fmt + (" (pandas hidden)" if without_pandas else "")
            print(f"{label:<24} {rows:>9,} rows  {seconds:6.2f} s end to end  {rows / seconds:>9,.0f} rows/s  "
                  f"({cpu:5.2f} s CPU: {rows / cpu:>9,.0f} rows per CPU s)  peak RSS {peak_mb:6.1f} MB  {size:7.1f} MB file")


if __name__ == "__main__":
    main()
