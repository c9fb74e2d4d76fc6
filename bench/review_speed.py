"""Review screen speed on a 10,000-dilemma study, from process start.

Each size runs in a fresh Python process, so the first figure is what a person waits for: from the
launch of the process (imports included) to the review screen's first frame drawn (target < 0.8 s;
the mount-to-drawn part is shown apart). The second is the time from a decision key to the next
dilemma drawn (targets: median < 30 ms, p99 < 60 ms), taken inside the app: from the key event's
time stamp (when it was sent, so a wait in the queue behind other work counts) to call_after_refresh
once the screen has been updated (pilot.pause() would measure the test harness instead). On a shared
machine wall times swing with the load, so the CPU time of each is printed too: the process's CPU to
the first frame, the UI thread's CPU per key from its action. The app runs headless (Textual's test
driver); a real terminal adds its own drawing time. The package's bytecode is compiled first, as it
is in an installed copy (see loopback.compile_bytecode).

With ``--terminal`` the app runs instead in a real terminal (tmux, as /work/shared/tools/tui-drive
does): `valuegap tui` is launched there, the first figure runs from the launch to the first frame that
shows the review list and the dilemma's text on screen, and each decision key (a, s, r in turn) is
timed from being sent to the screen showing its effect, read with `tmux capture-pane` every few
milliseconds (that polling costs some CPU of its own and sets the resolution: a few ms). Keys are sent
one at a time, each after the previous one's effect (targets there: first frame 0.6 s, keys median
25 ms and p99 40 ms). The app's own CPU (all its threads, from /proc) to the first frame and per key
is printed beside them: it moves much less than the wall clock with the machine's load.

    python bench/review_speed.py [--n 10000] [--keys 200] [--tries 3] [--terminal] [--size 120x40]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import compile_bytecode  # noqa: E402

CHILD = textwrap.dedent(r'''
    import asyncio, json, os, sys, time
    from pathlib import Path
    from valuegap_tui.config import save_section
    from valuegap_tui.store import open_study
    from valuegap_tui.tui.app import ValueGapApp

    async def main(path, width, height, keys):
        save_section("reviewer", {"name": "bench"})
        app = ValueGapApp(open_study(Path(path)))
        async with app.run_test(size=(width, height)) as pilot:
            screen = app.screen
            while screen.opened_in_s is None:
                await asyncio.sleep(0.002)
            drawn_at = time.time()
            cpu = os.times()  # this process's CPU from its start (imports included) to the first frame
            start_cpu_s = cpu.user + cpu.system
            for i in range(keys):
                await pilot.press("a" if i % 3 == 0 else ("s" if i % 3 == 1 else "r"))
                await pilot.pause(0.01)
            while screen.pending:
                await asyncio.sleep(0.01)
            print(json.dumps({"drawn_at": drawn_at, "mount_s": screen.opened_in_s, "start_cpu_s": start_cpu_s,
                              "latencies_ms": list(screen.latencies_ms), "key_cpu_ms": list(screen.key_cpu_ms)}))

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
''')


def build_study(path: Path, n: int) -> None:
    from valuegap_tui.catalogue import catalogue
    from valuegap_tui.designs.graded_actions.models import ActionOption, AlignmentLabel, Dilemma
    from valuegap_tui.store import dilemmas as dilemma_store
    from valuegap_tui.store import open_study

    cat = catalogue()
    pairs = [(v.id, t.id) for v in cat.values for t in cat.topics]
    dilemmas = []
    for i in range(n):
        value, topic = pairs[i % len(pairs)]
        variant = i // len(pairs) + 1
        texts = [f"Action {k} number {i}: you do something about {value} in {topic}." for k in range(6)]
        options = [ActionOption(text=t, label=l) for t, l in zip(texts, AlignmentLabel.ordered())]
        scenario = f"Dilemma {i}. " + "You face a difficult choice at work that tests what you value. " * 6
        dilemmas.append(Dilemma(value=value, topic=topic, variant=variant, scenario=scenario, options=options))
    study = open_study(path, create=True)
    dilemma_store.save_many(study, dilemmas, who="generator", action="create")
    study.close()


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


def launch(path: Path, width: int, height: int, keys: int) -> dict:
    """One fresh process: its figures, with start_s from launch to the first frame drawn."""
    launched = time.time()
    child = subprocess.run([sys.executable, "-c", CHILD, str(path), str(width), str(height), str(keys)],
                           capture_output=True, text=True, env=os.environ)
    if child.returncode != 0:
        raise SystemExit(child.stderr[-2000:])
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result["start_s"] = result["drawn_at"] - launched
    return result


def terminal_launch(path: Path, cols: int, rows: int, keys: int) -> dict:
    """One launch in tmux: launch to the first frame, and each key's wait to its effect on screen."""
    from results_screen import Terminal

    launched = time.perf_counter()
    term = Terminal([sys.executable, "-m", "valuegap_tui", "tui", "--study", str(path)], cols, rows)
    try:
        deadline = launched + 60
        while True:
            screen = term.screen()
            if "Status" in screen and "You face a difficult choice" in screen:  # the list and a dilemma
                break
            if time.perf_counter() > deadline:
                raise SystemExit(f"no review screen after 60 s:\n{screen}")
            time.sleep(0.002)
        first_s = time.perf_counter() - launched
        first_cpu_s = term.cpu_s()
        waits = []
        for i in range(keys):
            before = term.screen()
            sent = time.perf_counter()
            term.keys("a" if i % 3 == 0 else ("s" if i % 3 == 1 else "r"))
            while term.screen() == before:
                if time.perf_counter() - sent > 10:
                    raise SystemExit(f"key {i} had no effect in 10 s:\n{before}")
                time.sleep(0.001)
            waits.append((time.perf_counter() - sent) * 1000)
            time.sleep(0.03)  # a person's pace: the keys do not queue
        last_cpu_s = term.cpu_s()
        key_cpu_ms = None if None in (first_cpu_s, last_cpu_s) or not keys else (last_cpu_s - first_cpu_s) / keys * 1000
        return {"first_s": first_s, "waits_ms": waits, "first_cpu_s": first_cpu_s, "key_cpu_ms": key_cpu_ms}
    finally:
        term.close()


