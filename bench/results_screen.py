"""The Results screen as a person meets it, in a real terminal: F5 to the numbers, to the intervals, and
the keys' waits meanwhile.

A study of N answers (616 dilemmas x 25 conditions x 2 questions x repeats, the repeats chosen to come
nearest N; planned as `valuegap run start` plans it, the answers and their attempts filled in SQL, 2%
invalid, the run finished)
is built once and kept under ~/.cache/valuegap/bench/. Each try starts `valuegap tui` on it in a tmux
terminal (as /work/shared/tools/tui-drive does), waits for the review screen, then presses F5. The
timer starts as the key is sent and stops when the terminal shows the numbers (the status line names the
items and the estimand), then when it shows the intervals (the status line no longer says "computing
intervals"). It holds the study read, the computing and the drawing, as a person waits for them; it
leaves out the app's own start (F5 is pressed 2.5 s after the review screen shows, as a person reads it
first), and with it what the app does once left idle meanwhile: it imports the Results screen and starts
the intervals' child processes, which wait for the answers (tui/preload.py). Their start's CPU is counted
in the CPU figures below all the same (a child's CPU counts once the app has waited for it). Meanwhile,
once the Results screen's tabs are on screen, the bench presses a tab key (2, or 1 when on the second
tab), waits for its effect (the picked tab's label lit as the active one: the pane switches with it; the
underline's slide after it is decoration), waits
--key-every seconds (0.25 s: a person flipping tabs fast; each switch lays the tab out again, and the
computing shares the two cores with that) and presses the next, until a second after the intervals show
(the screen still reads the answers for what is not kept): the slowest of these waits is the worst key
wait. Every screen read, including those while a key waits, also looks for the numbers and the
intervals, so a key's wait never holds up their timers. The app's CPU time from F5 to each (all its
threads and the processes it waited for, from /proc) is printed too: steadier than the wall clock on a busy machine. The screen is read
with `tmux capture-pane` every few milliseconds, which costs some CPU of its own.

Each size is tried twice over: the first open after new answers (no results kept: the study's results
cache is emptied before each launch; the run's plan stays kept in the study, as after new answers, and each
launch says whether it was), then a reopen (the results kept by the previous launch). Each
figure is a median of --tries launches. The last line is the reopen's.

    python bench/results_screen.py --answers 154000 [--tries 3] [--size 160x45] [--key-every 0.25]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import compile_bytecode  # noqa: E402

CACHE = Path.home() / ".cache" / "valuegap" / "bench"
PER_REPEAT = 616 * 25 * 2  # answers per repeat: dilemmas x conditions x questions
#: bump when the way the study is built changes, so a kept study is built again
BUILD = 3
NUMBERS = re.compile(r"\d+ items; estimand")


def study_for(answers: int) -> tuple[Path, int]:
    """The kept study of about ``answers`` answers (built when missing) and its exact answer count."""
    from metrics_speed import build_run  # noqa: E402  (the bench next door builds the same study)

    repeats = max(1, round(answers / PER_REPEAT))
    path = CACHE / f"results-{repeats}x-v{BUILD}.db"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".building.db")
        for stale in CACHE.glob(partial.name + "*"):
            stale.unlink()
        started = time.perf_counter()
        study, run_id = build_run(partial, 24, repeats)
        with study.transaction() as db:  # each answer's attempt, as a run stores it, and the run finished
            db.execute("UPDATE run_items SET outcome = CASE status WHEN 'answered' THEN 'valid' ELSE 'no_letter' END"
                       " WHERE run_id = ?", [run_id])
            db.execute("INSERT INTO run_responses (run_id, item_id, attempt, outcome, letter, position, choice, score,"
                       " raw_text, latency_s, prompt_tokens, completion_tokens, finish_reason, endpoint, created_at)"
                       " SELECT run_id, id, 1, outcome, CASE WHEN position IS NULL THEN NULL ELSE char(65 + position)"
                       " END, position, choice, score, 'B', 0.05, 300, 1, 'stop', 'http://127.0.0.1:9/v1',"
                       " strftime('%Y-%m-%dT%H:%M:%f', 'now') FROM run_items WHERE run_id = ?", [run_id])
            db.execute("UPDATE runs SET status = 'finished' WHERE id = ?", [run_id])
        study.close()
        partial.rename(path)
        partial.with_suffix(".toml").unlink(missing_ok=True)
        print(f"built {path} in {time.perf_counter() - started:.1f} s")
    return path, repeats * PER_REPEAT


def forget_results(path: Path) -> None:
    """Empty the study's kept results, so the next launch computes them as after new answers."""
    from valuegap_tui.store import open_study
    try:
        from valuegap_tui.store import results_cache
    except ImportError:  # a checkout that keeps no results
        return

    study = open_study(path)
    try:
        results_cache.forget(study)
    finally:
        study.close()


