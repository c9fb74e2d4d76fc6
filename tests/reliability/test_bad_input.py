"""Hostile or broken input files: each gives one line that names the file, line or field and what to
do, exits non-zero, and leaves the study byte for byte as it was."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
from pathlib import Path

import pytest

from valuegap_tui.cli import main
from valuegap_tui.paths import DATA_DIR
from valuegap_tui.store import open_study
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.dataset.transfer import read_dilemmas

SAMPLE = DATA_DIR / "sample" / "dilemmas.jsonl"


def study_digest(path: Path) -> str:
    """The study's bytes with its write-ahead log: any stored change alters one of them (an empty log,
    left by a connection still open, holds nothing)."""
    digest = hashlib.sha256()
    for part in (path, Path(f"{path}-wal")):
        digest.update(part.read_bytes() if part.exists() else b"")
    return digest.hexdigest()


@pytest.fixture
def study_path(tmp_path) -> Path:
    path = tmp_path / "study.db"
    study = open_study(path, create=True)
    dilemma_store.save_many(study, read_dilemmas(SAMPLE), who="test", action="import")
    study.close()
    return path


def sample_lines() -> list[str]:
    return [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def fails_cleanly(capsys, study_path: Path, *argv: str) -> str:
    """Run the command; it must fail with one line on stderr and leave the study unchanged."""
    # Connections left by earlier commands close (and checkpoint their log into the file) when
    # collected: collect them now, so only this command's writes could change the bytes.
    gc.collect()
    before = study_digest(study_path)
    code = main([*argv, "--study", str(study_path)])
    gc.collect()
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert study_digest(study_path) == before
    return err


def sample_csv() -> tuple[list[str], list[dict]]:
    from valuegap_tui.dataset.transfer import dilemmas_to_csv

    text = dilemmas_to_csv(read_dilemmas(SAMPLE))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames), list(reader)


def write_csv(path: Path, fields: list[str], rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- dilemma import ---------------------------------------------------------------------------------
def test_csv_cell_over_the_field_limit(capsys, study_path, tmp_path):
    fields, rows = sample_csv()
    rows[1]["scenario"] = "x" * 200_000
    path = write_csv(tmp_path / "huge.csv", fields, rows)
    err = fails_cleanly(capsys, study_path, "import", str(path))
    assert "huge.csv, line 3" in err
    assert "131,072" in err and "quote" in err


def test_csv_with_an_unclosed_quote_names_the_row_where_it_opens(capsys, study_path, tmp_path):
    fields, rows = sample_csv()
    path = write_csv(tmp_path / "unclosed.csv", fields, rows[:1])
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write('wisdom--work_orientation--1,wisdom,"work_orientation\n' + "no closing quote\n" * 10_000)
    err = fails_cleanly(capsys, study_path, "import", str(path))
    assert "unclosed.csv, line 3" in err and "quote" in err


def test_jsonl_nested_too_deeply(capsys, study_path, tmp_path):
    lines = sample_lines()
    lines.insert(2, '{"notes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = fails_cleanly(capsys, study_path, "import", str(path))
    assert "deep.jsonl, line 3" in err and "nested" in err


def test_jsonl_number_with_5000_digits(capsys, study_path, tmp_path):
    record = json.loads(sample_lines()[0])
    path = tmp_path / "digits.jsonl"
    path.write_text(json.dumps(record) + "\n" + json.dumps(record).replace('"variant": 1', '"variant": ' + "9" * 5000)
                    + "\n", encoding="utf-8")
    err = fails_cleanly(capsys, study_path, "import", str(path))
    assert "digits.jsonl, line 2" in err and "digits" in err


def test_jsonl_variant_too_large_for_the_database(capsys, study_path, tmp_path):
    record = json.loads(sample_lines()[0])
    record.pop("id")
    record["variant"] = 10**30
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    err = fails_cleanly(capsys, study_path, "import", str(path))
    assert "big.jsonl, line 1, field variant" in err


def test_import_of_a_binary_file(capsys, study_path, tmp_path):
    path = tmp_path / "photo.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" * 50)
    err = fails_cleanly(capsys, study_path, "import", str(path))
    assert "photo.jsonl" in err and "UTF-8" in err


def test_duplicate_ids_name_their_lines(capsys, study_path, tmp_path):
    lines = sample_lines()
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join([lines[0], "", lines[1], lines[0]]) + "\n", encoding="utf-8")
    err = fails_cleanly(capsys, study_path, "import", str(path))
    assert "lines 1 and 4" in err and "records" not in err


def test_duplicate_ids_in_csv_name_their_lines(capsys, study_path, tmp_path):
    fields, rows = sample_csv()
    path = write_csv(tmp_path / "dup.csv", fields, [rows[0], rows[1], rows[0]])
    err = fails_cleanly(capsys, study_path, "import", str(path))
    assert "lines 2 and 4" in err


def test_csv_with_a_byte_order_mark_imports(capsys, study_path, tmp_path):
    fields, rows = sample_csv()
    plain = write_csv(tmp_path / "plain.csv", fields, rows)
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    assert main(["import", str(path), "--study", str(study_path)]) == 0
    assert "imported 8 dilemmas" in capsys.readouterr().out


def test_jsonl_with_a_byte_order_mark_imports(capsys, study_path, tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE.read_bytes())
    assert main(["import", str(path), "--study", str(study_path)]) == 0


# --- personas import --------------------------------------------------------------------------------
def persona_line(**changes) -> str:
    from valuegap_tui.personas import generate_personas

    record = next(p for p in generate_personas() if p.kind == "moderate").to_record()
    record.update({"seed": None, **changes})
    return json.dumps(record)


@pytest.mark.parametrize("line, expected", [
    ('{"notes": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested"),
    (persona_line().replace('"seed": null', '"seed": ' + "7" * 5000), "digits"),
    (persona_line(seed=10**30), "field seed"),
])
def test_personas_import_hostile_lines(capsys, study_path, tmp_path, line, expected):
    path = tmp_path / "personas.jsonl"
    path.write_text(persona_line(id="fine") + "\n" + line + "\n", encoding="utf-8")
    err = fails_cleanly(capsys, study_path, "personas", "import", str(path))
    assert "personas.jsonl, line 2" in err and expected in err


def test_personas_import_binary_and_bom(capsys, study_path, tmp_path):
    binary = tmp_path / "personas.jsonl"
    binary.write_bytes(b"\xff\xd8\xff\xe0" * 40)
    err = fails_cleanly(capsys, study_path, "personas", "import", str(binary))
    assert "UTF-8" in err
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + persona_line().encode() + b"\n")
    assert main(["personas", "import", str(bom), "--study", str(study_path)]) == 0


# --- run definitions --------------------------------------------------------------------------------
RUN = '''
[[models]]
name = "m"
endpoints = ["{endpoint}"]
{extra}
[dilemmas]
{filters}
'''


def run_toml(tmp_path, endpoint="http://127.0.0.1:9/v1", extra="", filters="status = []", name="run.toml") -> Path:
    path = tmp_path / name
    path.write_text(RUN.format(endpoint=endpoint, extra=extra, filters=filters), encoding="utf-8")
    return path


def test_run_start_on_a_binary_file(capsys, study_path, tmp_path):
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF\x03\x00\x00\x00\xff\xfe" * 100)
    err = fails_cleanly(capsys, study_path, "run", "start", str(path), "--plan-only")
    assert "model.gguf" in err and "UTF-8" in err


@pytest.mark.parametrize("body, expected", [
    ("[[models]\nname = ", "line 1"),
    ("seed = " + "9" * 5000 + "\n", "line 1"),
    ("seed = 1\nx = " + "[" * 5000 + "]" * 5000 + "\n", "nested"),
])
def test_run_start_on_broken_toml(capsys, study_path, tmp_path, body, expected):
    path = tmp_path / "broken.toml"
    path.write_text(body, encoding="utf-8")
    err = fails_cleanly(capsys, study_path, "run", "start", str(path), "--plan-only")
    assert "broken.toml" in err and expected in err


def test_ftp_endpoint_is_refused_before_anything_is_stored(capsys, study_path, tmp_path):
    path = run_toml(tmp_path, endpoint="ftp://gpu1/v1")
    err = fails_cleanly(capsys, study_path, "run", "start", str(path), "--plan-only")
    assert "run.toml" in err and "models.0.endpoints.0" in err and "http://" in err
    assert "ftp://gpu1/v1" in err


def test_unknown_profile_is_refused_before_anything_is_stored(capsys, study_path, tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('[[models]]\nname = "m"\nprofile = "nosuch"\n[dilemmas]\nstatus = []\n', encoding="utf-8")
    err = fails_cleanly(capsys, study_path, "run", "start", str(path), "--plan-only")
    assert "run.toml" in err and "models.0.profile" in err and "nosuch" in err
    assert "valuegap server list" in err


def test_unknown_persona_leaves_the_study_unchanged(capsys, study_path, tmp_path):
    path = run_toml(tmp_path)
    path.write_text('personas = ["moderat-secular"]\n' + path.read_text(), encoding="utf-8")
    err = fails_cleanly(capsys, study_path, "run", "start", str(path), "--plan-only")
    assert "personas" in err and "moderat-secular" in err and "valuegap personas list" in err


def test_unknown_value_in_the_filter_is_named_with_close_names(capsys, study_path, tmp_path):
    path = run_toml(tmp_path, filters='status = []\nvalues = ["wisdon"]')
    err = fails_cleanly(capsys, study_path, "run", "start", str(path), "--plan-only")
    assert "dilemmas.values" in err and "'wisdon'" in err and "wisdom" in err
    assert "no dilemmas match" not in err


@pytest.mark.parametrize("filters, field, close", [
    ('status = []\ntopics = ["politcs"]', "dilemmas.topics", "politics"),
    ('status = ["acepted"]', "dilemmas.status", "accepted"),
    ('status = []\nids = ["wisdom--politics--9"]', "dilemmas.ids", "wisdom--politics--1"),
])
def test_unknown_filter_values(capsys, study_path, tmp_path, filters, field, close):
    path = run_toml(tmp_path, filters=filters)
    err = fails_cleanly(capsys, study_path, "run", "start", str(path), "--plan-only")
    assert field in err and close in err


def test_import_batch_with_hostile_lines(capsys, study_path, tmp_path):
    path = run_toml(tmp_path)
    assert main(["run", "start", str(path), "--plan-only", "--study", str(study_path)]) == 0
    capsys.readouterr()
    for name, data in [
        ("deep.jsonl", ('{"custom_id": ' + "[" * 100_000 + "]" * 100_000 + "}\n").encode()),
        ("digits.jsonl", ('{"custom_id": "run1-item1-attempt1", "n": ' + "1" * 5000 + "}\n").encode()),
        ("binary.jsonl", b"\xff\xfe\x00\x00" * 30),
    ]:
        results = tmp_path / name
        results.write_bytes(data)
        err = fails_cleanly(capsys, study_path, "run", "import-batch", "1", str(results))
        assert name in err


# --- config file ------------------------------------------------------------------------------------
@pytest.mark.parametrize("body, expected", [
    (b"[servers\n", "line 1"),
    (b"\xff\xfe[servers]\n", "UTF-8"),
    (b"[servers.x]\nconcurrency = " + b"9" * 5000 + b"\n", "line 2"),
])
def test_malformed_config_file(capsys, study_path, tmp_path, monkeypatch, body, expected):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "config.toml").write_bytes(body)
    monkeypatch.setenv("VALUEGAP_CONFIG_DIR", str(config_dir))
    for argv in (["server", "list"], ["server", "probe", "--no-store"]):
        err = fails_cleanly(capsys, study_path, *argv)
        assert "config.toml" in err and expected in err


def test_resume_after_the_profile_is_gone(capsys, study_path, tmp_path):
    from valuegap_tui.config import config_path

    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[servers.lab]\nendpoints = ["http://127.0.0.1:9/v1"]\n', encoding="utf-8")
    path = tmp_path / "run.toml"
    path.write_text('[[models]]\nname = "m"\nprofile = "lab"\n[dilemmas]\nstatus = []\n', encoding="utf-8")
    assert main(["run", "start", str(path), "--plan-only", "--study", str(study_path)]) == 0
    capsys.readouterr()
    config_path().write_text("# the lab cluster is gone\n", encoding="utf-8")
    for argv in (["run", "resume", "1", "--plain"], ["run", "export-batch", "1", str(tmp_path / "b.jsonl")]):
        err = fails_cleanly(capsys, study_path, *argv)
        assert "run 1: models.0.profile" in err and "'lab'" in err


@pytest.mark.parametrize("argv, expected", [
    (["server", "probe", "--no-store", "--base-url", "ftp://gpu1/v1"], "--base-url"),
    (["generate", "--model", "m", "--base-url", "ftp://gpu1/v1"], "--base-url"),
    (["export", "/nonexistent-folder/out.jsonl"], "/nonexistent-folder/out.jsonl: cannot write"),
    (["personas", "export", "/nonexistent-folder/p.jsonl"], "/nonexistent-folder/p.jsonl: cannot write"),
])
def test_bad_command_line_values(capsys, study_path, argv, expected):
    err = fails_cleanly(capsys, study_path, *argv)
    assert expected in err


def test_bad_openai_base_url(capsys, study_path, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "ftp://gpu1/v1")
    err = fails_cleanly(capsys, study_path, "server", "list")
    assert "OPENAI_BASE_URL" in err and "http://" in err


@pytest.mark.parametrize("body, expected", [
    (b"\xff\xfe\x00[[variables]]", "UTF-8"),
    (b"x = " + b"[" * 5000 + b"]" * 5000, "nested"),
    (b"\n\nx = " + b"4" * 5000, "line 3"),
])
def test_broken_persona_variables_file(capsys, study_path, tmp_path, monkeypatch, body, expected):
    from valuegap_tui.catalogue import catalogue

    path = tmp_path / "variables.toml"
    path.write_bytes(body)
    monkeypatch.setenv("VALUEGAP_PERSONA_VARIABLES", str(path))
    catalogue.cache_clear()
    try:
        err = fails_cleanly(capsys, study_path, "personas", "variables")
    finally:
        monkeypatch.delenv("VALUEGAP_PERSONA_VARIABLES")
        catalogue.cache_clear()
    assert "variables.toml" in err and expected in err


def test_a_real_process_prints_one_line_and_no_traceback(study_path, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "notes.toml"
    path.write_bytes(b"\x00\xff" * 64)
    before = study_digest(study_path)
    done = subprocess.run([sys.executable, "-m", "valuegap_tui", "run", "start", str(path), "--study",
                           str(study_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("valuegap: ")
    assert study_digest(study_path) == before
