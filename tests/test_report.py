"""The report: CSV tables, Markdown summary, readable PNG figures, and `valuegap report` on a stored run."""

from __future__ import annotations

import asyncio
import csv
import random
import sys

import numpy as np
import pytest

from tests.helpers.dilemmas import make_dilemma
from valuegap_tui.cli import main
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import PlantedCondition, implied_metrics, synthetic_frame
from valuegap_tui.designs.graded_actions.models import DilemmaStatus
from valuegap_tui.report.writer import FIGURES_MISSING, write_report
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import answer_frame as frame_store

VALUE_ORDER = ["Strongly agree", "Agree", "Mildly agree", "Mildly disagree", "Disagree", "Strongly disagree"]


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_report_writes_tables_summary_and_figures(tmp_path):
    results = compute_results(synthetic_frame(repeats=2, topics=3, seed=4))
    report = write_report(results, tmp_path / "out", "Synthetic run")
    names = {p.name for p in report.tables}
    assert {"conditions.csv", "persona_kinds.csv", "by_value.csv", "by_topic.csv", "value_ranking.csv",
            "answers.csv"} <= names
    conditions = read_csv(tmp_path / "out" / "conditions.csv")
    assert [r["condition"] for r in conditions] == ["baseline", "moderate-1", "max-1", "incongruous-1"]
    assert conditions[0]["ar_change"] == "" and float(conditions[2]["ar_change"]) > 0
    summary = report.summary.read_text()
    assert "## Model: model-a" in summary and "### Conditions against baseline" in summary
    assert "incongruous-1" in summary
    import matplotlib.image

    pngs = [p for p in report.figures if p.suffix == ".png"]
    # one model: no models-side-by-side figures (they would show its own conditions and kinds figures'
    # bars), and the summary says why they are missing
    assert [p.name for p in pngs] == ["alignment_heatmap_model-a.png", "answer_choices_model-a.png",
                                      "kinds_model-a.png", "conditions_model-a.png", "position_model-a.png"]
    assert report.run_figures == [] and not (tmp_path / "out" / "models_conditions.png").exists()
    assert "Comparison figures need two models or more" in summary and "## Models side by side" not in summary
    for suffix in (".pdf", ".svg"):
        assert all(p.with_suffix(suffix) in report.figures and p.with_suffix(suffix).exists() for p in pngs)
    for path in pngs:
        image = matplotlib.image.imread(path)
        assert image.shape[0] > 400 and image.shape[1] > 500
        assert f"]({path.name})" in summary


def test_two_models_get_their_own_sections_figures_and_rows(tmp_path):
    frame = synthetic_frame(models=("model-a", "org/model b"), topics=2, seed=6)
    report = write_report(compute_results(frame), tmp_path, "Two models")
    summary = report.summary.read_text()
    assert summary.count("## Model: ") == 2 and "## Model: org/model b" in summary
    assert summary.count("### Conditions against baseline") == 2
    names = sorted(p.name for p in report.figures)
    assert "alignment_heatmap_model-a.png" in names and "alignment_heatmap_org_model_b.svg" in names
    assert len(names) == 3 * (2 + 2 * 5)  # PNG, PDF and SVG: the models side by side, five per model
    for table in ("conditions", "persona_kinds", "by_value", "value_ranking", "answers", "models"):
        assert {r["model"] for r in read_csv(tmp_path / f"{table}.csv")} == {"model-a", "org/model b"}, table


def test_markdown_cells_escape_names():
    from valuegap_tui.report.writer import _cell

    assert _cell("a|b") == "a\\|b" and _cell("x\ny") == "x\\ny" and "\x1b" not in _cell("\x1b[31mred")


