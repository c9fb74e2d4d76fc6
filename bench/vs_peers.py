"""valuegap's full evaluation path against a bare aiohttp loop (and peers, when installed), same server.

Every contender is a separate process launched against one fixed-reply loopback server
(bench/loopback.py) and asks the same number of questions with the same number in flight:

- ``valuegap``: `valuegap run start --plain` on a fresh copy of a seeded study: plan the run, build
  each prompt, send it, read the letter, store every answer;
- ``bare aiohttp``: one ClientSession and a semaphore posting prebuilt-per-request JSON bodies and
  decoding each reply, storing nothing: the floor of this machine;
- any ``--peer NAME=COMMAND`` (e.g. lm-evaluation-harness or inspect_ai pointed at ``{base_url}``).

The contenders run interleaved (the order rotates each round) and the figures are medians over the
rounds, so a machine busy with other work slows every contender alike; the ratios are the figures to
read, the absolute rates vary with the load. Per contender: questions/s while sending (first request
to last reply, seen by the server), CPU ms per question (the whole process, start-up included),
launch to first request, peak RSS.

    python bench/vs_peers.py [--questions 3000] [--in-flight 64] [--rounds 3] [--peer NAME=COMMAND]
                             [--without orjson,uvloop]

lm-evaluation-harness and inspect_ai are not dependencies of valuegap; install them in a separate
environment and pass their command line with ``--peer`` (``{base_url}``, ``{model}``, ``{n}`` and
``{in_flight}`` are filled in).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import SCENARIO, compile_bytecode, loopback_server, run_definition, seed_study  # noqa: E402

BARE_CLIENT = textwrap.dedent(r'''
    import asyncio, json, sys
    import aiohttp
    url, n, in_flight = sys.argv[1] + "/chat/completions", int(sys.argv[2]), int(sys.argv[3])
    SCENARIO = sys.argv[4]
    async def main():
        limit = asyncio.Semaphore(in_flight)
        connector = aiohttp.TCPConnector(limit=in_flight)
        async with aiohttp.ClientSession(connector=connector, headers={"Content-Type": "application/json"}) as session:
            async def ask(i):
                body = {"model": "loopback", "max_tokens": 1, "temperature": 0.0, "seed": i, "messages": [
                    {"role": "user", "content": f"Case {i}. {SCENARIO}\nA. one\nB. two\nC. three\nD. four\nE. five\n"
                                                "F. six\nAnswer with one letter."}]}
                async with limit:
                    async with session.post(url, data=json.dumps(body)) as reply:
                        return json.loads(await reply.read())["choices"][0]["message"]["content"]
            answers = await asyncio.gather(*(ask(i) for i in range(n)))
        assert len(answers) == n
    asyncio.run(main())
''')


def run_child(command: list[str], server, n: int, cwd: Path | None = None) -> dict:
    """Launch, wait, and read rusage (CPU, peak RSS) and the server's first/last request times."""
    server.reset()
    launched = time.time()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    ended = time.time()
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace")
    stats = server.stats()
    if process.returncode not in (0,) or stats["count"] < n:
        raise SystemExit(f"{command[:3]} exited {process.returncode} after {stats['count']} of {n} requests:\n{stderr[-2000:]}")
    sending = max(stats["last"] - stats["first"], 1e-9)
    return {"rate": stats["count"] / sending, "cpu_ms": (usage.ru_utime + usage.ru_stime) / stats["count"] * 1000,
            "first_s": stats["first"] - launched, "total_s": ended - launched, "rss_mb": usage.ru_maxrss / 1024}


#: runs the command line with some optional modules made unimportable (the code falls back)
WITHOUT = ("import sys\nfor name in sys.argv.pop(1).split(','): sys.modules[name] = None\n"
           "from valuegap_tui.cli import main\nraise SystemExit(main(sys.argv[1:]))")


