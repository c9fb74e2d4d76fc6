"""A run's pending items as batch request files: one model a file, split by the target's limits, with a
manifest (``manifest.json``) naming each file, its model, lines, bytes, SHA-256 and custom_id range, and
the run's configuration hash.

A request's custom_id is ``run<R>-item<I>-attempt<A>``: the attempt the answer will be stored as. Items
stay pending until their answers are imported; exporting again writes the same ids until then.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from valuegap_tui.evaluate.clients import profile_for_spec
from valuegap_tui.evaluate.questions import QuestionTexts, RequestMaker, system_text_for
from valuegap_tui.evaluate.batch.targets import TARGETS, BatchError
from valuegap_tui.server.client import ModelPool
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.db import Study, now_iso

#: what export-batch writes: items still to ask and items whose requests failed on the server
EXPORTED = ("pending", "server_error")
MANIFEST = "manifest.json"
FORMAT = "valuegap-batch-export/1"


@dataclass
class BatchFile:
    file: str
    model: str
    lines: int = 0
    bytes: int = 0
    sha256: str = ""
    first_custom_id: str = ""
    last_custom_id: str = ""


@dataclass
class Manifest:
    run: int
    run_name: str
    config_hash: str
    target: str
    max_lines: int | None
    max_bytes: int | None
    created_at: str
    files: list[BatchFile] = field(default_factory=list)
    format: str = FORMAT

    @property
    def lines(self) -> int:
        return sum(f.lines for f in self.files)

    def to_json(self) -> str:
        data = asdict(self)
        data["models"] = {}
        for f in self.files:
            entry = data["models"].setdefault(f.model, {"lines": 0, "files": []})
            entry["lines"] += f.lines
            entry["files"].append(f.file)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def custom_id(run_id: int, item: run_store.ItemRow) -> str:
    return f"run{run_id}-item{item.id}-attempt{item.attempts + 1}"


def _slug(model: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in model)[:60] or "model"


class _Writer:
    """Lines for one model, into as many files as the limits ask; each written under a temporary name."""

    def __init__(self, out_dir: Path, stem: str, model: str, max_lines: int | None, max_bytes: int | None):
        self.out_dir, self.stem, self.model = out_dir, stem, model
        self.max_lines, self.max_bytes = max_lines, max_bytes
        self.files: list[BatchFile] = []
        self._handle = self._digest = None

    def add(self, custom_id: str, line: str) -> None:
        data = (line + "\n").encode("utf-8")
        if self.max_bytes is not None and len(data) > self.max_bytes:
            raise BatchError(f"one request of {self.model} is {len(data):,} bytes, over the {self.max_bytes:,}-byte"
                             " limit a file may hold: raise --max-bytes")
        current = self.files[-1] if self._handle is not None else None
        if current is None or (self.max_lines is not None and current.lines >= self.max_lines) or \
                (self.max_bytes is not None and current.bytes + len(data) > self.max_bytes):
            self._close()
            current = BatchFile(f"{self.stem}-{_slug(self.model)}-{len(self.files) + 1:03d}.jsonl", self.model,
                                first_custom_id=custom_id)
            self.files.append(current)
            self._handle = open(self.out_dir / f".{current.file}.part", "wb")
            self._digest = hashlib.sha256()
        self._handle.write(data)
        self._digest.update(data)
        current.lines += 1
        current.bytes += len(data)
        current.last_custom_id = custom_id

    def _close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self.files[-1].sha256 = self._digest.hexdigest()
            self._handle = None

    def finish(self) -> list[BatchFile]:
        self._close()
        for f in self.files:  # complete files only, under their names
            os.replace(self.out_dir / f".{f.file}.part", self.out_dir / f.file)
        return self.files

    def abandon(self) -> None:
        if self._handle is not None:
            self._handle.close()
        for f in self.files:
            (self.out_dir / f".{f.file}.part").unlink(missing_ok=True)


def export_batch(study: Study, run_id: int, out_dir: Path | str, *, target: str = "openai",
                 max_lines: int | None = None, max_bytes: int | None = None, model: str | None = None,
                 retry_invalid: bool = False) -> Manifest:
    """Write the run's pending and server-error items (and invalid ones with ``retry_invalid``) as request
    files for ``target`` in ``out_dir``, one model a file and at most ``max_lines`` / ``max_bytes`` a file
    (default: the target's limits), and the manifest; returns it."""
    if target not in TARGETS:
        raise BatchError(f"unknown target {target!r}: one of {', '.join(TARGETS)}")
    engine = TARGETS[target]
    max_lines = engine.max_lines if max_lines is None else max_lines
    max_bytes = engine.max_bytes if max_bytes is None else max_bytes
    run = run_store.get_run(study, run_id)
    if run is None:
        raise BatchError(f"no run {run_id}")
    definition = run.definition
    models = [m for m in definition.models if model is None or m.name == model]
    if not models:
        raise BatchError(f"run {run_id} has no model {model!r} (its models: "
                         f"{', '.join(m.name for m in definition.models)})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    personas = run_store.personas_of(study, run_id)
    questions = QuestionTexts(run_store.dilemmas_of(study, run_id), _design_of(run))
    make_request = RequestMaker(definition)
    statuses = EXPORTED + (("invalid",) if retry_invalid else ())
    manifest = Manifest(run_id, run.name, run.config_hash, target, max_lines, max_bytes, now_iso())
    for spec in models:
        # OpenAI takes a choice constraint as a json_schema; vLLM as structured_outputs, as a live run sends it
        pool = ModelPool(profile_for_spec(spec), constraint="json_schema" if target == "openai" else None)
        writer = _Writer(out_dir, f"run{run_id}-{target}", spec.name, max_lines, max_bytes)
        try:
            after = 0
            while rows := run_store.pending_items(study, run_id, after_id=after, limit=5000, model=spec.name,
                                                  statuses=statuses):
                after = rows[-1].id
                for item in rows:
                    persona_text = personas[item.persona_id].system_text
                    prompt, shown = questions.question(item.dilemma_id, item.question, item.permutation,
                                                       item.protocol, persona_text)
                    seed = (definition.seed * 1_000_003 + item.id * 31 + item.attempts + 1) % 2**31
                    request = make_request(system_text_for(persona_text, item.protocol), prompt, seed=seed,
                                           n_options=len(shown))
                    cid = custom_id(run_id, item)
                    line = engine.request_line(cid, pool.build_body(request, spec.name))
                    writer.add(cid, json.dumps(line, ensure_ascii=False))
            manifest.files += writer.finish()
        except BaseException:
            writer.abandon()
            raise
    _write_atomically(out_dir / MANIFEST, manifest.to_json())
    return manifest


def _design_of(run):
    from valuegap_tui.designs import get_design

    return get_design(run.design)


def _write_atomically(path: Path, text: str) -> None:
    part = path.with_name(f".{path.name}.part")  # created with the user's umask, as the request files are
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)


def read_manifest(path: Path | str) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BatchError(f"{path}: not a batch manifest ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BatchError(f"{path}: not a valuegap batch manifest")
    return data
