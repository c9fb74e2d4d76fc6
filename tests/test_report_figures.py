"""The report's figures a paper uses: the models side by side (AR and AD with intervals, per condition and
per persona kind), the letter shares by position, the VIA design's own figures; every figure as PNG, PDF
(TrueType fonts embedded) and SVG whose text is <text> a person can edit."""

from __future__ import annotations

import csv

import numpy as np

from tests.helpers.figures import assert_editable, svg_texts
from valuegap_tui.metrics.frame import select
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.report.figure_files import figure_slug, short_name
from valuegap_tui.report.writer import write_report

#: long, with characters matplotlib would read as mathtext and an ampersand the SVG must escape
LONG_MODEL = "org/a-very-long-model-name-$with$-dollars-&-ampersand-and-more-words-checkpoint-2000"


def test_two_models_side_by_side_and_position_figures_with_editable_text(tmp_path):
    frame = synthetic_frame(models=("model-a", LONG_MODEL), topics=2, repeats=2, seed=6)
    results = compute_results(frame)
    report = write_report(results, tmp_path, "Two models", frame=frame)
    pngs = [p for p in report.figures if p.suffix == ".png"]
    assert [p.name for p in report.run_figures] == ["models_conditions.png", "models_kinds.png"]
    for model in ("model-a", LONG_MODEL):
        assert f"position_{figure_slug(model)}.png" in {p.name for p in pngs}
    assert {p.suffix for p in report.figures} == {".png", ".pdf", ".svg"} and len(report.figures) == 3 * len(pngs)
    for png in pngs:
        assert_editable(png)

    for name, column in (("models_conditions", "condition"), ("models_kinds", "condition")):
        texts = assert_editable(tmp_path / f"{name}.png")
        table = results.conditions if name == "models_conditions" else results.kinds
        categories = {r[column] for r in table.records()}
        for category in categories:
            assert any(t.startswith(short_name(category, 32)) for t in texts), (name, category)
        dilemmas = {m: {r["dilemmas"] for r in table.records() if r["model"] == m} for m in ("model-a", LONG_MODEL)}
        for model, counts in dilemmas.items():  # the legend: names as written, with the dilemmas they rest on
            (count,) = counts
            assert f"{short_name(model, 60)} ({count} dilemmas)" in texts, (name, model)
        assert "model (dilemmas its bars rest on)" in texts
        assert any("alignment rate (AR" in t for t in texts) and any("alignment distance (AD" in t for t in texts)

    texts = assert_editable(tmp_path / f"position_{figure_slug(LONG_MODEL)}.png")
    assert {"A", "B", "C", "D", "E", "F"} <= set(texts)
    assert "value question" in texts and "action question" in texts
    assert any(short_name(LONG_MODEL, 60) in t for t in texts)  # the title names the model, cut to fit
    letters = [r for r in results.letters.records() if r["model"] == LONG_MODEL and r["condition"] == "baseline"]
    shares = {f"{r['share']:.2f}" for r in letters}  # each cell's share, from the letters table
    assert shares <= {t.rstrip("*") for t in texts}

    summary = report.summary.read_text(encoding="utf-8")
    assert "## Models side by side" in summary and "](models_conditions.png)" in summary
    assert f"](position_{figure_slug(LONG_MODEL)}.png)" in summary