def terminal_mode(path: Path, size: str, keys: int, tries: int) -> None:
    from valuegap_tui.config import save_section

    save_section("reviewer", {"name": "bench"})  # else the screen opens asking for a name
    cols, rows = (int(x) for x in size.split("x"))
    runs = [terminal_launch(path, cols, rows, keys if i == 0 else 0) for i in range(tries)]
    waits = sorted(runs[0]["waits_ms"])
    firsts = [r["first_s"] for r in runs]
    cpus = [r["first_cpu_s"] for r in runs if r["first_cpu_s"] is not None]
    print(f"[real terminal {cols}x{rows}] launch to review screen drawn: median {statistics.median(firsts):.3f} s of"
          f" {tries} launches ({', '.join(f'{f:.3f}' for f in firsts)}; target 0.6 s)"
          + (f", the app's CPU to it {statistics.median(cpus):.3f} s" if cpus else "")
          + f"; load average {os.getloadavg()[0]:.2f}")
    if waits:
        print(f"[real terminal {cols}x{rows}] decision key -> effect on screen over {len(waits)} keys: median"
              f" {statistics.median(waits):.1f} ms, p99 {percentile(waits, 0.99):.1f} ms, worst {waits[-1]:.1f} ms"
              f" (targets: median 25 ms, p99 40 ms)"
              + (f"; the app's CPU per key {runs[0]['key_cpu_ms']:.1f} ms" if runs[0]["key_cpu_ms"] is not None else "")
              + f"; load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--tries", type=int, default=3, help="launches per size for the start figure (median)")
    parser.add_argument("--terminal", action="store_true", help="in a real terminal (tmux) instead of headless")
    parser.add_argument("--size", default="120x40", help="the real terminal's COLSxROWS (with --terminal)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VALUEGAP_CONFIG_DIR"] = tmp
        print(compile_bytecode())
        t0 = time.perf_counter()
        path = Path(tmp) / "bench.db"
        build_study(path, args.n)
        print(f"built a {args.n}-dilemma study in {time.perf_counter() - t0:.1f} s "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        if args.terminal:
            terminal_mode(path, args.size, args.keys, args.tries)
            return
        for width, height in ((120, 40), (160, 45), (80, 24)):
            # the first launch also sends the keys; the others only open the screen
            results = [launch(path, width, height, args.keys if i == 0 else 0) for i in range(args.tries)]
            result = results[0]
            lat, cpu = sorted(result["latencies_ms"]), sorted(result["key_cpu_ms"])
            start_s = statistics.median(r["start_s"] for r in results)
            print(f"[{width}x{height}] process start to review screen drawn: median {start_s:.3f} s of {args.tries}"
                  f" launches (min {min(r['start_s'] for r in results):.3f}; target < 0.8 s), of which mount to"
                  f" drawn {statistics.median(r['mount_s'] for r in results):.3f} s;"
                  f" CPU {statistics.median(r['start_cpu_s'] for r in results):.3f} s")
            print(f"[{width}x{height}] decision key -> next dilemma drawn over {len(lat)} keys: median "
                  f"{statistics.median(lat):.1f} ms, p99 {percentile(lat, 0.99):.1f} ms, worst {lat[-1]:.1f} ms "
                  "(targets: median < 30 ms, p99 < 60 ms);"
                  f" UI thread CPU per key: median {statistics.median(cpu):.1f} ms, p99 {percentile(cpu, 0.99):.1f} ms")


if __name__ == "__main__":
    main()
