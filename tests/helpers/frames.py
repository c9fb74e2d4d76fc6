"""Answer frames against a row-by-row read of the study: items settled at random (every kind of state),
the same items read with joins one row at a time, and the frame's rows to compare them with."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import random

import numpy as np

from valuegap_tui.metrics.frame import Codes
from valuegap_tui.store import runs as run_store

SCORES = (3, 2, 1, -1, -2, -3)


def settle_at_random(study, run_id: int, seed: int) -> None:
    """Every kind of item state, interleaved with pending items: answered (some with a distribution),
    invalid (some refusals), server errors."""
    rng = random.Random(seed)
    updates = []
    for item in run_store.all_items(study, run_id):
        status = rng.choice(["pending", "answered", "answered", "invalid", "server_error"])
        choice = rng.randrange(6) if status == "answered" else None
        distribution = None
        if status == "answered" and rng.random() < 0.5:
            weights = [rng.random() for _ in range(6)]
            distribution = json.dumps([w / sum(weights) for w in weights])
        updates.append((status, choice, None if choice is None else rng.randrange(6),
                        None if choice is None else SCORES[choice], int(status == "invalid" and rng.random() < 0.5),
                        distribution, item.id))
    with study.transaction() as db:
        db.conn.executemany("UPDATE run_items SET status = ?, choice = ?, position = ?, score = ?, refusal = ?,"
                            " distribution_json = ? WHERE id = ?", updates)


def row_by_row(study, run_id: int) -> list[tuple]:
    rows = study.db.execute(
        "SELECT i.model, i.persona_id, p.kind, i.dilemma_id, d.value_id, d.topic_id, i.question, i.repeat, i.score,"
        " i.position, i.choice, i.refusal, i.status = 'server_error', i.distribution_json FROM run_items i"
        " JOIN run_personas p ON p.run_id = i.run_id AND p.persona_id = i.persona_id"
        " JOIN run_dilemmas d ON d.run_id = i.run_id AND d.dilemma_id = i.dilemma_id"
        " WHERE i.run_id = ? AND i.status != 'pending' ORDER BY i.id", [run_id]).fetchall()
    return [(m, p, k, d, v, t, q, r, np.nan if s is None else float(s), -1 if pos is None else pos,
             -1 if c is None else c, bool(ref), bool(err), json.loads(dist) if dist else None)
            for m, p, k, d, v, t, q, r, s, pos, c, ref, err, dist in rows]


def from_frame(frame) -> list[tuple]:
    columns = [frame.model.decode(), frame.persona.decode(), frame.persona_kind.decode(), frame.dilemma.decode(),
               frame.value.decode(), frame.topic.decode(), frame.question, frame.repeat, frame.score, frame.position,
               frame.choice, frame.refusal, frame.server_error]
    rows = []
    for index in range(len(frame)):
        row = [c[index].item() if hasattr(c[index], "item") else c[index] for c in columns]
        distribution = frame.distribution[index]
        rows.append((*row, None if np.isnan(distribution).all() else list(distribution)))
    return rows


def assert_same(expected: list[tuple], got: list[tuple]) -> None:
    assert len(got) == len(expected)
    for want, have in zip(expected, got):
        assert have[:8] == want[:8]
        assert (np.isnan(have[8]) and np.isnan(want[8])) or have[8] == want[8]
        assert have[9:13] == want[9:13]
        assert (have[13] is None) == (want[13] is None)
        if want[13] is not None:
            assert np.allclose(have[13], want[13])


def frame_bytes(frame) -> dict:
    """Every column of the frame as (dtype, shape, bytes), and every label."""
    out = {}
    for field in dataclasses.fields(frame):
        value = getattr(frame, field.name)
        if isinstance(value, Codes):
            out[field.name] = (value.codes.dtype.str, value.codes.shape, value.codes.tobytes(), value.labels)
        elif isinstance(value, np.ndarray):
            out[field.name] = (value.dtype.str, value.shape, value.tobytes())
        else:
            out[field.name] = value
    return out


def frame_digest(frame) -> str:
    """A hash of ``frame_bytes``: two processes' frames compared."""
    return hashlib.sha256(pickle.dumps(sorted(frame_bytes(frame).items()))).hexdigest()
