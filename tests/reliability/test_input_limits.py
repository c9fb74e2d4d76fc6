"""Every reader is bounded: zip members by declared and actual size (streamed, refused past the cap),
JSON nesting depth, text field length (JSONL as CSV), a device that never ends. Each refusal names the
cap and how to raise it; raising it lets the same input in. (bench/import_limits.py measures the peak
memory of a 1.5 GiB zip bomb; these use small bombs and check the refusal and that reading stops early.)"""

from __future__ import annotations

import json
import time
import tracemalloc

import pytest

from tests.reliability.hostile import (SAMPLE, bomb, dump_digest, record, run_toml, sample_csv, set_cell, via_csv,
                                       zip_bytes)
from valuegap_tui import limits
from valuegap_tui.cli import main
from valuegap_tui.designs.via.importer import MAX_PROBLEMS, ShenFileError, read_shen
from valuegap_tui.limits import LimitError, Limits, parse_json


@pytest.fixture
def bytes_read(monkeypatch):
    """The most bytes any capped stream read in the test."""
    seen = [0]
    real = limits.CappedReader.readinto

    def counting(self, buffer):
        n = real(self, buffer)
        seen[0] = max(seen[0], self.read_so_far)
        return n

    monkeypatch.setattr(limits.CappedReader, "readinto", counting)
    return seen


def peak_of(call) -> tuple[int, object]:
    tracemalloc.start()
    try:
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 - the refusal is the result
            result = exc
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def test_a_zip_member_past_the_cap_is_refused_by_its_declared_size_before_a_byte_is_inflated(tmp_path, monkeypatch,
                                                                                              bytes_read):
    path = tmp_path / "bomb.zip"
    path.write_bytes(bomb(32))
    assert path.stat().st_size < 1024 * 1024  # 32 MiB of CSV in a small file
    monkeypatch.setenv("VALUEGAP_MAX_INPUT_MB", "8")
    started = time.perf_counter()
    peak, refused = peak_of(lambda: read_shen(path))
    assert isinstance(refused, ShenFileError)
    assert "via.csv holds 32.0 MiB, over the cap of 8 MiB" in str(refused)
    assert "VALUEGAP_MAX_INPUT_MB" in str(refused) and "[limits] input_mb" in str(refused)
    assert bytes_read[0] == 0 and peak < 2 * 1024 * 1024 and time.perf_counter() - started < 5


def test_a_bomb_under_the_cap_is_streamed_and_reading_stops_at_the_first_ten_thousand_unusable_rows(tmp_path,
                                                                                                     bytes_read):
    path = tmp_path / "bomb.zip"
    path.write_bytes(bomb(32))  # one row repeated: every row after the first is a second copy
    peak, refused = peak_of(lambda: read_shen(path))
    assert isinstance(refused, ShenFileError) and f"more than {MAX_PROBLEMS:,} unusable rows" in str(refused)
    assert 0 < bytes_read[0] < 4 * 1024 * 1024  # of 32 MiB: it stopped early
    assert peak < 32 * 1024 * 1024


def test_a_member_of_one_endless_line_is_never_held_whole(tmp_path, bytes_read):
    import zipfile

    path = tmp_path / "line.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("via.csv", "w") as member:
            member.write(b",,country,topic,value,polarity,generation_prompt\n")
            for _ in range(16):
                member.write(b"x" * 1024 * 1024)
    peak, refused = peak_of(lambda: read_shen(path))
    assert isinstance(refused, ShenFileError) and "line 2 is longer than 1,048,576 characters" in str(refused)
    assert "VALUEGAP_MAX_FIELD_CHARS" in str(refused)
    assert bytes_read[0] < 3 * 1024 * 1024 and peak < 16 * 1024 * 1024  # of 16 MiB on one line