def valuegap_command(tmp: Path, seeded: Path, definition: Path, round_no: int, without: str = "") -> list[str]:
    study = tmp / f"round-{round_no}{'-' + without.replace(',', '-') if without else ''}.db"
    shutil.copyfile(seeded, study)
    exe = Path(sys.executable).with_name("valuegap")
    if without:
        base = [sys.executable, "-c", WITHOUT, without]
    else:
        base = [str(exe)] if exe.exists() else [sys.executable, "-m", "valuegap_tui"]
    return base + ["run", "start", str(definition), "--plain", "--study", str(study)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=3000, help="questions per contender and round (a multiple of 10)")
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--without", action="append", default=[], metavar="MODULES",
                        help="also run valuegap with these optional modules unimportable (e.g. orjson,uvloop):"
                             " what each one earns, measured in the same interleaved rounds")
    parser.add_argument("--peer", action="append", default=[], metavar="NAME=COMMAND",
                        help="another client to compare, a shell command line with {base_url} {model} {n} {in_flight}")
    args = parser.parse_args()
    repeats = 5
    n_dilemmas = max(1, args.questions // (2 * repeats))
    n = n_dilemmas * 2 * repeats
    for name, module in (("lm-evaluation-harness", "lm_eval"), ("inspect_ai", "inspect_ai")):
        found = importlib.util.find_spec(module) is not None
        print(f"{name}: {'installed: pass its command line with --peer to compare' if found else 'not installed here (not a dependency; see --help)'}")
    print(compile_bytecode())  # the peers are installed packages, compiled at install
    with tempfile.TemporaryDirectory() as tmp_name, loopback_server() as server:
        tmp = Path(tmp_name)
        seeded = tmp / "seeded.db"
        seed_study(seeded, n_dilemmas).close()
        definition = tmp / "run.toml"
        definition.write_text(run_definition(server.base_url, repeats=repeats, concurrency=args.in_flight))
        bare = tmp / "bare.py"
        bare.write_text(BARE_CLIENT)
        contenders = {
            "valuegap": lambda r: valuegap_command(tmp, seeded, definition, r),
            "bare aiohttp": lambda r: [sys.executable, str(bare), server.base_url, str(n), str(args.in_flight), SCENARIO * 3],
        }
        for modules in args.without:
            contenders[f"vg -{modules}"] = lambda r, modules=modules: valuegap_command(tmp, seeded, definition, r, modules)
        for spec in args.peer:
            name, _, line = spec.partition("=")
            command = line.format(base_url=server.base_url, model="loopback", n=n, in_flight=args.in_flight)
            contenders[name] = lambda r, command=command: ["/bin/sh", "-c", command]
        names = list(contenders)
        results: dict[str, list[dict]] = {name: [] for name in names}
        print(f"{n} questions per run, {args.in_flight} in flight, {args.rounds} interleaved rounds, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for round_no in range(args.rounds):
            order = names[round_no % len(names):] + names[:round_no % len(names)]
            for name in order:
                result = run_child(contenders[name](round_no), server, n)
                results[name].append(result)
                print(f"  round {round_no + 1} {name:<20} {result['rate']:7.0f}/s  {result['cpu_ms']:.3f} ms CPU/q"
                      f"  first request {result['first_s']:.2f} s", flush=True)

    def median(name, key):
        return statistics.median(r[key] for r in results[name])

    floor = "bare aiohttp"
    print(f"\n{'contender':<22}{'questions/s':>12}{'x bare':>8}{'CPU ms/q':>10}{'x bare':>8}"
          f"{'first req s':>13}{'total s':>9}{'RSS MB':>8}")
    for name in names:
        print(f"{name:<22}{median(name, 'rate'):>12,.0f}{median(name, 'rate') / median(floor, 'rate'):>8.2f}"
              f"{median(name, 'cpu_ms'):>10.3f}{median(name, 'cpu_ms') / median(floor, 'cpu_ms'):>8.2f}"
              f"{median(name, 'first_s'):>13.2f}{median(name, 'total_s'):>9.2f}{median(name, 'rss_mb'):>8.0f}")
    rate_ratio = median("valuegap", "rate") / median(floor, "rate")
    cpu_ratio = median("valuegap", "cpu_ms") / median(floor, "cpu_ms")
    print(f"valuegap / bare: {rate_ratio:.2f}x the questions/s (target >= 0.9), {cpu_ratio:.2f}x the CPU per question"
          " (target <= 1.2); medians of the rounds, ratios taken within this one run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