def plan_kept(path: Path) -> str:
    """Whether the study keeps the run's plan as it is now (yes: a launch reads it as one row instead of
    joining the run's items), or "n/a" in a checkout that keeps none."""
    from valuegap_tui.store import answer_frame, open_study

    if not hasattr(answer_frame, "plan_kept"):
        return "n/a"
    study = open_study(path)
    try:
        return "yes" if answer_frame.plan_kept(study, 1) else "no"
    finally:
        study.close()


class Terminal:
    """A detached tmux session running one command, read as text."""

    def __init__(self, command: list[str], cols: int, rows: int):
        self.name = f"vg-bench-{os.getpid()}-{time.monotonic_ns()}"
        self.tmux = ("tmux", "-L", self.name)
        # a tmux server started earlier keeps its own environment: hand the one this bench set
        env = shlex.join(["env", "TERM=xterm-256color", "COLORTERM=truecolor",
                          *(f"{name}={os.environ[name]}" for name in ("VALUEGAP_CONFIG_DIR", "PATH", "VIRTUAL_ENV",
                                                                      "PYTHONDONTWRITEBYTECODE")
                            if name in os.environ)])
        subprocess.run([*self.tmux, "new-session", "-d", "-s", self.name, "-x", str(cols), "-y", str(rows),
                        f"{env} {shlex.join(command)}; sleep 600"], check=True)

    def screen(self, escapes: bool = False) -> str:
        return subprocess.run([*self.tmux, "capture-pane", "-p", *(["-e"] if escapes else []), "-t", self.name],
                              capture_output=True, text=True).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *keys], check=True)

    def cpu_s(self) -> float | None:
        """CPU seconds (user and system, every thread, and its child processes once ended) the command has
        used so far: it runs as the child of the pane's shell. None where /proc cannot tell (not Linux)."""
        try:
            shell = subprocess.run([*self.tmux, "display-message", "-p", "-t", self.name, "#{pane_pid}"],
                                   capture_output=True, text=True).stdout.strip()
            child = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()[0]
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            # its own threads, and the processes it started and waited for (the intervals' child)
            return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def close(self) -> None:
        # each terminal has a tmux server of its own: one shared with other programs may exit just as
        # its last session closes, and the next launch would find it gone
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)
        # and its socket goes with it (tmux leaves the file behind)
        Path(os.environ.get("TMUX_TMPDIR", "/tmp"), f"tmux-{os.getuid()}", self.name).unlink(missing_ok=True)


#: a run of text in one foreground colour, as `tmux capture-pane -e` writes it
COLOURED = re.compile(r"\x1b\[38;2;(\d+);(\d+);(\d+)m([^\x1b]*)")


def active_tab(screen: str) -> str | None:
    """The Results screen's active tab (its key: "1", "2" ...) from a screen read with escapes: the
    brightest of the tab labels. None when the tabs are not on screen."""
    for line in screen.splitlines():
        if "1 Conditions" in line and "2 Kinds" in line:
            labels = [(int(r) + int(g) + int(b), text.strip()) for r, g, b, text in COLOURED.findall(line)
                      if text.strip()[:1].isdigit()]
            return max(labels)[1][:1] if labels else None
    return None


def wait_until(predicate, timeout_s: float, step_s: float = 0.003):
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step_s)
    raise SystemExit(f"gave up after {timeout_s:.0f} s waiting for the screen")


