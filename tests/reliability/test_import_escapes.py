"""Hostile imports for the VIA and valact designs: a VIA file with control characters in the zip
member's name, the actions, the explanations and an unusable row, and a valact questionnaire with them
in its name, scale and item texts, are imported as written, and nothing they hold reaches the terminal
raw: not the import's messages, not `valuegap info` or `questionnaire show`, not the app's screens."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from tests.helpers.screen import assert_clean
from valuegap_tui.cli import main
from valuegap_tui.designs import get_design
from valuegap_tui.designs.valact.questionnaire import DEMO_FILE as DEMO_QUESTIONNAIRE
from valuegap_tui.designs.via.simulate import synthetic_rows
from valuegap_tui.store import items as item_store
from valuegap_tui.store import open_study
from valuegap_tui.text import has_unsafe
from valuegap_tui.tui.app import STAGES, ValueGapApp

ESC = "\x1b[2J\x1b]0;owned\x07"
HOSTILE_ACTION = f"Share the {ESC} harvest\x9b31m \u202eevil [bold]x[/bold]"


def hostile_zip(path) -> str:
    rows = [list(row) for row in synthetic_rows(countries=("India",), topics=["politics"], values=["authority"])]
    rows[0][5] = json.dumps({"Human Action": HOSTILE_ACTION, "Natural Language Explanation": f"why {ESC}",
                             "Feature Attributions": {}})
    rows.append(["99", f"Atlantis{ESC}", "politics", "authority", "positive", "{}"])  # an unusable row
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["", "country", "topic", "value", "polarity", "generation_prompt"])
    writer.writerows(rows)
    member = f"via{ESC}.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, buffer.getvalue())
    return member


def test_import_and_info_print_no_raw_control_characters(tmp_path, capfd):
    source, db = tmp_path / "via.zip", tmp_path / "via.db"
    hostile_zip(source)
    assert main(["init", "--study", str(db), "--design", "via"]) == 0
    assert main(["import-shen", str(source), "--study", str(db)]) == 2  # refused: one row unusable
    assert main(["import-shen", str(source), "--keep-readable", "--study", str(db)]) == 0
    assert main(["info", "--study", str(db)]) == 0
    out, err = capfd.readouterr()
    assert not has_unsafe(out.replace("\n", "")), out
    assert not has_unsafe(err.replace("\n", "")), err
    assert "Atlantis" in err and "left out 1" in out
    study = open_study(db)
    items = list(item_store.iter_items(study, get_design("via")))
    assert any(item.expressing == HOSTILE_ACTION for item in items)  # kept as written


async def test_every_screen_of_a_hostile_via_study_renders_clean(tmp_path):
    source, db = tmp_path / "via.zip", tmp_path / "via.db"
    hostile_zip(source)
    assert main(["init", "--study", str(db), "--design", "via"]) == 0
    assert main(["import-shen", str(source), "--keep-readable", "--study", str(db)]) == 0
    app = ValueGapApp(open_study(db))
    async with app.run_test(size=(100, 30)) as pilot:
        for mode, _title, key in STAGES:
            await pilot.press(key)
            await pilot.pause()
            assert_clean(app)


def test_a_hostile_questionnaire_loads_and_prints_no_raw_control_characters(tmp_path, capfd):
    text = (DEMO_QUESTIONNAIRE.read_text(encoding="utf-8")
            .replace('name = "', 'name = "evil \\u001b]0;t\\u0007 ', 1)
            .replace('"Like me"', '"Like \\u001b[31mme"', 1)
            .replace('text = "They want', 'text = "They \\u001b[5m want', 1))
    source, db = tmp_path / "q.toml", tmp_path / "valact.db"
    source.write_text(text, encoding="utf-8")
    assert main(["init", "--study", str(db), "--design", "valact"]) == 0
    assert main(["questionnaire", "load", str(source), "--study", str(db)]) == 0
    assert main(["questionnaire", "show", "--study", str(db)]) == 0
    assert main(["info", "--study", str(db)]) == 0
    out, err = capfd.readouterr()
    assert not has_unsafe(out.replace("\n", "").replace("\t", "")), out
    assert not has_unsafe(err.replace("\n", "")), err
    assert "\u241b[5m want" in out  # the escape shown as a visible stand-in, the text kept
    texts = [item.text for item in item_store.iter_items(open_study(db), get_design("valact"))]
    assert any("\x1b[5m want" in t for t in texts)  # stored as written
