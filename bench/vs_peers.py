"""valuegap's full evaluation path against a bare aiohttp loop (and peers, when installed), same server.

Every contender is a separate process launched against one fixed-reply loopback server
(bench/loopback.py) and asks the same number of questions with the same number in flight:

- ``valuegap``: `valuegap run start --plain` on a fresh copy of a seeded study: plan the run, build
  each prompt, send it, read the letter, store every answer;
- ``floor``: the least a Python client can do per question, the honest floor of this machine: uvloop
  (where it is installed; stock asyncio otherwise), a raw asyncio Protocol per keep-alive connection, as
  many connections as questions in flight, each request's JSON body built and each reply's JSON decoded
  for its letter, nothing stored;
- ``bare aiohttp``: one ClientSession and a semaphore posting per-request JSON bodies and decoding each
  reply, storing nothing (a common client, not the floor);
- any ``--peer NAME=COMMAND`` (e.g. lm-evaluation-harness or inspect_ai pointed at ``{base_url}``).

The contenders run interleaved (the order rotates each round) and the figures are medians over the
rounds, so a machine busy with other work slows every contender alike; the ratios are the figures to
read, the absolute rates vary with the load. Per contender: questions/s from launch to exit (start-up,
planning and valuegap's final flush of answers to the study included: the rate a person gets), questions
/s while sending (first request to last reply, seen by the server), CPU ms per question (the whole
process, start-up included), launch to first request, peak RSS. valuegap's targets are against the
floor: at least 0.5x its rate (launch to exit) and at most 2.5x its CPU per question.

Start-up is printed apart, compiled and uncompiled: `valuegap --help` and valuegap's launch to first
request, with the package's bytecode compiled (an installed copy), and from a copy of the source with no
bytecode under PYTHONDONTWRITEBYTECODE (an editable install where Python may not write __pycache__: it
compiles every module at every start).

    python bench/vs_peers.py [--questions 3000] [--in-flight 64] [--rounds 3] [--peer NAME=COMMAND]
                             [--without orjson,uvloop] [--previous DIR]

``--previous DIR`` also runs valuegap from the package source in DIR (e.g. ``git worktree add`` or
``git archive`` of an earlier commit) on its own copy of the same seeded study, seeded by DIR's own code
(an earlier version cannot open a study that a later schema has written), in the same rounds: a
before/after ratio that the load cannot bend.

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


FLOOR_CLIENT = textwrap.dedent(r'''
    import asyncio, json, sys
    try:
        import uvloop
    except ImportError:
        uvloop = None
    host, port = sys.argv[1].split("//")[1].split("/")[0].split(":")
    n, in_flight, SCENARIO = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    HEAD = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            "Content-Length: {}\r\n\r\n")

    def request(i):
        body = json.dumps({"model": "loopback", "max_tokens": 1, "temperature": 0.0, "seed": i, "messages": [
            {"role": "user", "content": f"Case {i}. {SCENARIO}\nA. one\nB. two\nC. three\nD. four\nE. five\n"
                                        "F. six\nAnswer with one letter."}]}).encode()
        return HEAD.format(len(body)).encode() + body

    class Connection(asyncio.Protocol):
        """One keep-alive connection: a request, its whole reply, the next request."""
        def __init__(self, jobs, done):
            self.jobs, self.done, self.buffer = jobs, done, b""
        def connection_made(self, transport):
            self.transport = transport
            self.next()
        def next(self):
            if self.jobs:
                self.transport.write(request(self.jobs.pop()))
            else:
                self.transport.close()
        def data_received(self, data):
            self.buffer += data
            while True:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                length = int(self.buffer[:end].lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(self.buffer) < end + 4 + length:
                    return
                body, self.buffer = self.buffer[end + 4:end + 4 + length], self.buffer[end + 4 + length:]
                self.done.append(json.loads(body)["choices"][0]["message"]["content"])
                self.next()
        def connection_lost(self, exc):
            self.closed.set_result(None)

    async def main():
        loop = asyncio.get_running_loop()
        jobs, done = list(range(n)), []
        connections = []
        for _ in range(min(in_flight, n)):
            protocol = Connection(jobs, done)
            protocol.closed = loop.create_future()
            await loop.create_connection(lambda protocol=protocol: protocol, host, int(port))
            connections.append(protocol)
        await asyncio.gather(*(c.closed for c in connections))
        assert len(done) == n, len(done)
    (uvloop.run if uvloop else asyncio.run)(main())
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
            "first_s": stats["first"] - launched, "total_s": ended - launched, "rss_mb": usage.ru_maxrss / 1024,
            "total_rate": stats["count"] / (ended - launched)}


#: runs the command line with some optional modules made unimportable (the code falls back)
WITHOUT = ("import sys\nfor name in sys.argv.pop(1).split(','): sys.modules[name] = None\n"
           "from valuegap_tui.cli import main\nraise SystemExit(main(sys.argv[1:]))")
#: seeds a study with the package and bench/loopback.py of another source folder (an earlier version)
SEED_PREVIOUS = ("import sys\nsource = sys.argv[1]\nsys.path[:0] = [source, source + '/bench']\n"
                 "from pathlib import Path\nfrom loopback import seed_study\n"
                 "seed_study(Path(sys.argv[2]), int(sys.argv[3])).close()")
#: runs the command line with the package imported from another source folder (an earlier version)
PREVIOUS = ("import sys\nsys.path.insert(0, sys.argv.pop(1))\n"
            "from valuegap_tui.cli import main\nraise SystemExit(main(sys.argv[1:]))")


def valuegap_command(tmp: Path, seeded: Path, definition: Path, round_no: int, without: str = "",
                     previous: str = "") -> list[str]:
    study = tmp / f"round-{round_no}{'-' + without.replace(',', '-') if without else ''}{'-previous' if previous else ''}.db"
    shutil.copyfile(seeded, study)
    exe = Path(sys.executable).with_name("valuegap")
    if previous:
        base = [sys.executable, "-c", PREVIOUS, previous]
    elif without:
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
    parser.add_argument("--previous", metavar="DIR", help="also run valuegap from the package source in DIR (an"
                        " earlier version) in the same rounds")
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
        floor_client = tmp / "floor.py"
        floor_client.write_text(FLOOR_CLIENT)
        contenders = {
            "valuegap": lambda r: valuegap_command(tmp, seeded, definition, r),
            "floor": lambda r: [sys.executable, str(floor_client), server.base_url, str(n), str(args.in_flight),
                                SCENARIO * 3],
            "bare aiohttp": lambda r: [sys.executable, str(bare), server.base_url, str(n), str(args.in_flight), SCENARIO * 3],
        }
        for modules in args.without:
            contenders[f"vg -{modules}"] = lambda r, modules=modules: valuegap_command(tmp, seeded, definition, r, modules)
        if args.previous:
            previous = str(Path(args.previous).resolve())
            seeded_previous = tmp / "seeded-previous.db"
            subprocess.run([sys.executable, "-c", SEED_PREVIOUS, previous, str(seeded_previous), str(n_dilemmas)],
                           check=True)
            contenders["valuegap previous"] = lambda r: valuegap_command(tmp, seeded_previous, definition, r,
                                                                          previous=previous)
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
                print(f"  round {round_no + 1} {name:<20} {result['total_rate']:7.0f}/s launch to exit,"
                      f" {result['rate']:7.0f}/s sending  {result['cpu_ms']:.3f} ms CPU/q"
                      f"  first request {result['first_s']:.2f} s", flush=True)
        starts = start_figures(tmp, seeded, definition, server, n)

    def median(name, key):
        return statistics.median(r[key] for r in results[name])

    floor = "floor"
    print(f"\n{'contender':<22}{'q/s (total)':>12}{'x floor':>8}{'q/s (send)':>11}{'x floor':>8}{'CPU ms/q':>10}"
          f"{'x floor':>8}{'first req s':>13}{'total s':>9}{'RSS MB':>8}")
    for name in names:
        print(f"{name:<22}{median(name, 'total_rate'):>12,.0f}{median(name, 'total_rate') / median(floor, 'total_rate'):>8.2f}"
              f"{median(name, 'rate'):>11,.0f}{median(name, 'rate') / median(floor, 'rate'):>8.2f}"
              f"{median(name, 'cpu_ms'):>10.3f}{median(name, 'cpu_ms') / median(floor, 'cpu_ms'):>8.2f}"
              f"{median(name, 'first_s'):>13.2f}{median(name, 'total_s'):>9.2f}{median(name, 'rss_mb'):>8.0f}")
    for line in starts:
        print(line)
    rate_ratio = median("valuegap", "total_rate") / median(floor, "total_rate")
    cpu_ratio = median("valuegap", "cpu_ms") / median(floor, "cpu_ms")
    print(f"valuegap / floor ({'uvloop' if importlib.util.find_spec('uvloop') else 'asyncio'}, raw protocol): "
          f"{rate_ratio:.2f}x the questions/s launch to exit (target >= 0.5), {cpu_ratio:.2f}x the CPU per question"
          f" (target <= 2.5); medians of the rounds, ratios taken within this one run; load average"
          f" {os.getloadavg()[0]:.2f}")
    return 0


def _median_launch(command: list[str], env: dict, tries: int = 3) -> float:
    times = []
    for _ in range(tries):
        started = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def start_figures(tmp: Path, seeded: Path, definition: Path, server, n: int) -> list[str]:
    """`valuegap --help` (median of 3) and valuegap's launch to first request, compiled and uncompiled."""
    import valuegap_tui

    source = tmp / "uncompiled"
    shutil.copytree(Path(valuegap_tui.__file__).resolve().parent, source / "valuegap_tui",
                    ignore=shutil.ignore_patterns("__pycache__"))
    compiled_env = dict(os.environ)
    uncompiled_env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
                          PYTHONPATH=os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")])))
    lines = []
    for label, env in (("compiled", compiled_env), ("uncompiled", uncompiled_env)):
        help_s = _median_launch([sys.executable, "-m", "valuegap_tui", "--help"], env)
        command = valuegap_command(tmp, seeded, definition, 90 + len(lines))
        command = [sys.executable, "-m", "valuegap_tui"] + command[command.index("run"):]
        server.reset()
        launched = time.time()
        subprocess.run(command, env=env, capture_output=True, check=True)
        first = server.stats()["first"] - launched
        lines.append(f"start, {label}: valuegap --help {help_s:.2f} s (median of 3); run start: launch to first"
                     f" request {first:.2f} s; load average {os.getloadavg()[0]:.2f}")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
