"""The design seam: a design with its own option counts, question sets and scores runs through the
core (storage, planner, request, reader, store, answer frame, report) with no core change.

The toy design below is registered for the test only: 8 nominal options, a 2-option ordinal question,
and a 3-option question asked of some items only.
"""

from __future__ import annotations

import asyncio
import re
from typing import ClassVar

import pytest
from pydantic import BaseModel

from valuegap_tui import designs
from valuegap_tui.designs.base import LETTERS, Design, DesignError, Question
from valuegap_tui.evaluate.execute import execute_run
from valuegap_tui.plan.items import permutations_for
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.metrics.table import Table
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import items as item_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import answer_frame as frame_store


class ToyItem(BaseModel):
    id: str
    value: str = "wisdom"
    topic: str = "politics"
    words: list[str]  # the 8 options of question 0
    third: bool = False  # asked question 2 as well
    status: str = "accepted"

    def to_record(self) -> dict:
        return self.model_dump()


class ToyDesign(Design):
    id: ClassVar[str] = "toy"
    title: ClassVar[str] = "Toy"
    reference: ClassVar[str] = "tests"
    questions: ClassVar = (Question("pick", "value_question", ordinal=False), Question("yesno", "action_question"),
                           Question("three", "action_question"))
    default_temperature: ClassVar[float] = 0.3

    def item_from_record(self, record):
        return ToyItem.model_validate(record)

    def questions_of(self, item):
        return (0, 1, 2) if item.third else (0, 1)

    def option_texts(self, item, question):
        return item.words if question == 0 else (["yes", "no"] if question == 1 else ["one", "two", "three"])

    def template_fields(self, item, question):
        return {"scenario": f"Toy item {item.id}.", "value_name": "Wisdom"}

    def choice_score(self, item, question, choice):
        return 0 if question == 0 else (1 if choice == 0 else -1) if question == 1 else (3, 1, -2)[choice]

    def metric_tables(self, frame, items, conditions):
        table = Table("choices", "Choices per question", ("question", "choice", "answers"))
        for q in sorted(set(frame.question.tolist())):
            for c in sorted(set(frame.choice[frame.question == q].tolist())):
                table.rows.append((self.questions[q].id, c, int(((frame.question == q) & (frame.choice == c)).sum())))
        return [table]

    def headline(self, frame, items, conditions):
        hit = frame.choice == [TARGET[q] for q in frame.question.tolist()]
        return [(m, "baseline", "target_share", float(hit[frame.model.codes == i].mean()))
                for i, m in enumerate(frame.model.labels)]


DESIGN = ToyDesign()
#: what the toy respondent picks in each question (canonical option index)
TARGET = {0: 5, 1: 1, 2: 2}


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setitem(designs.REGISTRY, "toy", __name__)
    designs.get_design.cache_clear()
    yield DESIGN
    designs.get_design.cache_clear()


class ToyClient:
    """Answers the letter of the target option, wherever the shuffle put it."""

    def __init__(self):
        self.requests = []

    async def complete(self, request, *, model=None):
        await asyncio.sleep(0)
        self.requests.append(request)
        text = request.messages[-1]["content"]
        shown = re.findall(r"^([A-H])\. (.*)$", text, re.M)
        texts = [t for _, t in shown]
        if "yes" in texts:
            target = "no"
        elif "one" in texts:
            target = "three"
        else:
            target = f"word{TARGET[0]}"
        letter = next(letter for letter, t in shown if t == target)
        return CompletionRecord(text=f"My answer: {letter}", finish_reason="stop", tag=request.tag)


def toy_items(n):
    return [ToyItem(id=f"toy-{i}", words=[f"word{k}" for k in range(8)], third=i % 2 == 0, topic="religion")
            for i in range(n)]


@pytest.mark.parametrize("n", range(2, 9))
def test_latin_square_of_any_order_balances_positions(n):
    perms = permutations_for(5, "item", 0, n, n)
    assert all(sorted(p) == [str(i) for i in range(n)] for p in perms)
    for position in range(n):
        assert sorted(p[position] for p in perms) == [str(i) for i in range(n)]


def test_a_new_study_holds_the_posters_design_and_keeps_it_once_it_has_items(study, toy):
    assert designs.study_design(study).id == "graded_actions"
    designs.set_study_design(study, "toy")
    assert designs.study_design(study).id == "toy"
    item_store.save_many(study, toy, toy_items(1), who="t", action="import")
    with pytest.raises(DesignError, match="make a new study"):
        designs.set_study_design(study, "graded_actions")
    with pytest.raises(DesignError, match="unknown design"):
        designs.get_design("nope")