def _spent(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def one_launch(path: Path, cols: int, rows: int, timeout_s: float, key_every_s: float) -> dict:
    """One app start: F5 to numbers, to intervals, and each tab key's wait while loading."""
    command = [sys.executable, "-m", "valuegap_tui", "tui", "--study", str(path)]
    term = Terminal(command, cols, rows)
    try:
        wait_until(lambda: " accepted " in term.screen() and "Status" in term.screen(), 30, 0.05)
        time.sleep(2.5)  # a person reads the first screen (the app imports the Results screen meanwhile)
        cpu_before = term.cpu_s()
        pressed = time.perf_counter()
        term.keys("F5")
        numbers_s = intervals_s = None
        cpu: dict[str, float | None] = {}  # the app's CPU seconds from F5 to the numbers and to the intervals
        waits_ms: list[float] = []
        sent_after_s: list[float] = []  # when each key was sent, from F5

        def read() -> str | None:
            """One screen read: the active tab, and the numbers' and intervals' times when they show."""
            nonlocal numbers_s, intervals_s
            screen = term.screen(escapes=True)
            now = time.perf_counter()
            text = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", screen).split())  # a wrapped status line reads whole
            if NUMBERS.search(text):
                if numbers_s is None:
                    numbers_s, cpu["numbers"] = now - pressed, _spent(term.cpu_s(), cpu_before)
                if intervals_s is None and "computing intervals" not in text:
                    intervals_s, cpu["intervals"] = now - pressed, _spent(term.cpu_s(), cpu_before)
            if now - pressed > timeout_s:
                raise SystemExit(f"no intervals after {timeout_s:.0f} s:\n{term.screen()}")
            return active_tab(screen)

        # keys go on for a second after the intervals: the screen still reads the answers for what is
        # not kept (the respondents, the answers per condition) and draws them
        while intervals_s is None or time.perf_counter() - pressed < intervals_s + 1.0:
            before = read()
            if before is None:
                time.sleep(0.003)
                continue
            picked = "2" if before == "1" else "1"  # a key, timed to its effect
            sent = time.perf_counter()
            term.keys(picked)
            while read() != picked:
                if time.perf_counter() - sent > 10:
                    raise SystemExit(f"tab key {picked} had no effect in 10 s:\n{term.screen()}")
                time.sleep(0.003)
            waits_ms.append((time.perf_counter() - sent) * 1000)
            sent_after_s.append(sent - pressed)
            time.sleep(key_every_s)
        slowest = sorted(zip(waits_ms, sent_after_s), reverse=True)[:3]
        return {"numbers_s": numbers_s, "intervals_s": intervals_s, "waits_ms": waits_ms,
                "cpu_numbers_s": cpu.get("numbers"), "cpu_intervals_s": cpu.get("intervals"),
                "slowest": ", ".join(f"{w:.0f} ms at {t:.2f} s" for w, t in slowest)}
    finally:
        term.close()


def tries(path: Path, n: int, cols: int, rows: int, keep: bool, count: int, timeout_s: float,
          key_every_s: float) -> dict:
    results = []
    for _ in range(count):
        if not keep:
            forget_results(path)
        kept = plan_kept(path)
        results.append({**one_launch(path, cols, rows, timeout_s, key_every_s), "plan_kept": kept})
    return {"numbers_s": statistics.median(r["numbers_s"] for r in results),
            "intervals_s": statistics.median(r["intervals_s"] for r in results),
            "worst_ms": statistics.median(max(r["waits_ms"], default=0.0) for r in results),
            "keys": sum(len(r["waits_ms"]) for r in results),
            "all": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=154_000)
    parser.add_argument("--tries", type=int, default=3, help="launches per figure (median)")
    parser.add_argument("--size", default="160x45", help="terminal COLSxROWS")
    parser.add_argument("--key-every", type=float, default=0.25, help="seconds from a key's effect to the next key")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for a screen")
    args = parser.parse_args()
    cols, rows = (int(x) for x in args.size.split("x"))
    os.environ.setdefault("VALUEGAP_CONFIG_DIR", str(CACHE / "config"))
    from valuegap_tui.config import save_section

    save_section("reviewer", {"name": "bench"})  # else the review screen opens asking for a name
    print(compile_bytecode())
    path, n = study_for(args.answers)
    print(f"study: {path} ({n:,} answers); terminal {cols}x{rows}; load average {os.getloadavg()[0]:.2f}"
          f" on {os.cpu_count()} CPUs")
    lines = []
    for label, keep in (("first open after new answers (no results kept)", False), ("reopen (results kept)", True)):
        if keep:
            one_launch(path, cols, rows, args.timeout, args.key_every)  # leaves this study's results kept
        figures = tries(path, n, cols, rows, keep, args.tries, args.timeout, args.key_every)
        each = "; ".join(f"{r['numbers_s']:.2f}/{r['intervals_s']:.2f} s, {len(r['waits_ms'])} keys, slowest"
                         f" {r['slowest'] or 'none'}, run's plan kept {r['plan_kept']}" for r in figures["all"])
        print(f"{label}: launches {each}; load average {os.getloadavg()[0]:.2f}")
        spent = [(r["cpu_numbers_s"], r["cpu_intervals_s"]) for r in figures["all"]]
        if all(a is not None and b is not None for a, b in spent):  # steadier than wall time on a busy machine
            print(f"  the app's CPU from F5: to numbers {statistics.median(a for a, _ in spent):.2f} s, to intervals"
                  f" {statistics.median(b for _, b in spent):.2f} s (medians; all its threads and child processes)")
        lines.append(f"results screen: {n} answers, to numbers {figures['numbers_s']:.2f} s, to intervals "
                     f"{figures['intervals_s']:.2f} s, worst key wait {figures['worst_ms']:.0f} ms")
    print(f"(first open after new answers) {lines[0]}")
    print(lines[1])


if __name__ == "__main__":
    main()
