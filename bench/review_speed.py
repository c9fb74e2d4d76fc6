"""Review screen speed on a 10,000-dilemma study.

Prints the time to open the review screen (target < 1.5 s) and the time from a decision key to the next
dilemma drawn (target < 50 ms). Both are measured inside the app: the key time is taken when the action
runs and the end time in call_after_refresh, once the screen has been updated (pilot.pause() would
measure the test harness instead).

    python bench/review_speed.py [--n 10000] [--keys 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path


def build_study(path: Path, n: int):
    from valuegap_tui.catalogue import catalogue
    from valuegap_tui.models import ActionOption, AlignmentLabel, Dilemma
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
    return study


async def measure(study, keys: int, size: tuple[int, int]) -> dict:
    from valuegap_tui.config import save_section
    from valuegap_tui.tui.app import ValueGapApp

    save_section("reviewer", {"name": "bench"})
    app = ValueGapApp(study)
    started = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        while screen.opened_in_s is None:
            await asyncio.sleep(0.005)
        total_open = time.perf_counter() - started
        for i in range(keys):
            await pilot.press("a" if i % 3 == 0 else ("s" if i % 3 == 1 else "r"))
            await pilot.pause(0.01)
        while screen.pending:
            await asyncio.sleep(0.01)
        latencies = list(screen.latencies_ms)
        return {"open_screen_s": screen.opened_in_s, "open_app_s": total_open, "latencies_ms": latencies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VALUEGAP_CONFIG_DIR"] = tmp
        t0 = time.perf_counter()
        study = build_study(Path(tmp) / "bench.db", args.n)
        print(f"built a {args.n}-dilemma study in {time.perf_counter() - t0:.1f} s")
        for size in ((120, 40), (80, 24)):
            result = asyncio.run(measure(study, args.keys, size))
            lat = sorted(result["latencies_ms"])
            print(f"[{size[0]}x{size[1]}] open review screen: {result['open_screen_s']:.3f} s (mount to first draw; "
                  f"app start to drawn {result['open_app_s']:.3f} s; target < 1.5 s)")
            print(f"[{size[0]}x{size[1]}] decision key -> next dilemma drawn over {len(lat)} keys: median "
                  f"{statistics.median(lat):.1f} ms, p90 {lat[int(len(lat) * 0.9) - 1]:.1f} ms, worst {lat[-1]:.1f} ms "
                  "(target < 50 ms)")
        study.close()


if __name__ == "__main__":
    main()