def test_a_toy_design_runs_end_to_end_through_the_core(study, toy, tmp_path):
    designs.set_study_design(study, "toy")
    counts = item_store.save_many(study, toy, toy_items(4), who="t", action="import")
    assert counts == {"new": 4, "updated": 0, "unchanged": 0}
    assert list(dilemma_store.iter_dilemmas(study)) == []  # the poster's store never reads them
    assert [i.id for i in item_store.iter_items(study, toy)] == ["toy-0", "toy-1", "toy-2", "toy-3"]

    definition = RunDefinition.model_validate(
        {"models": [{"name": "m", "endpoints": ["http://127.0.0.1:1"], "concurrency": 4}], "repeats": 8, "seed": 1})
    run_id = create_run(study, definition)
    run = run_store.get_run(study, run_id)
    assert run.design == "toy" and run.definition.temperature == 0.3  # the design's default
    # two items ask three questions, two ask two; 8 repeats each
    assert run_store.planned_total(study, run_id) == (3 + 2 + 3 + 2) * 8 == run_store.stored_items(study, run_id)
    client = ToyClient()
    assert asyncio.run(execute_run(study, run_id, {"m": client})) == "finished"

    frame = frame_store.load_answer_frame(study, run_id)
    assert len(frame) == 80 and frame.valid.all()
    assert frame.distribution.shape[1] == 8
    for q, target in TARGET.items():
        rows = frame.question == q
        assert rows.sum() == (32 if q < 2 else 16)
        assert (frame.choice[rows] == target).all()
        assert set(frame.score[rows].tolist()) == {float(toy.choice_score(None, q, target))}
    # the letter shown varied with the shuffle: the target of the 8-option question visited all 8 letters
    assert sorted(set(frame.position[frame.question == 0].tolist())) == list(range(8))
    constrained = [r for r in client.requests if "word0" in r.messages[-1]["content"]]
    assert constrained and all("H. " in r.messages[-1]["content"] for r in constrained)

    snapshot = run_store.dilemmas_of(study, run_id)
    assert isinstance(snapshot["toy-0"], ToyItem)

    from valuegap_tui.report.writer import report_run

    report = report_run(study, run_id, tmp_path / "report")
    text = report.summary.read_text()
    assert "Design: Toy (tests)" in text and "| pick | 5 | 32 |" in text and "| three | 2 | 16 |" in text


def test_letters_reach_h_and_constrained_choices_follow_the_option_count():
    from valuegap_tui.evaluate.questions import build_request, read_letter
    from valuegap_tui.server.types import AnswerMode

    assert LETTERS == "ABCDEFGH"
    definition = RunDefinition.model_validate({"models": [{"name": "m", "endpoints": ["http://127.0.0.1:1"]}],
                                               "answer_mode": AnswerMode.CONSTRAINED.value})
    assert build_request(definition, None, "q", n_options=2).choices == ["A", "B"]
    assert build_request(definition, None, "q", n_options=8).choices == list("ABCDEFGH")
    assert read_letter("H", [f"o{i}" for i in range(8)]) == 7
    assert read_letter("C", ["yes", "no"]) is None  # a letter not shown is no answer


