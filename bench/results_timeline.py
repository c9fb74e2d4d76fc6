"""A timeline of one first open of the Results screen (no results kept), in a real terminal: when each
step happens from F5 to the intervals on screen, and the CPU each process and the UI thread spend between.

It starts `valuegap tui` on the kept bench study (bench/results_screen.py builds it) in tmux, as that bench
does, but through this file, which wraps the Results screen's steps to note the time of each (the numbers
computed and shown, each tab drawn, the answers handed to the intervals' children, their results
received and joined, the intervals shown) on one clock (CLOCK_MONOTONIC, shared by every process), with
the app's UI thread's CPU and the whole app's CPU at each; the intervals' children run through this file
too, and note when they start, import, receive their input, compute and write. The screen is read as
bench/results_screen.py reads it (F5 to numbers, to intervals), and no tab key is pressed. What it adds
is a line of text appended per step (a few microseconds each). Printed: one line per step, its time
from F5, the gap from the step before, and the CPU spent in that gap by the app's UI thread, the whole
app (all its threads) and each child.

    python bench/results_timeline.py --answers 154000 [--tries 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
TICK = os.sysconf("SC_CLK_TCK")


def _thread_cpu(tid: int) -> float:
    fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _note(who: str, what: str, cpu: float, ui_cpu: float | None = None) -> None:
    line = f"{time.monotonic():.6f}\t{who}\t{what}\t{cpu:.4f}\t{'' if ui_cpu is None else f'{ui_cpu:.3f}'}\n"
    with open(os.environ["VALUEGAP_TIMELINE"], "a") as log:
        log.write(line)


# -- the intervals' child, run through this file ------------------------------------------------------------
def child() -> None:
    import pickle

    who = f"child {os.getpid()}"
    _note(who, "started", time.process_time())
    os.nice(5)  # as metrics/apart.py's own child does
    from valuegap_tui.metrics.summary import compute_results

    _note(who, "imported", time.process_time())
    given = sys.stdin.buffer.read()
    if not given:
        return
    _note(who, f"input received ({len(given) / 1e6:.1f} MB)", time.process_time())
    import io

    stream = io.BytesIO(given)
    frame, options = pickle.load(stream), pickle.load(stream)  # as metrics/apart.py's child reads them
    _note(who, f"input unpickled (part {options.get('part')})", time.process_time())
    results = compute_results(frame, **options)
    _note(who, "computed", time.process_time())
    out = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()
    _note(who, f"written ({len(out) / 1e6:.1f} MB)", time.process_time())
    if os.environ.get("VALUEGAP_TIMELINE_EXIT") != "tidy":  # as metrics/apart.py's child ends
        sys.stderr.flush()
        os._exit(0)


# -- the app, its steps wrapped -----------------------------------------------------------------------------
def app(study: str) -> None:
    import threading

    from valuegap_tui.metrics import apart, summary
    from valuegap_tui.tui.screens import results_compute, results_drawing

    main_tid = threading.get_native_id()

    def note(what: str) -> None:
        _note(f"app {threading.current_thread().name}", what, time.process_time(), _thread_cpu(main_tid))

    def wrap(owner, name: str, label: str | None = None, before: bool = True, after: bool = True) -> None:
        original = getattr(owner, name)

        def wrapped(*args, **kwargs):
            if before:
                note(f"{label or name} begins")
            try:
                return original(*args, **kwargs)
            finally:
                if after:
                    note(f"{label or name} ends")

        setattr(owner, name, wrapped)

    apart.COMMAND = (sys.executable, str(HERE), "--child")
    for name in ("load_answer_frame",):
        wrap(results_compute.frame_store, name)
    wrap(results_compute.results_cache, "fingerprint")
    wrap(results_compute.run_store, "get_run")
    for name in ("kept", "compute_results", "start_apart", "keep", "read_inputs", "choices_by_condition", "adjusted_rows",
                 "filter_frame"):
        wrap(results_compute, name)
    wrap(apart.Apart, "result", "intervals.result (waits for the children)")
    wrap(apart, "_write", "input written to a child", before=False)
    wrap(summary, "join_parts")
    wrap(results_drawing.ResultsDrawing, "_show_extras")
    wrap(results_drawing.ResultsDrawing, "_show_who")
    wrap(results_drawing.ResultsDrawing, "_show")
    wrap(results_drawing.ResultsDrawing, "_draw_tab", "draw a tab")
    original_read = apart._Child.read

    def read(self):
        original_read(self)
        note(f"output of child {self.process.pid} received")

    apart._Child.read = read
    original_next = results_drawing.ResultsDrawing._next_step

    def next_step(self, stage, tabs):
        note(f"paint step ({len(tabs)} tabs left)")
        return original_next(self, stage, tabs)

    results_drawing.ResultsDrawing._next_step = next_step
    from valuegap_tui.cli import main

    raise SystemExit(main(["tui", "--study", study]))


# -- the driver ---------------------------------------------------------------------------------------------
def drive(path: Path, cols: int, rows: int, log: Path) -> None:
    from results_screen import NUMBERS, Terminal, forget_results, wait_until
    import re

    forget_results(path)
    log.write_text("")
    os.environ["VALUEGAP_TIMELINE"] = str(log)
    term = Terminal([sys.executable, str(HERE), "--app", str(path), str(log)], cols, rows)
    try:
        wait_until(lambda: " accepted " in term.screen() and "Status" in term.screen(), 30, 0.05)
        time.sleep(2.5)
        pressed = time.monotonic()
        _note("bench", "F5 sent", 0.0)
        term.keys("F5")
        numbers = None
        while True:
            text = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", term.screen()).split())
            now = time.monotonic()
            if NUMBERS.search(text):
                if numbers is None:
                    numbers = now
                    _note("bench", "numbers on screen", 0.0)
                if "computing intervals" not in text:
                    _note("bench", "intervals on screen", 0.0)
                    break
            if now - pressed > 60:
                raise SystemExit("no intervals in 60 s")
            time.sleep(0.003)
        time.sleep(1.0)  # what comes after (the respondents' intervals, the results kept)
    finally:
        term.close()
    report(log, pressed)


def report(log: Path, pressed: float) -> None:
    rows = [line.split("\t") for line in log.read_text().splitlines() if line]
    rows = sorted((float(t), who, what, float(cpu), ui) for t, who, what, cpu, ui in rows)
    last_cpu: dict[str, float] = {}
    last_ui = None
    last_t = pressed
    for t, who, what, cpu, ui in rows:
        if t < pressed - 0.001 and not who.startswith("child"):
            continue
        process = "app" if who.startswith("app") else who
        spent = cpu - last_cpu.get(process, cpu)
        last_cpu[process] = cpu
        ui_spent = ""
        if ui:
            ui_spent = f" ui {float(ui) - last_ui:5.3f}" if last_ui is not None else ""
            last_ui = float(ui)
        print(f"{t - pressed:+7.3f} s (+{max(0.0, t - last_t) * 1000:5.0f} ms) {who:28.28} {what:52.52}"
              f" {process} cpu +{spent:5.3f}{ui_spent}")
        last_t = max(last_t, t)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        return child()
    if sys.argv[1:2] == ["--app"]:
        os.environ["VALUEGAP_TIMELINE"] = sys.argv[3]  # the terminal hands on only a few variables
        return app(sys.argv[2])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=154_000)
    parser.add_argument("--tries", type=int, default=1)
    parser.add_argument("--size", default="160x45")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    from results_screen import CACHE, study_for

    os.environ.setdefault("VALUEGAP_CONFIG_DIR", str(CACHE / "config"))
    from valuegap_tui.config import save_section

    save_section("reviewer", {"name": "bench"})
    cols, rows = (int(x) for x in args.size.split("x"))
    path, n = study_for(args.answers)
    print(f"study: {path} ({n:,} answers); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for attempt in range(args.tries):
        print(f"-- launch {attempt + 1}")
        drive(path, cols, rows, CACHE / f"timeline-{os.getpid()}.log")


if __name__ == "__main__":
    main()