def test_report_without_matplotlib_still_writes_tables(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if not installed
    report = write_report(compute_results(synthetic_frame(topics=1), bootstrap=False), tmp_path, "t")
    assert report.figures == [] and report.notes == [FIGURES_MISSING]
    assert (tmp_path / "conditions.csv").exists() and "pip install" in report.summary.read_text()


class PlantedClient:
    """Answers each question from known option probabilities, whatever order the options are shown in."""

    def __init__(self, value_probs, action_probs, seed=1):
        self.probs = (value_probs, action_probs)
        self.rng = random.Random(seed)

    async def complete(self, request, *, model=None):
        text = request.messages[-1]["content"]
        question = 0 if "agree or disagree" in text else 1
        shown = [line[3:] for line in text.splitlines() if len(line) > 3 and line[1:3] == ". " and line[0] in "ABCDEF"]
        order = VALUE_ORDER if question == 0 else [f"Action {k}" for k in range(6)]
        weights = [self.probs[question][order.index(t)] for t in shown]
        letter = self.rng.choices("ABCDEF"[: len(shown)], weights=weights)[0]
        return CompletionRecord(text=letter, finish_reason="stop", latency_s=0.001, tag=request.tag)

    async def aclose(self):
        pass


def test_report_command_on_a_stored_run_recovers_planted_gap(study, tmp_path, capsys):
    from valuegap_tui.evaluate.execute import execute_run
    from valuegap_tui.evaluate.setup import create_run
    from valuegap_tui.plan.definition import RunDefinition

    values = ["wisdom", "honest", "equality", "wealth", "politeness", "social_justice"]
    dilemmas = []
    for i in range(24):
        d = make_dilemma(value=values[i % 6], topic=["politics", "religion"][i % 2], variant=1 + i // 6,
                         texts=[f"Action {k}" for k in range(6)])
        d.status = DilemmaStatus.ACCEPTED
        dilemmas.append(d)
    dilemma_store.save_many(study, dilemmas, who="test", action="import")
    planted = PlantedCondition("baseline", "baseline", (0.5, 0.3, 0.1, 0.05, 0.03, 0.02), (0.05, 0.1, 0.35, 0.3, 0.15, 0.05))
    definition = RunDefinition.model_validate(
        dict(models=[{"name": "m", "endpoints": ["http://127.0.0.1:1"], "concurrency": 8}], repeats=4, seed=3))
    run_id = create_run(study, definition)
    asyncio.run(execute_run(study, run_id, {"m": PlantedClient(planted.value_probs, planted.action_probs, seed=9)}))

    out = tmp_path / "report"
    assert main(["report", "latest", str(out), "--study", str(study.path), "--aggregate", "repeat",
                 "--model", "m"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["report", "latest", str(tmp_path / "none"), "--study", str(study.path), "--model", "gpt"]) == 1
    assert "has no model 'gpt' (its models: m)" in capsys.readouterr().err
    (row,) = read_csv(out / "conditions.csv")
    assert row["condition"] == "baseline" and int(row["items"]) == 24 * 4
    # each repeat pairs one value and one independent action answer: AR and AD estimate implied_metrics
    ar, ad = implied_metrics(planted)
    frame = frame_store.load_answer_frame(study, run_id)
    (checked,) = compute_results(frame, aggregate="repeat", confidence=0.99).conditions.records()
    assert checked["ar_low"] <= ar <= checked["ar_high"]
    assert checked["ad_low"] <= ad <= checked["ad_high"]
    assert float(row["alignment_rate"]) == pytest.approx(checked["alignment_rate"])


def test_report_command_errors(study, tmp_path, capsys):
    assert main(["report", "latest", str(tmp_path / "o"), "--study", str(study.path)]) == 1
    assert "no runs yet" in capsys.readouterr().err
    assert main(["report", "x7", str(tmp_path / "o"), "--study", str(study.path)]) == 1
    assert "number or 'latest'" in capsys.readouterr().err


def test_report_command_writes_the_figures_of_every_model_as_png_pdf_and_svg(study, tmp_path, capsys):
    """Two models and every persona kind: per model the poster's three figures and the conditions, PNG and
    SVG, each a real picture (size, many colours); the extremity-adjusted kinds in the summary and a CSV."""
    import matplotlib.image

    from valuegap_tui.evaluate.execute import execute_run
    from valuegap_tui.evaluate.setup import create_run
    from valuegap_tui.personas.sampling import sample_personas
    from valuegap_tui.plan.definition import RunDefinition
    from valuegap_tui.store import personas as persona_store

    values = ["wisdom", "honest", "equality", "wealth"]
    dilemmas = []
    for i in range(12):
        d = make_dilemma(value=values[i % 4], topic=["politics", "religion"][i % 2], variant=1 + i // 4,
                         texts=[f"Action {k}" for k in range(6)])
        d.status = DilemmaStatus.ACCEPTED
        dilemmas.append(d)
    dilemma_store.save_many(study, dilemmas, who="test", action="import")
    personas = [p for p in sample_personas(1, seed=2) if p.kind != "baseline"]
    persona_store.save_many(study, personas)
    models = ["m", "org/model b"]
    definition = RunDefinition.model_validate(dict(
        models=[{"name": m, "endpoints": ["http://127.0.0.1:1"], "concurrency": 8} for m in models],
        personas=[p.id for p in personas], repeats=2, seed=3))
    run_id = create_run(study, definition)
    planted = ((0.5, 0.3, 0.1, 0.05, 0.03, 0.02), (0.05, 0.1, 0.35, 0.3, 0.15, 0.05))
    asyncio.run(execute_run(study, run_id, {m: PlantedClient(*planted, seed=i) for i, m in enumerate(models)}))

    out = tmp_path / "report"
    assert main(["report", str(run_id), str(out), "--study", str(study.path), "--formats", "png,pdf,svg"]) == 0
    assert "(PNG, PDF, SVG)" in capsys.readouterr().out
    for slug in ("m", "org_model_b"):
        for name in ("alignment_heatmap", "answer_choices", "kinds"):
            png, svg = out / f"{name}_{slug}.png", out / f"{name}_{slug}.svg"
            assert (out / f"{name}_{slug}.pdf").read_bytes().startswith(b"%PDF")
            image = matplotlib.image.imread(png)
            assert image.shape[0] > 400 and image.shape[1] > 500, png.name
            colours = np.unique((image[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
            assert len(colours) > 20, png.name  # drawn, not a blank canvas
            text = svg.read_text()
            assert text.startswith("<?xml") and "<svg" in text and len(text) > 10_000, svg.name
    heat = matplotlib.image.imread(out / "alignment_heatmap_m.png")[..., :3]
    assert ((heat[..., 2] > heat[..., 0] + 0.2)).sum() > 100 and ((heat[..., 0] > heat[..., 2] + 0.2)).sum() > 100
    summary = (out / "summary.md").read_text()
    assert summary.count("### Persona kinds adjusted for extremity") == 2
    adjusted = read_csv(out / "kinds_adjusted.csv")
    assert {r["model"] for r in adjusted} == set(models)
    assert {r["kind"] for r in adjusted} == {"moderate", "max", "incongruous"}
    assert all(float(r["extremity"]) > 0 for r in adjusted)
