"""Shared by the benches: a fixed-reply loopback chat server in its own process, and a seeded study.

The server is a bare asyncio protocol (no web framework), so it costs as little CPU as a server can
and the client under test gets the rest of the machine. It counts chat requests and keeps the wall
clock (time.time()) of the first request and of the last reply: ``GET /stats`` returns them and
``POST /reset`` starts a new count, so launch-to-first-request and the sending rate of a client in
another process are read from the server's side.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

SERVER = textwrap.dedent(r'''
    import asyncio, json, sys, time
    REPLY = json.dumps({"id": "loopback", "object": "chat.completion", "model": "loopback",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "B"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 300, "completion_tokens": 1, "total_tokens": 301}}).encode()
    stats = {"count": 0, "first": None, "last": None}

    def response(body, status=b"200 OK"):
        return (b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\n\r\n" + body)

    class Http(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport, self.buffer = transport, b""
        def data_received(self, data):
            self.buffer += data
            while True:
                head_end = self.buffer.find(b"\r\n\r\n")
                if head_end < 0:
                    return
                head = self.buffer[:head_end].decode("latin-1")
                length = 0
                for line in head.split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if len(self.buffer) < head_end + 4 + length:
                    return
                self.buffer = self.buffer[head_end + 4 + length:]
                method, path = head.split(" ", 2)[:2]
                if path.endswith("/chat/completions"):
                    now = time.time()
                    if stats["first"] is None:
                        stats["first"] = now
                    stats["count"] += 1
                    stats["last"] = now
                    self.transport.write(response(REPLY))
                elif path == "/stats":
                    self.transport.write(response(json.dumps(stats).encode()))
                elif path == "/reset":
                    stats.update(count=0, first=None, last=None)
                    self.transport.write(response(b"{}"))
                elif path.endswith("/models"):
                    self.transport.write(response(b'{"data": [{"id": "loopback"}]}'))
                else:
                    self.transport.write(response(b"{}", b"404 Not Found"))

    async def main():
        server = await asyncio.get_running_loop().create_server(Http, "127.0.0.1", int(sys.argv[1]), backlog=1024)
        print("ready", flush=True)
        await server.serve_forever()
    asyncio.run(main())
''')

SCENARIO = ("You sit on the board of a community foundation that must decide how to spend a large donation. "
            "One group wants to fund a new youth centre in a poor district, another wants to restore the old "
            "church that many elderly residents cherish, and a third proposes a scholarship programme. ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Loopback:
    def __init__(self, port: int, process: subprocess.Popen):
        self.port, self.process = port, process
        self.base_url = f"http://127.0.0.1:{port}/v1"

    def _call(self, path: str, method: str = "GET") -> dict:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read())

    def reset(self) -> None:
        self._call("/reset", "POST")

    def stats(self) -> dict:
        return self._call("/stats")


@contextmanager
def loopback_server():
    """A fixed-reply chat server in a child process; yields a Loopback."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "loopback_server.py"
        script.write_text(SERVER)
        process = subprocess.Popen([sys.executable, str(script), str(port)], stdout=subprocess.PIPE)
        try:
            assert process.stdout.readline().strip() == b"ready"
            yield Loopback(port, process)
        finally:
            process.kill()
            process.wait(timeout=10)


def seed_study(path: Path, n_dilemmas: int):
    """A study with ``n_dilemmas`` accepted dilemmas (scenarios of about 1,000 characters); returns it open."""
    from valuegap_tui.catalogue import catalogue
    from valuegap_tui.designs.graded_actions.models import ActionOption, AlignmentLabel, Dilemma, DilemmaStatus
    from valuegap_tui.store import dilemmas as dilemma_store
    from valuegap_tui.store import open_study

    cat = catalogue()
    pairs = [(v, t) for v in cat.values for t in cat.topics]
    dilemmas = []
    for i in range(n_dilemmas):
        value, topic = pairs[i % len(pairs)]
        options = [ActionOption(text=f"Option {k} about {value.name} in {topic.name}: act accordingly.", label=label)
                   for k, label in enumerate(AlignmentLabel.ordered())]
        dilemmas.append(Dilemma(value=value.id, topic=topic.id, variant=i // len(pairs) + 1,
                                scenario=f"Case {i}. " + SCENARIO * 3, options=options,
                                status=DilemmaStatus.ACCEPTED))
    study = open_study(path, create=True)
    dilemma_store.save_many(study, dilemmas, who="bench", action="import")
    return study


def run_definition(base_url: str, *, repeats: int, concurrency: int, personas: list[str] | None = None) -> str:
    return (f'name = "bench"\nrepeats = {repeats}\npersonas = {json.dumps(personas or [])}\n'
            f'[[models]]\nname = "loopback"\nendpoints = ["{base_url}"]\nconcurrency = {concurrency}\n'
            '[dilemmas]\nstatus = ["accepted"]\n')


def wait_for(predicate, timeout_s: float = 30.0, step_s: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step_s)
    return False


def compile_bytecode() -> str:
    """Compile the package's modules to bytecode (__pycache__, ignored by git), as `pip install`
    does for an installed package and as Python does itself on a first run. Where
    PYTHONDONTWRITEBYTECODE is set, an editable checkout is otherwise compiled again at every
    start: about 0.1 s of each start-up figure (0.41 -> 0.33 s to the first request, measured).
    Returns a line for the bench's output."""
    import compileall

    import valuegap_tui

    package = Path(valuegap_tui.__file__).resolve().parent
    compileall.compile_dir(str(package), quiet=1)
    note = "; PYTHONDONTWRITEBYTECODE is set here" if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""
    return f"bytecode: {package.name} compiled before timing, as an installed package is{note}"
