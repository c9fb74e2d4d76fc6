"""What a person waits for at the command line on a large run: `valuegap run status`, `valuegap
report` and `valuegap run export-answers` to CSV, each from the process's launch to its exit (imports,
reading the study, computing, writing the report's tables, summary and figures, or the CSV file and its
data dictionary), median of --tries launches.

The study is the one bench/results_screen.py builds and keeps (616 dilemmas x 25 conditions x 2
questions x repeats, about N answers, each with its stored attempt; the run finished). The report is
timed three ways: with no results kept (the study's results cache emptied before each launch: the first
report after new answers; its figures go with the results), with the results kept but not the figures
(the results and what the report reads from the answers beside them kept by the previous report, as
after a report of the same answers under another title or other matplotlib settings: no answers read,
the figures drawn, by a worker process per core), and again (the results and the figures kept by the
previous report: the figures' files copied). The report writes each figure in the formats the command
writes by default (PNG and PDF) or those --formats names (png,pdf,svg: every format, as before the SVG
became a choice); each timer holds the whole launch, its figures' drawing and writing included;
`run status` likewise (a run's progress is read from the counts its writes keep, so both cases read
the same few hundred rows, a run still going too; the coverage of a logprob run is kept with its results).
Beside each median wall time, the median CPU time of the launch (the process and the workers it waited
for: steadier than the wall clock on a busy machine), and whether the study kept the run's plan before each
launch (store/plan_copies.py: kept by the first launch that reads it; "n/a" in a checkout that keeps none).
(bench/answers_export.py times the export's writing
alone, in-process, in every format.)

    python bench/cli_waits.py [--answers 1000000] [--tries 3] [--only status,report,export] [--formats png,pdf,svg]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import compile_bytecode  # noqa: E402
from results_screen import CACHE, forget_results, plan_kept, study_for  # noqa: E402


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def launch(args: list[str]) -> tuple[float, float]:
    """The launch's wall time and its CPU time (the process and the workers it started and waited for)."""
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([sys.executable, "-m", "valuegap_tui", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"valuegap {' '.join(args)} failed: {done.stderr[-1000:]}")
    return time.perf_counter() - started, _children_cpu() - cpu


def timed(label: str, target_s: float, tries: int, args_of, before=None, path: Path | None = None) -> None:
    """Launch ``args_of(i)`` ``tries`` times (``before()`` ahead of each) and print the median; with
    ``path``, say whether the study kept the run's plan before each launch."""
    times, cpus, kept = [], [], []
    for i in range(tries):
        if before is not None:
            before()
        if path is not None:
            kept.append(plan_kept(path))
        wall, cpu = launch(args_of(i))
        times.append(wall)
        cpus.append(cpu)
    print(f"{label}: median {statistics.median(times):.2f} s of {tries} ({', '.join(f'{t:.2f}' for t in times)};"
          f" target {target_s:g} s), CPU {statistics.median(cpus):.2f} s; load average {os.getloadavg()[0]:.2f}"
          + (f"; run's plan kept before each: {', '.join(kept)}" if kept else ""))


def forget_figures(path: Path) -> None:
    """Drop the study's kept figures, leaving its kept results: the report draws its figures again."""
    from valuegap_tui.report.kept_figures import forget_figures as forget
    from valuegap_tui.store import open_study

    study = open_study(path)
    try:
        forget(study)
    finally:
        study.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--only", default="status,report,export", help="which waits to time (comma-separated)")
    parser.add_argument("--formats", help="the report's figure formats (default: the command's, PNG and PDF)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    os.environ.setdefault("VALUEGAP_CONFIG_DIR", str(CACHE / "config"))
    print(compile_bytecode())
    path, n = study_for(args.answers)
    print(f"study: {path} ({n:,} answers); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    study = ["--study", str(path)]
    with tempfile.TemporaryDirectory() as out:
        if "status" in only:  # a finished run's status is kept, like its results: both cases
            timed("run status, first after new answers (nothing kept)", 0.3, args.tries,
                  lambda i: ["run", "status", "1", *study], before=lambda: forget_results(path), path=path)
            timed("run status, again (kept)", 0.3, args.tries, lambda i: ["run", "status", "1", *study])
        if "report" in only:
            formats = ["--formats", args.formats] if args.formats else []
            print(f"report's figures: {args.formats or 'png,pdf (the default)'}")
            report = lambda name: lambda i: ["report", "1", f"{out}/{name}{i}", *study, *formats]  # noqa: E731
            timed("report, no results kept", 3, args.tries, report("fresh"), before=lambda: forget_results(path),
                  path=path)
            timed("report, results kept, figures drawn", 3, args.tries, report("drawn"),
                  before=lambda: forget_figures(path))
            timed("report, results and figures kept", 3, args.tries, report("kept"))
        if "export" in only:
            timed("CSV export", 5, args.tries, lambda i: ["run", "export-answers", "1", f"{out}/answers{i}.csv", *study],
                  path=path)
            print(f"  (the CSV file: {Path(out, 'answers0.csv').stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