def test_a_condition_with_few_answers_and_one_model_alone(tmp_path):
    """A condition asked of two dilemmas only: no interval to draw there, the figures still say what it
    has; a model alone is not set beside itself."""
    frame = synthetic_frame(models=("model-a", "model-b"), topics=2, repeats=2, seed=3)
    few = frame.persona.labels.index("max-1")
    keep = (frame.persona.codes != few) | (frame.dilemma.codes < 2) | (frame.model.codes != 0)
    frame = select(frame, keep)
    results = compute_results(frame)
    (row,) = [r for r in results.conditions.records() if r["condition"] == "max-1" and r["model"] == "model-a"]
    assert row["dilemmas"] == 2
    from valuegap_tui.report.comparison_figures import draw_run
    from valuegap_tui.report.position_figure import letter_shares

    pngs = draw_run(results, tmp_path, "Two models") + [letter_shares(results, "model-a", tmp_path / "position_model-a.png",
                                                                      "Two models")]
    for png in pngs:
        assert_editable(png)
    texts = svg_texts(tmp_path / "models_conditions.svg")
    most = max(r["dilemmas"] for r in results.conditions.records() if r["model"] == "model-a")
    assert "max-1" in texts and f"model-a (2–{most} dilemmas)" in texts  # the legend says the bars' range
    texts = svg_texts(tmp_path / "position_model-a.svg")
    assert "max-1 (2 dilemmas)" in texts  # what the row rests on, beside its shares
    alone = compute_results(select(frame, frame.model.codes == 0))
    assert draw_run(alone, tmp_path / "alone", "One model") == [] and not (tmp_path / "alone").exists()


def test_a_model_without_paired_items_gets_no_bar_and_no_error(tmp_path):
    frame = synthetic_frame(models=("model-a", "model-b", "model-c"), topics=1, seed=2)
    only_values = (frame.model.codes != 1) | (frame.question == 0)  # model-b: value answers only
    frame = select(frame, only_values)
    from valuegap_tui.report.comparison_figures import draw_run

    assert [p.name for p in draw_run(compute_results(frame), tmp_path, "Half answered")] == [
        "models_conditions.png", "models_kinds.png"]
    texts = svg_texts(tmp_path / "models_conditions.svg")
    assert any(t.startswith("model-a (") for t in texts) and any(t.startswith("model-c (") for t in texts)
    assert not any("model-b" in t for t in texts)  # no paired item: nothing to set beside
    # model-b without model-c: one model with a paired item, not set beside itself
    two = select(frame, frame.model.codes != 2)
    assert draw_run(compute_results(two), tmp_path / "two", "Half answered") == []


def test_via_report_writes_its_figures_with_the_models_side_by_side(study, tmp_path):
    from tests.helpers.via import via_run
    from valuegap_tui.report.writer import report_run

    via_run(study, tmp_path, countries=("India",), topics=["politics"], values=["equality", "wealth", "devout"],
            repeats=1)
    out = tmp_path / "report"
    report = report_run(study, "latest", out)
    pngs = sorted(p.name for p in report.figures if p.suffix == ".png")
    assert pngs == sorted(["via_models.png"] + [f"{stem}_{m}.png" for m in ("model-a", "model-b")
                                                for stem in ("via_countries", "via_values")])
    for name in pngs:
        texts = assert_editable(out / name)
        assert len(texts) > 5
    texts = svg_texts(out / "via_models.svg")
    assert {"model-a", "model-b"} <= set(texts)
    assert {"baseline", "own country"} <= set(texts)
    assert any(t.startswith("F1") for t in texts) and any(t.startswith("alignment distance") for t in texts)
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "](via_models.png)" in summary


def test_via_figures_of_a_run_stopped_part_way(study, tmp_path):
    """A VIA run stopped after 1, 2 or a few answers (value answers with no action answer yet, a model
    with nothing): the figures are drawn from what there is, never an error."""
    from tests.helpers.via import via_run
    from valuegap_tui.designs.via.figures import draw_via_figures
    from valuegap_tui.store import answer_frame as frame_store
    from valuegap_tui.store import runs as run_store

    run_id, items = via_run(study, tmp_path, countries=("India",), topics=["politics"],
                            values=["equality", "wealth", "devout"], repeats=1)
    frame = frame_store.load_answer_frame(study, run_id)
    conditions = run_store.personas_of(study, run_id)
    for count in (1, 2, 9):
        out = tmp_path / f"first-{count}"
        out.mkdir()
        first = np.arange(len(frame.score)) < count  # the answers stored first
        files = draw_via_figures(select(frame, first), items, conditions, out)
        for png in (f for f in files if f.suffix == ".png"):
            texts = assert_editable(png)
            assert any(t.startswith("no ") or t[:1].isdigit() for t in texts), png.name  # a value or its absence
        assert all(f.exists() for f in files)
    # one value answer, no action answer yet: the figure says so instead of giving a reason that is not it
    assert "no AD: no paired answers yet (1 of 1 usable)" in svg_texts(tmp_path / "first-1" / "via_models.svg")


