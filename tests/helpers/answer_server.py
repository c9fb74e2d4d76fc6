"""A small OpenAI-shaped answer server in its own process, and the run definitions that point at it."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest


# A minimal OpenAI-shaped server answering a random letter after a short delay.
SERVER = textwrap.dedent('''
    import asyncio, random, sys
    from aiohttp import web
    async def chat(request):
        await request.json()
        await asyncio.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0.004)
        letter = random.choice("ABCDEF")
        return web.json_response({"choices": [{"message": {"content": letter}, "finish_reason": "stop"}],
                                  "usage": {"prompt_tokens": 10, "completion_tokens": 1}})
    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
''')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(tmp_path, delay_s: float):
    port = free_port()
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    proc = subprocess.Popen([sys.executable, str(script), str(port), str(delay_s)])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}/v1"


@pytest.fixture

def answer_server(tmp_path):
    proc, url = start_server(tmp_path, 0.004)
    try:
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


def write_definition(path: Path, base_url: str, repeats: int = 5) -> Path:
    path.write_text(textwrap.dedent(f'''
        name = "cli"
        repeats = {repeats}
        seed = 4
        [[models]]
        name = "tiny"
        endpoints = ["{base_url}"]
        concurrency = 4
        [dilemmas]
        status = ["accepted"]
    '''))
    return path
