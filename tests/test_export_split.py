"""A large CSV export written by two processes (export/split_csv.py) is byte for byte the file one
process writes, and the csv module's own encoding of every row: awkward text included (quotes, commas,
CR and LF, unicode, ESC, NUL, BEL), across two runs and with the cut anywhere; a run that writes between
the two processes' snapshots, or a second process that fails, leaves the file as one snapshot's rows."""

from __future__ import annotations

import csv
import io
import json

import pytest

from valuegap_tui.dataset.transfer import read_dilemmas
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.export import export_answers, split_csv
from valuegap_tui.export.columns import COLUMN_NAMES
from valuegap_tui.export.rows import answer_rows, stretch_parts
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.runs import Attempt

AWKWARD = ('He said "no, never", twice\r\nthen\nleft', "ümlaut, 漢字 and 🙂", "\x1b[31mred\x07\x00 \u202e end",
           '"', ",", "", " leading space", "tab\there", "B")


def _runs(study, sample_path) -> list[int]:
    """Two runs, every item answered, some twice: replies, reasoning and errors with awkward text,
    distributions, missing values."""
    dilemma_store.save_many(study, read_dilemmas(sample_path), who="t", action="import")
    run_ids = []
    for seed in (1, 2):
        definition = RunDefinition.model_validate(dict(
            models=[{"name": f"m{seed}, \"quoted\"", "endpoints": ["http://127.0.0.1:1"]}, {"name": "plain", "endpoints": ["http://127.0.0.1:1"]}],
            dilemmas={"status": []}, seed=seed, repeats=2))
        run_id = create_run(study, definition)
        attempts = []
        for k, item in enumerate(run_store.all_items(study, run_id)):
            text = AWKWARD[k % len(AWKWARD)]
            if k % 4 == 0:
                attempts.append(Attempt(item.id, 1, "malformed", "pending", raw_text=text, reasoning=AWKWARD[(k + 1) % 9],
                                        error=AWKWARD[(k + 2) % 9], error_kind="http_5xx", latency_s=k / 7))
            position = k % 6
            choice = int(item.permutation[position])
            attempts.append(Attempt(item.id, 2 if k % 4 == 0 else 1, "valid", "answered", letter="ABCDEF"[position],
                                    position=position, choice=choice, score=(3, 2, 1, -1, -2, -3)[choice],
                                    raw_text=text, latency_s=0.1 + k / 3, prompt_tokens=300 + k, completion_tokens=1,
                                    distribution=[0.1, 0.2, 0.3, 0.15, 0.15, 0.1] if k % 5 == 0 else None,
                                    covered_mass=0.97 if k % 5 == 0 else None, finish_reason="stop"))
        run_store.record_attempts(study, run_id, attempts)
        run_ids.append(run_id)
    return run_ids


