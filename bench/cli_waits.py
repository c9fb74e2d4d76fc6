"""What a person waits for at the command line on a large run: `valuegap run status` and `valuegap
report`, each from the process's launch to its exit (imports, reading the study, computing, writing the
report's tables, summary and figures), median of --tries launches.

The study is the one bench/results_screen.py builds and keeps (616 dilemmas x 25 conditions x 2
questions x repeats, about N answers, each with its stored attempt; the run finished). The report is
timed twice over: with no results kept (the study's results cache emptied before each launch: the first
report after new answers) and again (the results kept by the previous report or Results screen).
(CSV export has its own bench: bench/answers_export.py.)

    python bench/cli_waits.py [--answers 1000000] [--tries 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import compile_bytecode  # noqa: E402
from results_screen import CACHE, forget_results, study_for  # noqa: E402


def launch(args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "valuegap_tui", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"valuegap {' '.join(args)} failed: {done.stderr[-1000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--tries", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("VALUEGAP_CONFIG_DIR", str(CACHE / "config"))
    print(compile_bytecode())
    path, n = study_for(args.answers)
    print(f"study: {path} ({n:,} answers); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    study = ["--study", str(path)]
    status = [launch(["run", "status", "1", *study]) for _ in range(args.tries)]
    print(f"run status: median {statistics.median(status):.2f} s of {args.tries} ({', '.join(f'{t:.2f}' for t in status)};"
          f" target 0.3 s); load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as out:
        for label, keep in (("report, no results kept", False), ("report, results kept", True)):
            times = []
            for i in range(args.tries):
                if not keep:
                    forget_results(path)
                times.append(launch(["report", "1", str(Path(out) / f"{label[-4:]}{i}"), *study]))
            print(f"{label}: median {statistics.median(times):.2f} s of {args.tries}"
                  f" ({', '.join(f'{t:.2f}' for t in times)}; target 3 s); load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
