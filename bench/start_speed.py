"""How fast valuegap starts: `valuegap --help`, and `valuegap run start` to its first request.

Each figure is the median of a few fresh processes. The first request is seen by a loopback server
(bench/loopback.py); the run is stopped once it has arrived. Plans of 10, 3,000 and 154,000 items
(616 dilemmas x 25 conditions x 2 questions x 5 repeats). Targets: `--help` < 0.25 s, run start to
first request < 0.5 s at 154,000 items. Absolute times move with the machine's load; the CPU
seconds the process used up to its first request (read from /proc as the request arrives) move
much less, and on an idle machine the wall time is close to them. The package's bytecode is
compiled first, as it is in an installed copy (see loopback.compile_bytecode).

    python bench/start_speed.py [--tries 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import compile_bytecode, loopback_server, run_definition, seed_study, wait_for  # noqa: E402


def valuegap() -> list[str]:
    exe = Path(sys.executable).with_name("valuegap")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "valuegap_tui"]


def help_time() -> float:
    started = time.perf_counter()
    subprocess.run(valuegap() + ["--help"], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc (Linux); nan elsewhere."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def first_request_time(server, seeded: Path, definition: Path, tmp: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the valuegap process) from launch to the first request."""
    # a fresh name each try: a copy over a study whose -wal file is still there would be damaged
    study = tmp / f"try-{time.monotonic_ns()}.db"
    shutil.copyfile(seeded, study)
    server.reset()
    launched = time.time()
    process = subprocess.Popen(valuegap() + ["run", "start", str(definition), "--plain", "--study", str(study)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not wait_for(lambda: server.stats()["count"] > 0 or process.poll() is not None, timeout_s=120,
                        step_s=0.005):
            raise SystemExit("no request within 120 s")
        cpu = process_cpu_s(process.pid)  # read within a few ms of the first request: a load-proof figure
        first = server.stats()["first"]
        if first is None:
            raise SystemExit(f"run start exited {process.returncode}: {process.stderr.read().decode()[-2000:]}")
        return first - launched, cpu
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tries", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name, loopback_server() as server:
        tmp = Path(tmp_name)
        os.environ.setdefault("VALUEGAP_CONFIG_DIR", tmp_name)
        print(compile_bytecode())
        help_s = statistics.median(help_time() for _ in range(max(3, args.tries)))
        print(f"valuegap --help: {help_s:.3f} s (target < 0.25 s; load average {os.getloadavg()[0]:.1f}"
              f" on {os.cpu_count()} CPUs)")
        from valuegap_tui import personas as persona_model
        from valuegap_tui.store import personas as persona_store

        for n_dilemmas, n_personas, repeats in ((1, 0, 5), (300, 0, 5), (616, 24, 5)):
            seeded = tmp / f"seeded-{n_dilemmas}.db"
            study = seed_study(seeded, n_dilemmas)
            personas = [p for p in persona_model.generate_personas(seed=0, incongruous=max(0, n_personas - 8))
                        if p.id != "baseline"][:n_personas]
            persona_store.save_many(study, personas)
            study.close()
            definition = tmp / "run.toml"
            definition.write_text(run_definition(server.base_url, repeats=repeats, concurrency=64,
                                                 personas=[p.id for p in personas]))
            items = n_dilemmas * (n_personas + 1) * 2 * repeats
            tries = [first_request_time(server, seeded, definition, tmp) for _ in range(args.tries)]
            times, cpus = [t for t, _ in tries], [c for _, c in tries]
            print(f"run start to first request, {items:,}-item plan: median {statistics.median(times):.2f} s"
                  f" (min {min(times):.2f}, {args.tries} tries){'; target < 0.5 s' if items > 100_000 else ''};"
                  f" CPU used by then {statistics.median(cpus):.2f} s")


if __name__ == "__main__":
    main()
