from __future__ import annotations

import hashlib
import json

import pytest

from valuegap_tui.cli import main
from valuegap_tui.store import open_study
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.dataset.transfer import CSV_COLUMNS, ImportFailure, read_dilemmas
from tests.helpers.dilemmas import make_dilemma, sample_records

NASTY = [
    "[bold]x[/]", "[link=http://x]y[/link]", "\x1b[31mred\x1b[0m and \x1b]8;;http://e\x1b\\link",
    "ünïcödé — 漢字 🙂 \u2028 sep \x85", "line one\nline two\r\nline three", 'quotes "double" and \'single\', commas, ;',
]


def _nasty_study(path):
    s = open_study(path, create=True)
    dilemmas = [
        make_dilemma(value="wisdom", topic="politics", scenario=" ".join(NASTY), texts=[f"{t} #{i}" for i, t in enumerate(NASTY)],
                     notes="[/] unbalanced [red", flags=["near_duplicate", "[b]flag"]),
        make_dilemma(value="honest", topic="religion", variant=3, scenario="plain", status="needs-edit"),
    ]
    dilemma_store.save_many(s, dilemmas, who="tester", action="import")
    return s


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_import_round_trip_is_exact(tmp_path, fmt):
    source = _nasty_study(tmp_path / "a.db")
    first = tmp_path / f"first.{fmt}"
    assert main(["export", str(first), "--study", str(source.path)]) == 0
    # "[b]flag" is a flag of the study's own: named to be imported (an unknown flag is refused)
    assert main(["import", str(first), "--allow-flag", "[b]flag", "--study", str(tmp_path / "b.db")]) == 0
    second = tmp_path / f"second.{fmt}"
    assert main(["export", str(second), "--study", str(tmp_path / "b.db")]) == 0
    assert first.read_bytes() == second.read_bytes()
    copy = open_study(tmp_path / "b.db")
    assert list(dilemma_store.iter_dilemmas(copy)) == list(dilemma_store.iter_dilemmas(source))


def test_export_by_status(tmp_path, capsys):
    s = _nasty_study(tmp_path / "a.db")
    assert main(["export", "-", "--status", "needs-edit", "--study", str(s.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["honest--religion--3"]


def _digest(path):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.parent.glob(path.name + "*"))}


def _broken_jsonl(sample_path, tmp_path, mutate):
    records = sample_records(sample_path)
    lines = [json.dumps(r) for r in records]
    lines = mutate(records, lines)
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _drop_option(records, lines):
    records[2]["options"].pop()
    lines[2] = json.dumps(records[2])
    return lines


def _double_label(records, lines):
    records[3]["options"][1]["label"] = records[3]["options"][0]["label"]
    lines[3] = json.dumps(records[3])
    return lines


def _unknown_value(records, lines):
    records[1]["value"] = "Telepathy"
    records[1].pop("id")
    lines[1] = json.dumps(records[1])
    return lines


def _unknown_topic(records, lines):
    records[4]["topic"] = "Astrology"
    records[4].pop("id")
    lines[4] = json.dumps(records[4])
    return lines


def _broken_json(records, lines):
    lines[5] = lines[5][:-10]
    return lines


@pytest.mark.parametrize(
    "mutate, line, field, reason",
    [
        (_broken_json, 6, None, "not valid JSON"),
        (_drop_option, 3, "options", "exactly 6 options"),
        (_double_label, 4, "options", "label used more than once"),
        (_unknown_value, 2, "value", "unknown Schwartz value"),
        (_unknown_topic, 5, "topic", "unknown topic"),
    ],
)
def test_malformed_jsonl_fails_naming_line_and_field(tmp_path, sample_path, capsys, mutate, line, field, reason):
    target = _nasty_study(tmp_path / "target.db")
    target.close()
    before = _digest(tmp_path / "target.db")
    bad = _broken_jsonl(sample_path, tmp_path, mutate)
    with pytest.raises(ImportFailure) as err:
        read_dilemmas(bad)
    assert err.value.line == line and err.value.field == field and reason in err.value.reason
    assert main(["import", str(bad), "--study", str(tmp_path / "target.db")]) == 2
    message = capsys.readouterr().err
    assert f"line {line}" in message and reason in message and "nothing written" in message
    assert _digest(tmp_path / "target.db") == before


def test_wrong_csv_header_and_empty_file_fail_cleanly(tmp_path, capsys):
    target = _nasty_study(tmp_path / "target.db")
    target.close()
    before = _digest(tmp_path / "target.db")
    header = tmp_path / "bad.csv"
    header.write_text(",".join(c for c in CSV_COLUMNS if c != "option_3_label") + ",extra\n")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["import", str(header), "--study", str(tmp_path / "target.db")]) == 2
    message = capsys.readouterr().err
    assert "line 1, field header" in message and "option_3_label" in message and "extra" in message
    assert main(["import", str(empty), "--study", str(tmp_path / "target.db")]) == 2
    assert "empty" in capsys.readouterr().err
    assert _digest(tmp_path / "target.db") == before


def test_csv_row_error_names_line_and_field(tmp_path):
    s = _nasty_study(tmp_path / "a.db")
    out = tmp_path / "a.csv"
    main(["export", str(out), "--study", str(s.path)])
    text = out.read_text().replace("strongly_opposing", "very_opposing", 1)
    out.write_text(text)
    with pytest.raises(ImportFailure) as err:
        read_dilemmas(out)
    assert err.value.field == "options.5.label"
    assert err.value.line >= 2


def test_duplicate_ids_in_one_file_refused(tmp_path, sample_path):
    lines = sample_path.read_text().splitlines()
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join(lines + [lines[0]]) + "\n")
    with pytest.raises(ImportFailure, match="appears twice"):
        read_dilemmas(path)