def test_names_are_drawn_as_written_not_as_mathtext(tmp_path):
    import matplotlib.pyplot as plt

    from valuegap_tui.report.figure_files import figure_style, save_figure

    with figure_style():
        fig, ax = plt.subplots()
        ax.set_title("a$b$ and $x^2$ and a lone $")
        save_figure(fig, tmp_path / "named.png")
    assert "a$b$ and $x^2$ and a lone $" in svg_texts(tmp_path / "named.svg")


def test_people_part_way_through_stand_beside_the_model(tmp_path):
    """People at 0, 1 and a few answers (no pair yet), at one paired dilemma and at several: the report
    draws every figure without error, and the models-side-by-side figures hold exactly the respondents
    with a paired item, each with the dilemmas its bars rest on, under "respondent"."""
    from tests.helpers.collection import staged_study
    from valuegap_tui.report.writer import report_run

    answered = {"pnone": 0, "pone": 1, "pfew": 5, "ppair": 6, "p9": 9, "phalf": 19}
    study, _run = staged_study(tmp_path / "s.db", "person", answered)
    report = report_run(study, "latest", tmp_path / "out")
    study.close()
    rows = {r["model"]: r for r in report_run_conditions(tmp_path / "out")}
    assert set(rows) == {"a", "human:ppair", "human:p9", "human:phalf"}  # the others have no paired item yet
    assert rows["human:ppair"]["dilemmas"] == "1" and int(rows["human:phalf"]["dilemmas"]) > 1
    pngs = [p for p in report.figures if p.suffix == ".png"]
    assert {p.name for p in pngs} >= {"models_conditions.png", "models_kinds.png", "position_human_ppair.png"}
    for png in pngs:
        assert_editable(png)
    # two dilemmas: the kind's t interval is wider than the scale, so the table cuts it at the scale's end
    # (it held -5.85 to 6.85 before), and the figures draw it whole within the scale
    with open(tmp_path / "out" / "persona_kinds.csv", newline="", encoding="utf-8") as fh:
        (two,) = [r for r in csv.DictReader(fh) if r["model"] == "human:p9"]
    assert two["dilemmas"] == "2" and float(two["ar_low"]) >= 0.0 and float(two["ar_high"]) == 1.0
    texts = svg_texts(tmp_path / "out" / "kinds_human_p9.svg")
    assert "runs past the scale" not in " ".join(texts)
    assert max(float(t) for t in texts if t.replace(".", "", 1).isdigit()) <= 1.4  # the tick labels
    texts = svg_texts(tmp_path / "out" / "models_kinds.svg")
    assert not any("runs past the scale" in t for t in texts)
    assert max(float(t) for t in texts if t.replace(".", "", 1).isdigit()) <= 1.0
    heading = svg_texts(tmp_path / "out" / "position_human_phalf.svg")
    assert any(t.endswith("respondent human:phalf") for t in heading) and not any("model human:" in t for t in heading)
    for name in ("models_conditions", "models_kinds"):
        texts = svg_texts(tmp_path / "out" / f"{name}.svg")
        assert "respondent (dilemmas its bars rest on)" in texts
        assert "human:ppair (1 dilemma)" in texts
        assert f"human:phalf ({rows['human:phalf']['dilemmas']} dilemmas)" in texts
        assert f"a ({rows['a']['dilemmas']} dilemmas)" in texts
        assert not any(who in t for t in texts for who in ("pnone", "pone", "pfew")), name


