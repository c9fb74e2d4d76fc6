"""Throughput, memory and UI responsiveness of a full-size evaluation run.

Plans 616 dilemmas x 25 conditions (baseline + 24 personas) x 2 questions x 5 repeats = 154,000
requests, and runs them from the Runs screen (headless Textual app, run in its worker) against the
simulated server in a separate process, sized to answer at most CAPACITY requests/s (it serves
capacity x latency requests at once, each taking the latency; more wait in its queue). ``--stub``
uses a minimal token-bucket server instead. Prints achieved/ideal throughput (target >= 0.9), peak memory of this process (target
< 300 MB) and key-press latency of the Run screen while the run goes, from keys posted every 50 ms
(targets: p99 < 50 ms, worst < 100 ms over at least 200 keys).

    python bench/run_throughput.py            # full size (about 3 minutes at 1,000 req/s)
    python bench/run_throughput.py --small    # 56 dilemmas x 5 conditions x 2 x 2 = 1,120 requests

``--design via`` runs Shen et al.'s VIA design instead (docs/designs.md): the full-size synthetic VIA
file (14,784 actions = 7,392 items of 12 countries x 11 topics x 56 values) x 13 conditions (baseline +
12 country personas) x 2 tasks x 2 repeats = 384,384 requests; --medium 616 items x 5 conditions
(12,320), --small 56 items x 5 conditions (1,120); --repeats changes the repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from valuegap_tui.catalogue import catalogue  # noqa: E402
from valuegap_tui.designs.graded_actions.models import (  # noqa: E402
    ActionOption,
    AlignmentLabel,
    Dilemma,
    DilemmaStatus,
)
from valuegap_tui.store import dilemmas as dilemma_store  # noqa: E402
from valuegap_tui.store import open_study  # noqa: E402
from valuegap_tui.store import runs as run_store  # noqa: E402
from valuegap_tui.store import run_progress as progress_store  # noqa: E402

SERVER = textwrap.dedent('''
    import asyncio, random, sys, time
    from aiohttp import web
    capacity, latency = float(sys.argv[2]), float(sys.argv[3])
    next_slot = [0.0]
    async def chat(request):
        await request.read()
        now = time.monotonic()
        slot = max(now, next_slot[0])
        next_slot[0] = slot + 1.0 / capacity
        await asyncio.sleep(slot - now + latency)
        return web.json_response({"choices": [{"message": {"content": random.choice("ABCDEF")},
                                  "finish_reason": "stop"}], "usage": {"prompt_tokens": 200, "completion_tokens": 1}})
    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
''')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MODEL = "simulated-respondent"


@contextmanager
def serve(args, tmp: Path, study_path: Path):
    """The server under test, in its own process; yields its base URL."""
    if not args.stub:
        from valuegap_tui.simulator import SimulatorParams, run_simulator_process

        # capacity x latency in service at once => capacity requests/s
        in_service = max(1, round(args.capacity * args.latency_ms / 1000))
        params = SimulatorParams(seed=0, latency_ms=args.latency_ms, capacity=in_service, model_name=MODEL)
        with run_simulator_process(params, study_path=study_path) as simulator:
            yield simulator.base_url
        return
    port = free_port()
    script = tmp / "server.py"
    script.write_text(SERVER)
    server = subprocess.Popen([sys.executable, str(script), str(port), str(args.capacity), str(args.latency_ms / 1000)])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.kill()
        server.wait(timeout=10)


def seed_study(study, n_dilemmas: int, n_personas: int) -> list[str]:
    cat = catalogue()
    dilemmas = []
    for value in cat.values:
        for topic in cat.topics:
            if len(dilemmas) >= n_dilemmas:
                break
            options = [ActionOption(text=f"Option {k} about {value.name} in {topic.name}: act accordingly.", label=label)
                       for k, label in enumerate(AlignmentLabel.ordered())]
            scenario = (f"You are a manager facing a choice about {topic.name.lower()}. Colleagues disagree, the stakes "
                        f"are real, and {value.name.lower()} is in question. " * 3)
            dilemmas.append(Dilemma(value=value.id, topic=topic.id, scenario=scenario, options=options,
                                    status=DilemmaStatus.ACCEPTED))
    dilemma_store.save_many(study, dilemmas, who="bench", action="import")
    from valuegap_tui import personas as persona_model
    from valuegap_tui.store import personas as persona_store

    generated = [p for p in persona_model.generate_personas(seed=0, incongruous=max(0, n_personas - 8))
                 if p.id != "baseline"][:n_personas]
    persona_store.save_many(study, generated)
    return [p.id for p in generated]


def seed_via_study(study, size: str) -> tuple[int, list[str]]:
    """A via study: the synthetic VIA file (all of it, or its first country's 11 or 1 topics) and the
    country personas (all 12 at full size, else 4). Returns (items, persona ids)."""
    from valuegap_tui.designs import get_design, set_study_design
    from valuegap_tui.designs.via.conditions import country_personas
    from valuegap_tui.designs.via.importer import read_shen
    from valuegap_tui.designs.via.items import COUNTRIES
    from valuegap_tui.designs.via.simulate import synthetic_rows, write_synthetic_csv
    from valuegap_tui.store import items as item_store
    from valuegap_tui.store import personas as persona_store

    countries = COUNTRIES if size == "full" else COUNTRIES[:1]
    topics = None if size != "small" else ["politics"]
    path = Path(study.path).parent / "via.csv"
    write_synthetic_csv(path, synthetic_rows(countries=countries, topics=topics))
    items = read_shen(path).items
    set_study_design(study, "via")
    item_store.save_many(study, get_design("via"), items, who="bench", action="import-shen")
    personas = country_personas(COUNTRIES if size == "full" else COUNTRIES[:4])
    persona_store.save_many(study, personas)
    return len(items), [p.id for p in personas]


KEY_INTERVAL_S = 0.05


async def press_keys(app, stop_at, done) -> int:
    """Post arrow keys at a steady pace, as a terminal delivers them, without waiting for the app
    between keys (pilot.press waits for the app to be idle, which a running run never is, so it
    let through a handful of keys). The screen times each from the event's creation to the
    refresh after it."""
    from textual import events

    sent = 0
    while time.monotonic() < stop_at and not done():
        app.post_message(events.Key("down" if sent % 2 == 0 else "up", None))
        sent += 1
        await asyncio.sleep(KEY_INTERVAL_S)
    return sent


async def drive(study, definition_text: str, deadline_s: float) -> dict:
    from valuegap_tui.tui.app import ValueGapApp

    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("n")
        from textual.widgets import TextArea

        screen.query_one("#runs-definition", TextArea).text = definition_text
        started = time.monotonic()
        await pilot.click("#runs-plan")
        while not run_store.list_runs(study):
            await pilot.pause(0.1)
        run_id = run_store.list_runs(study)[0].id
        while run_store.get_run(study, run_id).status == "planned":
            await pilot.pause(0.05)
        sent_from = time.monotonic()
        planned_s = sent_from - started
        screen.query_one("#runs-table").focus()
        screen.key_latencies.clear()

        def finished() -> bool:
            return screen.control is None and run_store.get_run(study, run_id).status in ("finished", "stopped")

        keys_sent = await press_keys(app, sent_from + deadline_s, finished)
        latencies = list(screen.key_latencies)  # only the keys answered while the run was ingesting
        while not finished() and time.monotonic() < sent_from + deadline_s:
            await pilot.pause(0.2)
        elapsed = time.monotonic() - sent_from
        if not finished():
            screen.action_stop()
            while screen.control is not None:
                await pilot.pause(0.2)
        return {"run_id": run_id, "elapsed": elapsed, "planned_s": planned_s, "keys_sent": keys_sent,
                "latencies": latencies}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="a small plan for a quick check")
    parser.add_argument("--medium", action="store_true", help="616 dilemmas x 5 conditions x 2 x 2 = 12,320 requests")
    parser.add_argument("--capacity", type=float, default=1000.0, help="server capacity, requests/s")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="server latency per request")
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--stub", action="store_true", help="a minimal token-bucket server instead of the simulator")
    parser.add_argument("--design", choices=("graded_actions", "via"), default="graded_actions",
                        help="the study's design (default: the poster's graded_actions)")
    parser.add_argument("--repeats", type=int, default=None, help="repeats (default: 5, or 2 for via)")
    args = parser.parse_args()
    n_dilemmas, n_personas, repeats = (56, 4, 2) if args.small else (616, 4, 2) if args.medium else (616, 24, 5)
    with tempfile.TemporaryDirectory() as tmp:
        study = open_study(Path(tmp) / "bench.db", create=True)
        if args.design == "via":
            size = "small" if args.small else "medium" if args.medium else "full"
            n_dilemmas, persona_ids = seed_via_study(study, size)
            n_personas, repeats = len(persona_ids), 2
        else:
            persona_ids = seed_study(study, n_dilemmas, n_personas)
        repeats = args.repeats or repeats
        with serve(args, Path(tmp), study.path) as base_url:
            definition = (f'name = "bench"\nrepeats = {repeats}\npersonas = {persona_ids!r}\n'
                          f'[[models]]\nname = "{MODEL}"\nendpoints = ["{base_url}"]\n'
                          f'concurrency = {args.concurrency}\n[dilemmas]\nstatus = ["accepted"]\n').replace("'", '"')
            expected = n_dilemmas * (n_personas + 1) * 2 * repeats
            result = asyncio.run(drive(study, definition, deadline_s=expected / args.capacity * 3 + 30))
            progress = progress_store.progress(study, result["run_id"])
            run = run_store.get_run(study, result["run_id"])
            result["sending_s"] = (datetime.fromisoformat(run.finished_at)
                                   - datetime.fromisoformat(run.started_at)).total_seconds()
    # Sending time as the run recorded it: from its start to its finish (both stored by the run).
    sending_s = result["sending_s"] or result["elapsed"]
    achieved = progress.responses / sending_s
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    cpu_ms = 1000 * (usage.ru_utime + usage.ru_stime) / max(1, progress.responses)
    lat = sorted(result["latencies"]) or [float("nan")]
    print(f"design {args.design}; plan: {n_dilemmas} {'items' if args.design == 'via' else 'dilemmas'} x {n_personas + 1} conditions x 2 questions x {repeats} repeats = "
          f"{expected} requests (planned and stored in {result['planned_s']:.1f} s)")
    print(f"answered {progress.answered}, invalid {progress.invalid}, pending {progress.pending}, "
          f"responses {progress.responses} in {sending_s:.1f} s")
    print(f"server: {'token-bucket stub' if args.stub else 'simulator'} (separate process), capacity {args.capacity:.0f} req/s")
    print(f"throughput: {achieved:.0f} req/s of ideal {args.capacity:.0f} -> {achieved / args.capacity:.2f} (target >= 0.9)")
    print(f"peak memory (this process: app + run): {peak_mb:.0f} MB (target < 300 MB)")
    # On a machine whose CPUs are shared, this says whether the client could keep the server busy:
    # under 0.9 ms per response, one free core sends 1,000 requests/s.
    print(f"client CPU (this process, setup and planning included): {cpu_ms:.2f} ms per response")
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(f"key-press latency while the run ingests, over {len(lat)} keys ({result['keys_sent']} sent, one every"
          f" {KEY_INTERVAL_S * 1000:.0f} ms): median {1000 * statistics.median(lat):.1f} ms, p99 {1000 * p99:.1f} ms,"
          f" worst {1000 * lat[-1]:.1f} ms (targets: p99 < 50 ms, worst < 100 ms, at least 200 keys)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
