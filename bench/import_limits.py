"""Peak memory and time of `valuegap import-shen` on zip bombs: a small zip holding a huge CSV member.

    python bench/import_limits.py              # 1.5 GiB members (target: peak at most 300 MB)
    python bench/import_limits.py --mib 256    # smaller, quicker

Each case runs `valuegap import-shen BOMB` in its own process; the figures are that process's peak
resident memory (from wait4) and its wall time, from process start to exit. Making the bomb is
outside the timer. Cases:

- *declared*: the member says how big it is (as every zip tool writes it): refused by that size,
  before a byte is inflated, at the default cap of 256 MiB;
- *streamed*: the same bomb with the cap raised past it (VALUEGAP_MAX_INPUT_MB): the member is read
  as a stream, never whole; its rows repeat one row, and reading stops at the first 10,000 unusable;
- *one line*: a member that is one endless line, cap raised: stopped by the field length cap.

The issue this answers measured 60 s and 12.6 GB before refusing a 2 MB zip of a 2 GiB CSV.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HEADER = b",,country,topic,value,polarity,generation_prompt\n"
ROW = b'0,0,Nigeria,politics,wisdom,positive,"{""Human Action"": ""You vote."", ""Natural Language Explanation"": ""x""}"\n'


def make_bomb(path: Path, mib: int, line: bytes | None) -> None:
    """A zip whose one CSV member holds ``mib`` MiB: ``line`` repeated, or one line without an end."""
    chunk = (line * (1024 * 1024 // len(line)) if line else b"x" * (1024 * 1024))[: 1024 * 1024]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("via.csv", "w", force_zip64=True) as member:
            member.write(HEADER)
            for _ in range(mib):
                member.write(chunk)


def measure(bomb: Path, study: Path, env: dict[str, str]) -> tuple[float, float, int, str]:
    """(peak MB, seconds, exit status, the refusal line) of one import in a fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "valuegap_tui", "import-shen", str(bomb), "--study", str(study)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **env})
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    err = process.stderr.read().decode("utf-8", "replace").strip().splitlines()
    process.stderr.close()
    return usage.ru_maxrss / 1024, seconds, os.waitstatus_to_exitcode(status), (err[-1] if err else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=1536, help="size of the CSV member in MiB (default 1536: 1.5 GiB)")
    args = parser.parse_args()
    raised = {"VALUEGAP_MAX_INPUT_MB": str(args.mib * 2)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        study = folder / "via.db"
        subprocess.run([sys.executable, "-m", "valuegap_tui", "init", "--design", "via", "--study", str(study)],
                       check=True, stdout=subprocess.DEVNULL)
        rows, line = folder / "rows.zip", folder / "line.zip"
        make_bomb(rows, args.mib, ROW)
        make_bomb(line, args.mib, None)
        print(f"bombs: {args.mib:,} MiB of CSV in {rows.stat().st_size / 1e6:.1f} MB (repeated rows) and"
              f" {line.stat().st_size / 1e6:.1f} MB (one line)")
        print(f"{'case':<10} {'cap':>9} {'peak MB':>8} {'seconds':>8} exit  refusal")
        worst = 0.0
        for name, bomb, env in (("declared", rows, {}), ("streamed", rows, raised), ("one line", line, raised)):
            peak, seconds, code, message = measure(bomb, study, env)
            worst = max(worst, peak)
            cap = f"{env.get('VALUEGAP_MAX_INPUT_MB', '256')} MiB"
            print(f"{name:<10} {cap:>9} {peak:>8.0f} {seconds:>8.2f} {code:>4}  {message[:150]}")
        print(f"worst peak: {worst:.0f} MB (target: at most 300 MB); every case exits non-zero and writes nothing")


if __name__ == "__main__":
    main()