def report_run_conditions(out):
    with open(out / "conditions.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_bar_label_stays_inside_its_panel():
    """A value near the panel's end is written inside its bar (white), one with room beside it."""
    import matplotlib.pyplot as plt

    from valuegap_tui.report.figure_files import label_bar

    fig, ax = plt.subplots(figsize=(4, 2))
    ax.barh([0, 1], [0.97, 0.3])
    ax.set_xlim(0, 1)
    label_bar(ax, 0.97, 0, "0.97  (4,928 of 4,928 usable)", room=0.45)
    label_bar(ax, 0.3, 1, "0.30  (4,928 of 4,928 usable)", room=0.45)
    renderer = fig.canvas.get_renderer()
    panel = ax.get_window_extent(renderer)
    inside, beside = ax.texts
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        assert panel.x0 <= box.x0 and box.x1 <= panel.x1, text.get_text()
    assert inside.get_color() == "white" and inside.get_window_extent(renderer).x1 < ax.transData.transform((0.97, 0))[0]
    assert beside.get_window_extent(renderer).x0 > ax.transData.transform((0.3, 0))[0]
    plt.close(fig)


def test_valact_names_on_one_spot_share_a_label_and_no_two_labels_overlap():
    import matplotlib.pyplot as plt

    from valuegap_tui.designs.valact.figures import _name_points

    names = ["Self-direction", "Hedonism", "Tradition", "Achievement", "Power", "Universalism"]
    stated = [-0.65, -0.4, -0.4, 0.1, 1.1, 0.85]
    enacted = [0.0, 0.0, 0.0, 0.0, 0.0, float("nan")]  # a row of close points; one value never offered
    fig, ax = plt.subplots(figsize=(4.6, 4.2), layout="constrained")
    ax.scatter(stated, enacted)
    _name_points(ax, names, stated, enacted)
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == ["Achievement", "Hedonism, Tradition", "Power", "Self-direction"]
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    panel = ax.get_window_extent(renderer)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert all(panel.x0 <= b.x0 and b.x1 <= panel.x1 for b in boxes)
    plt.close(fig)


def test_answer_choices_bars_stand_where_their_shares_put_them(tmp_path, monkeypatch):
    """Each option's bars (one collection per option) cover their share of each row in the option's
    colour, left to right in option order, and the legend names the six options in those colours."""
    from matplotlib.colors import to_rgb
    from PIL import Image

    from valuegap_tui.report import figures
    from valuegap_tui.report.figure_formats import drawn_as

    shares = [("baseline", {"value": [0.5, 0.2, 0.1, 0.1, 0.05, 0.05], "action": [0.1, 0.1, 0.2, 0.2, 0.2, 0.2]}),
              ("max-1", {"value": [0.0, 0.0, 0.0, 0.3, 0.3, 0.4], "action": [1 / 6] * 6})]
    drawn = []
    real = figures.save_figure
    monkeypatch.setattr(figures, "save_figure", lambda fig, path, **kw: drawn.append(fig) or real(fig, path, **kw))
    with drawn_as(("png", "svg")):
        png = figures.answer_choices(None, "m", tmp_path / "answer_choices_m.png", "Run 1", shares)
    image = np.asarray(Image.open(png).convert("RGB")).astype(int)
    (ax,) = drawn[0].axes
    rows = [(0.0, shares[0][1]["value"]), (1.0, shares[0][1]["action"]), (2.6, shares[1][1]["value"]),
            (3.6, shares[1][1]["action"])]
    for y, row in rows:
        start = 0.0
        for k, share in enumerate(row):
            if share > 0.04:  # a point inside the bar, away from its label and its white edge
                x_px, y_px = ax.transData.transform((start + share * 0.15, y + 0.25)) * 120 / drawn[0].dpi
                pixel = image[image.shape[0] - int(y_px) - 1, int(x_px)]
                expected = np.round(np.array(to_rgb(figures.OPTION_COLOURS[k])) * 255)
                assert np.abs(pixel - expected).max() <= 2, (y, k, pixel, expected)
            start += share
    texts = svg_texts(png.with_suffix(".svg"))
    assert sum("/" in t and ("agree" in t.lower() or "disagree" in t.lower()) for t in texts) == 6
