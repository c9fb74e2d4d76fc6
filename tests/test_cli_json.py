"""`--json` on info, run list, run status, personas list and respond list: valid JSON whose keys are
exactly those README lists ("Output for scripts"), with the values the commands' own lines give."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from valuegap_tui.cli import main
from valuegap_tui.personas import default_personas
from valuegap_tui.store import personas as persona_store
from valuegap_tui.store import run_progress as progress_store
from tests.helpers.collection import staged_study

README = Path(__file__).resolve().parents[1] / "README.md"


def documented() -> dict[tuple[str, str], set[str]]:
    """(command, object) -> its keys, from README's table."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Output for scripts"):text.index("## Layout")]
    found = {}
    for command, what, keys in re.findall(r"^\| `([a-z ]+)` \| ([^|]+) \| (.+) \|$", section, flags=re.M):
        names = set(re.findall(r"`([a-z_0-9]+)`(?! people)", re.sub(r"\([^)]*\)", "", keys)))
        found[(command, what.strip().strip("`"))] = names
    return found


def run_json(capsys, *args) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    out = capsys.readouterr().out
    out.encode("ascii")  # escaped: valid JSON whatever a terminal does with other characters
    return json.loads(out)


@pytest.fixture
def staged(tmp_path):
    study, run_id = staged_study(tmp_path / "s.db", "person", {"ana": 5, "bob": 2})
    persona_store.add_missing(study, default_personas())
    return study, run_id


def test_every_json_output_has_the_documented_keys(staged, capsys):
    study, run_id = staged
    keys = documented()
    where = ["--study", str(study.path)]

    info = run_json(capsys, "info", *where)
    assert set(info) == keys[("info", "the study")]
    assert info["design"] == "graded_actions" and info["items"] == sum(info["by_status"].values()) == 20

    listed = run_json(capsys, "run", "list", *where)
    assert set(listed) == keys[("run list", "the study")]
    (run,) = listed["runs"]
    assert set(run) == keys[("run list", "runs[]")]
    progress = progress_store.progress(study, run_id)
    assert (run["id"], run["done"], run["total"], run["models"]) == (run_id, progress.done, progress.total, ["a"])

    status = run_json(capsys, "run", "status", str(run_id), *where)
    assert set(status) == keys[("run status", "the run")] - {"every"} | keys[("run list", "runs[]")]
    assert {k: status[k] for k in run} == run
    assert all(set(g) == keys[("run status", "groups[]")] for g in status["groups"])
    assert {(g["model"], g["done"]) for g in status["groups"]} >= {("a", 80), ("human:ana", 5), ("human:bob", 2)}
    assert status["answered"] + status["invalid"] + status["too_long"] + status["server_error"] == status["done"]
    assert status["coverage"] is None and set(status["invalid_by_outcome"]) >= {"no_letter", "refusal"}

    personas = run_json(capsys, "personas", "list", *where)
    assert set(personas) == keys[("personas list", "the study")]
    assert len(personas["personas"]) == len(persona_store.list_all(study)) > 1
    assert all(set(p) == keys[("personas list", "personas[]")] for p in personas["personas"])
    mapped = [p for p in personas["personas"] if p["position"] is not None]
    assert mapped and all(set(p["position"]) == {"traditional_secular", "survival_self_expression"} for p in mapped)

    respond = run_json(capsys, "respond", "list", str(run_id), *where)
    assert set(respond) == keys[("respond list", "the run")]
    assert set(respond["plan"]) == keys[("respond list", "plan")]
    assert all(set(r) == keys[("respond list", "respondents[]")] for r in respond["respondents"])
    assert all(set(c) == keys[("respond list", "conditions[]")] for c in respond["conditions"])
    by_name = {r["name"]: r for r in respond["respondents"]}
    assert by_name["ana"]["answered"] == 5 and by_name["ana"]["respondent"] == "human:ana"
    assert by_name["bob"]["answered"] == 2 and by_name["bob"]["consented_at"]


def test_the_documented_table_names_every_command():
    assert {command for command, _ in documented()} == {"info", "run list", "run status", "personas list",
                                                        "respond list"}
