"""The simulated respondent answering a batch request file offline, in the shape of the target the file
was written for (``valuegap simulate --batch IN OUT``), so a batch round trip is tested end to end.

Answers are the same as the simulated server's for the same request (the same seeded behaviour);
Anthropic's requests carry no seed, so theirs are seeded by the custom_id. ``expire`` leaves a share of
the requests unanswered, as a batch that expires does.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from valuegap_tui.evaluate.batch.targets import TARGETS, BatchError, target_of_request
from valuegap_tui.simulator.respondent import BadRequest, Simulator
from valuegap_tui.simulator.params import SimulatorParams


def answer_batch(in_path: Path | str, out_path: Path | str, params: SimulatorParams, *,
                 study_path: Path | str | None = None, target: str | None = None, expire: float = 0.0) -> Counter:
    """Answer every request line of ``in_path`` into ``out_path``; returns the count of each kind of result."""
    simulator = Simulator(params, study_path)
    ends = random.Random(f"expire:{params.seed}")
    counts: Counter = Counter()
    out_path = Path(out_path)
    part = out_path.with_name(f".{out_path.name}.part")
    with open(in_path, encoding="utf-8") as source, open(part, "w", encoding="utf-8") as out:
        for number, text in enumerate(source, start=1):
            if not text.strip():
                continue
            try:
                request = json.loads(text)
                engine = TARGETS[target] if target else target_of_request(request)
                custom_id = request["custom_id"]
                body = engine.body_of(request)
            except (ValueError, KeyError, TypeError, BatchError) as exc:
                raise BatchError(f"{in_path}:{number}: not a batch request line ({exc})") from None
            if expire and ends.random() < expire:
                line, kind = engine.result_line(custom_id, end="expired"), "expired"
            else:
                try:
                    line, kind = engine.result_line(custom_id, simulator.respond(body)), "answered"
                except BadRequest as exc:
                    line, kind = engine.result_line(custom_id, failure=(400, str(exc))), "errored"
            counts[kind] += 1
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    part.replace(out_path)
    return counts