def test_compare_sets_two_designs_side_by_side_for_the_same_model(tmp_path, toy, capsys):
    from tests.helpers.clients import PlantedClient
    from tests.helpers.runs import definition, seed_study
    from valuegap_tui.cli import main
    from valuegap_tui.store import open_study

    poster = open_study(tmp_path / "poster.db", create=True)
    seed_study(poster, 6)
    poster_run = create_run(poster, definition(repeats=2))
    # always "strongly agree" and always the most aligning action: AR 1, AD 0
    always_first = [1.0, 0, 0, 0, 0, 0]
    assert asyncio.run(execute_run(poster, poster_run, {"m": PlantedClient(always_first, always_first)})) == "finished"
    toy_study = open_study(tmp_path / "toy.db", create=True)
    designs.set_study_design(toy_study, "toy")
    item_store.save_many(toy_study, DESIGN, toy_items(2), who="t", action="import")
    toy_run = create_run(toy_study, definition(repeats=2))
    assert asyncio.run(execute_run(toy_study, toy_run, {"m": ToyClient()})) == "finished"
    poster.close(), toy_study.close()

    assert main(["compare", "--study", str(tmp_path / "poster.db"), f"{tmp_path / 'toy.db'}:{toy_run}"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("| model"))
    assert "[1] graded_actions alignment_rate" in header and "[2] toy target_share" in header
    row = next(line for line in out.splitlines() if line.startswith("| m | baseline"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    columns = [c.strip() for c in header.strip("|").split("|")]
    assert cells[columns.index("[1] graded_actions alignment_rate")] == "1.000"
    assert cells[columns.index("[1] graded_actions alignment_distance")] == "0.000"
    assert cells[columns.index("[2] toy target_share")] == "1.000"
    assert main(["compare", "--study", str(tmp_path / "poster.db"), str(tmp_path / "nothing.db")]) != 0


async def test_results_screen_shows_a_designs_tables_in_its_own_tab(study, toy):
    from textual.widgets import Static, TabbedContent

    from valuegap_tui.tui.app import ValueGapApp

    designs.set_study_design(study, "toy")
    item_store.save_many(study, DESIGN, toy_items(2), who="t", action="import")
    definition = RunDefinition.model_validate(
        {"models": [{"name": "m", "endpoints": ["http://127.0.0.1:1"]}], "repeats": 2, "seed": 1})
    run_id = create_run(study, definition)
    await execute_run(study, run_id, {"m": ToyClient()})
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(100, 30)) as pilot:
        tabs = app.screen.query_one("#results-tabs", TabbedContent)
        design = app.screen.query_one("#results-design", Static)

        def text_of(widget) -> str:
            import io

            from rich.console import Console

            console = Console(width=100, file=io.StringIO(), color_system=None)
            console.print(widget.content)
            return console.file.getvalue()

        status_line = app.screen.query_one("#results-status", Static)
        for _ in range(200):
            await pilot.pause(0.05)
            # the screen computes on mount and again on resume: the status may say "Computing" in between
            if (tabs.active == "results-tab-design" and "Choices per question" in text_of(design)
                    and f"Run #{run_id} (Toy)" in str(status_line.render())):
                break
        else:
            status = str(app.screen.query_one("#results-status", Static).render())
            raise AssertionError(f"the design tab did not show the toy design's table: {tabs.active} {status}"
                                 f" {text_of(design)[:300]}")
        shown = text_of(design)
        assert "Toy: tests" in shown and "pick" in shown and "three" in shown
        status = str(app.screen.query_one("#results-status", Static).render())
        assert f"Run #{run_id} (Toy)" in status


def test_a_study_from_before_designs_opens_as_the_posters_design(tmp_path, monkeypatch):
    """Migration v016: dilemmas and runs stored before designs existed are the poster's, unchanged."""
    import json

    from tests.helpers.clients import PlantedClient
    from tests.helpers.runs import definition
    from valuegap_tui.store import db as study_db
    from valuegap_tui.store import open_study
    from valuegap_tui.store.db import now_iso

    every = study_db._migrations()
    monkeypatch.setattr(study_db, "_migrations", lambda: [m for m in every if m[0] < 16])
    old = open_study(tmp_path / "old.db", create=True)
    at = now_iso()
    options = [{"text": f"Action {k}", "label": label} for k, label in enumerate(
        ("strongly_aligning", "moderately_aligning", "mildly_aligning", "mildly_opposing", "moderately_opposing",
         "strongly_opposing"))]
    with old.transaction() as db:
        db.execute("INSERT INTO dilemmas (id, value_id, topic_id, variant, scenario, options_json, status,"
                   " provenance_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   ["wisdom--politics--1", "wisdom", "politics", 1, "You must decide.", json.dumps(options),
                    "accepted", json.dumps({"source": "manual", "created_at": at, "updated_at": at}), at, at])
    assert "design" not in {r[1] for r in old.db.execute("PRAGMA table_info(dilemmas)")}
    old.close()
    monkeypatch.setattr(study_db, "_migrations", lambda: every)

    study = open_study(tmp_path / "old.db")
    assert designs.study_design(study).id == "graded_actions"
    (dilemma,) = dilemma_store.iter_dilemmas(study)
    assert dilemma.id == "wisdom--politics--1" and dilemma.options[5].text == "Action 5"
    run_id = create_run(study, definition(repeats=2))
    assert run_store.get_run(study, run_id).design == "graded_actions"
    assert asyncio.run(execute_run(study, run_id, {"m": PlantedClient([1 / 6] * 6, [1 / 6] * 6)})) == "finished"
    assert len(frame_store.load_answer_frame(study, run_id)) == 4
    study.close()


async def test_the_review_screen_reviews_any_designs_items_with_the_default_parts(study, toy):
    """A design that gives no review parts of its own is reviewed all the same: listed, shown, decided
    (off the UI thread, with history), undone."""
    from textual.widgets import Static

    from tests.helpers.pilot import wait_for
    from valuegap_tui.config import save_section
    from valuegap_tui.tui.app import ValueGapApp

    designs.set_study_design(study, "toy")
    item_store.save_many(study, DESIGN, toy_items(3), who="t", action="import")
    save_section("reviewer", {"name": "lead"})
    app = ValueGapApp(study, start_mode="dilemmas")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert await wait_for(pilot, lambda: screen.item is not None)
        assert [row.id for row in screen.filtered] == [item.id for item in toy_items(3)]
        assert "Wisdom" in str(screen.query_one("#dilemma-detail-text", Static).render())
        first = screen.item.id
        await pilot.press("r")
        assert await wait_for(pilot, lambda: screen.pending == 0 and screen.writer.idle())
        assert item_store.get(study, DESIGN, first).status == "rejected"
        await pilot.press("u")
        assert await wait_for(pilot, lambda: screen.pending == 0 and screen.writer.idle())
        assert item_store.get(study, DESIGN, first).status == "accepted"
        assert not screen.check_action("decide", ("needs-edit",))  # a decision the design lacks has no key