def _csv_module_file(study, run_ids) -> bytes:
    """The reference: the csv module's encoding of every row, header first."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerows(answer_rows(study, run_ids))
    return out.getvalue().encode("utf-8")


def _export(study, run_ids, path, workers):
    result = export_answers(study, run_ids, path, workers=workers)
    return path.read_bytes(), json.loads(path.with_name(path.name + ".dictionary.json").read_text()), result.rows


def test_two_processes_write_the_file_one_process_writes(study, sample_path, tmp_path, monkeypatch):
    run_ids = _runs(study, sample_path)
    one, one_dictionary, rows = _export(study, run_ids, tmp_path / "one.csv", workers=1)
    assert one == _csv_module_file(study, run_ids) and rows > 100
    assert all(text.encode() in one.replace(b'""', b'"') for text in AWKWARD)
    monkeypatch.setattr(split_csv, "SPLIT_FROM", 1)
    started = []
    real_start = split_csv.start_part
    monkeypatch.setattr(split_csv, "start_part", lambda *a: started.append(a[1]) or real_start(*a))
    for share in (0.5, 0.8, 0.2):  # the cut inside the first run, inside the second, near the start
        monkeypatch.setattr(split_csv, "SECOND_SHARE", share)
        two, two_dictionary, two_rows = _export(study, run_ids, tmp_path / f"two-{share}.csv", workers=2)
        assert two == one, share
        assert two_rows == rows and two_dictionary["sha256"] == one_dictionary["sha256"]
        assert two_dictionary["rows"] == one_dictionary["rows"] == rows
    assert len(started) == 3 and all(started)
    assert not list(tmp_path.glob(".answers-*"))  # the part files are gone


def test_the_stretches_cover_every_row_once_in_order(study, sample_path):
    run_ids = _runs(study, sample_path)
    every = list(stretch_parts(study, [(run_id, None, None) for run_id in run_ids]))
    for share in (0.0, 0.1, 0.5, 0.75, 1.0):
        first, second = split_csv.split(study, run_ids, share)
        assert list(stretch_parts(study, first)) + list(stretch_parts(study, second)) == every, share


def test_a_run_writing_between_the_snapshots_leaves_the_file_as_one_snapshot(study, sample_path, tmp_path,
                                                                             monkeypatch):
    run_ids = _runs(study, sample_path)
    before = _export(study, run_ids, tmp_path / "before.csv", workers=1)[0]
    monkeypatch.setattr(split_csv, "SPLIT_FROM", 1)
    real_start = split_csv.start_part

    def writing_meanwhile(*args):
        with open_study(study.path) as other:  # another process's run stores an answer now
            items = run_store.all_items(other, run_ids[1])
            run_store.record_attempts(other, run_ids[1], [Attempt(items[-1].id, 9, "no_letter", "pending",
                                                                  raw_text="late")])
        return real_start(*args)

    monkeypatch.setattr(split_csv, "start_part", writing_meanwhile)
    during, _, rows = _export(study, run_ids, tmp_path / "during.csv", workers=2)
    assert during == before  # the rows of the snapshot the export began with, not half of each
    after = _export(study, run_ids, tmp_path / "after.csv", workers=1)
    assert after[2] == rows + 1 and b"late" in after[0]


def test_a_second_process_that_fails_leaves_the_first_to_write_its_stretch(study, sample_path, tmp_path, monkeypatch):
    run_ids = _runs(study, sample_path)
    one = _export(study, run_ids, tmp_path / "one.csv", workers=1)[0]
    monkeypatch.setattr(split_csv, "SPLIT_FROM", 1)
    monkeypatch.setattr(split_csv.sys, "executable", "/bin/false")
    assert _export(study, run_ids, tmp_path / "failed.csv", workers=2)[0] == one


@pytest.mark.parametrize("workers", [1, None])
def test_small_exports_are_written_by_one_process(study, sample_path, tmp_path, monkeypatch, workers):
    run_ids = _runs(study, sample_path)
    monkeypatch.setattr(split_csv, "start_part", lambda *a: pytest.fail("a second process for a small export"))
    assert _export(study, run_ids, tmp_path / "small.csv", workers=workers)[0] == _csv_module_file(study, run_ids)


def test_a_first_half_that_fails_stops_the_second_process(study, sample_path, tmp_path, monkeypatch):
    """The disk fills while this process writes its half: the export fails (the caller says so), and the
    second process does not go on writing a part file nobody will read."""
    import subprocess

    run_ids = _runs(study, sample_path)
    monkeypatch.setattr(split_csv, "SPLIT_FROM", 1)
    started = []

    def slow_part(*args):
        started.append(subprocess.Popen(["sleep", "30"]))
        return started[0]

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(split_csv, "start_part", slow_part)
    monkeypatch.setattr(split_csv, "write_csv", full_disk)
    with pytest.raises(OSError):
        with open(tmp_path / "full.csv", "w", newline="") as fh:
            split_csv.write_csv_split(study, run_ids, fh, tmp_path, workers=2)
    assert started and started[0].poll() is not None
    assert not list(tmp_path.glob(".answers-*.part"))