def test_a_member_that_holds_more_than_it_declares_is_refused(tmp_path, bytes_read):
    path = tmp_path / "forged.zip"
    good = via_csv().encode()
    path.write_bytes(zip_bytes({"via.csv": good * 2000}, declared={"via.csv": len(good)}))
    with pytest.raises(ShenFileError, match="cannot read"):
        read_shen(path)
    assert bytes_read[0] <= len(good)  # no more than it declared was ever read


@pytest.mark.parametrize("argv, cap", [
    (["import", "/dev/zero", "--format", "jsonl"], ("2 MiB", "VALUEGAP_MAX_INPUT_MB")),
    (["import-shen", "/dev/zero"], ("longer than 1,048,576 characters", "VALUEGAP_MAX_FIELD_CHARS")),  # read as lines
    (["run", "import-batch", "1", "/dev/zero"], ("2 MiB", "VALUEGAP_MAX_INPUT_MB")),
    (["review", "merge", "/dev/zero"], ("2 MiB", "VALUEGAP_MAX_INPUT_MB")),
    (["respond", "import", "/dev/zero"], ("2 MiB", "VALUEGAP_MAX_INPUT_MB")),
])
def test_a_device_that_never_ends_is_read_up_to_the_cap_and_refused(tmp_path, monkeypatch, capsys, argv, cap):
    study = tmp_path / "s.db"
    assert main(["import", str(SAMPLE), "--study", str(study)]) == 0
    (tmp_path / "run.toml").write_text(run_toml(), encoding="utf-8")
    assert main(["run", "start", str(tmp_path / "run.toml"), "--plan-only", "--study", str(study)]) == 0
    before = dump_digest(study)
    monkeypatch.setenv("VALUEGAP_MAX_INPUT_MB", "2")
    capsys.readouterr()
    assert main([*argv, "--study", str(study)]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and all(word in err for word in cap), err
    assert dump_digest(study) == before


def test_field_length_is_capped_the_same_in_jsonl_and_csv_and_the_cap_can_be_raised(tmp_path, monkeypatch, capsys):
    long = "You decide. " + "x" * 200_000
    as_jsonl = tmp_path / "long.jsonl"
    as_jsonl.write_text(json.dumps(record(scenario=long)) + "\n", encoding="utf-8")
    as_csv = tmp_path / "long.csv"
    as_csv.write_text(sample_csv(set_cell("scenario", long)), encoding="utf-8")
    for path in (as_jsonl, as_csv):
        assert main(["import", str(path), "--study", str(tmp_path / "s.db")]) == 2
        err = capsys.readouterr().err
        assert "131,072" in err and "VALUEGAP_MAX_FIELD_CHARS" in err and "[limits] field_chars" in err, err
    monkeypatch.setenv("VALUEGAP_MAX_FIELD_CHARS", "300000")
    for path in (as_jsonl, as_csv):
        assert main(["import", str(path), "--study", str(tmp_path / "s.db")]) == 0, capsys.readouterr().err


def test_json_nesting_is_capped_and_the_cap_can_be_raised():
    seventy = "[" * 70 + "]" * 70
    with pytest.raises(LimitError, match="nested more than 64 levels") as caught:
        parse_json(seventy)
    assert "VALUEGAP_MAX_JSON_DEPTH" in str(caught.value)
    assert parse_json(seventy, Limits(json_depth=100)) is not None
    with pytest.raises(LimitError, match="nested more than 100 levels"):  # past the parser's own recursion
        parse_json("[" * 100_000 + "]" * 100_000, Limits(json_depth=100))
    assert parse_json('{"a": [{"b": [1]}]}') == {"a": [{"b": [1]}]}


def test_a_nul_is_refused_in_a_record_but_kept_in_a_models_reply():
    with pytest.raises(LimitError, match="NUL") as caught:
        parse_json('{"scenario": "a\\u0000b"}')
    assert caught.value.field == "scenario"
    assert parse_json('{"text": "a\\u0000b"}', allow_nul=True) == {"text": "a\x00b"}
