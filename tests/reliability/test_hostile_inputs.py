"""Hundreds of hostile inputs, one table: every file and field a person or a machine hands valuegap
(dilemmas, run definitions, personas and conditions, questionnaires, VIA files, review files, answer
files, batch results, the config file, environment variables, command-line arguments; the app's forms
in test_hostile_forms.py). Each is refused with one line that says what is wrong and where, never a
traceback, and the study it was tried on is unchanged (the hash of its SQL dump)."""

from __future__ import annotations

import gc
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability import hostile_files, hostile_settings
from tests.reliability.hostile import SAMPLE, Case, dump_digest
from valuegap_tui.cli import main

CASES = [*hostile_files.CASES, *hostile_settings.CASES]

#: the inputs the hostile-input probe found accepted, each a case of the table
ONCE_ACCEPTED = [
    "dilemmas/nul-in-scenario", "dilemmas/nul-in-a-csv-cell", "dilemmas/variant-true", "dilemmas/unknown-flag",
    "dilemmas/duplicate-id-column", "run.toml/endpoint-without-host", "run.toml/endpoint-port-99999",
    "run.toml/include-baseline-yes", "environment/busy-timeout-soon", "config/servers-default-unknown-on-use",
    "config/servers-endpoints-a-number-on-use", "config/blind-false-in-quotes", "config/reviewer-name-a-number",
]


@dataclass
class World:
    """The studies the cases are tried on, and the real files some cases are made from."""

    studies: dict[str, Path]
    review_export: Path
    answers: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    from valuegap_tui.review import decisions as review
    from valuegap_tui.respond.pack import make_pack, read_pack, write_json
    from valuegap_tui.respond.session import FileResponder
    from valuegap_tui.store import open_study

    folder = tmp_path_factory.mktemp("world")
    poster, via, valact = folder / "poster.db", folder / "via.db", folder / "valact.db"
    assert main(["import", str(SAMPLE), "--study", str(poster)]) == 0
    (folder / "run.toml").write_text('name = "r"\n[[models]]\nname = "m"\nendpoints = ["http://127.0.0.1:9/v1"]\n'
                                     "[dilemmas]\nstatus = []\n", encoding="utf-8")
    assert main(["run", "start", str(folder / "run.toml"), "--plan-only", "--study", str(poster)]) == 0
    study = open_study(poster)
    first = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])["id"]
    review.decide(study, first, "accept", reviewer="ann")
    write_json(folder / "alice.questionnaire.json", make_pack(study, 1, "alice"))
    responder = FileResponder(read_pack(folder / "alice.questionnaire.json"), folder / "alice.answers.json")
    responder.agree()
    for question in responder.questions:
        responder.answer(question, 1, 2.0)
    study.close()
    assert main(["review", "export", str(folder / "ann.review.json"), "--reviewer", "ann", "--study", str(poster)]) == 0
    assert main(["init", "--design", "via", "--study", str(via)]) == 0
    assert main(["init", "--design", "valact", "--study", str(valact)]) == 0
    gc.collect()  # connections left open close now, so only a case's own writes could change a study
    return World({"poster": poster, "via": via, "valact": valact}, folder / "ann.review.json",
                 folder / "alice.answers.json")


def _fill(text: str, tmp: Path) -> str:
    return text.replace("{tmp}", str(tmp)).replace("{f}", str(tmp / "input"))


def _write_files(case: Case, world: World, tmp: Path) -> None:
    for name, content in case.files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content = content(world)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)


def run_case(case: Case, world: World, tmp: Path, monkeypatch, capsys) -> tuple[int, str, str]:
    from valuegap_tui.catalogue import catalogue
    from valuegap_tui.config import config_path

    _write_files(case, world, tmp)
    if case.config is not None:
        config_path().parent.mkdir(parents=True, exist_ok=True)
        data = case.config.encode("utf-8") if isinstance(case.config, str) else case.config
        config_path().write_bytes(data)
    for name, value in case.env.items():
        monkeypatch.setenv(name, _fill(value, tmp))
    argv = [_fill(word, tmp) for word in case.argv]
    if "--study" not in argv:
        argv += ["--study", str(world.studies[case.study])]
    catalogue.cache_clear()
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refuses an argument by exiting
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        catalogue.cache_clear()
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_refused_with_one_line_and_the_study_unchanged(case, world, tmp_path, monkeypatch, capsys):
    study = world.studies[case.study]
    gc.collect()
    before = dump_digest(study)
    code, out, err = run_case(case, world, tmp_path, monkeypatch, capsys)
    gc.collect()
    assert code != 0, f"accepted: exit 0\n{out}\n{err}"
    assert "Traceback" not in out + err, err
    if case.stdout:  # `config check`: its report is the output, one line per problem
        lines = out.strip().splitlines()
        assert len(lines) == 1 and not err.strip(), out + err
    else:
        lines = err.strip().splitlines()
        refusals = [line for line in lines if line.startswith("valuegap: ")]
        assert len(refusals) == 1 and lines[-1] == refusals[0], err
        if not case.listing:
            assert len(lines) == 1, err
    message = lines[-1]
    for word in case.expected:
        assert word in message, message
    assert "\x1b" not in message and "\x00" not in message
    assert dump_digest(study) == before


def test_the_table_covers_every_entry_point_and_the_inputs_once_accepted():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    groups = Counter(name.split("/")[0] for name in names)
    assert set(groups) == {"dilemmas", "run.toml", "personas", "questionnaire", "via", "review-merge", "answers",
                           "batch", "config", "environment", "arguments"}
    assert all(n >= 8 for n in groups.values()), groups
    assert set(ONCE_ACCEPTED) <= set(names)
    from tests.reliability.hostile_forms import FORM_CASES

    assert len(CASES) + len(FORM_CASES) >= 200
