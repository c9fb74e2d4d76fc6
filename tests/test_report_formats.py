"""Which files a report writes for each figure: the PNG always, the PDF and the SVG as asked; `valuegap
report` and the app write PNG and PDF unless asked for the SVG. A file written is byte for byte the file a
report of every format writes, whether drawn in one process, in workers or while the intervals are
computed; kept figures are kept per set of formats."""

from __future__ import annotations

import pytest

from tests.helpers.collection import staged_study
from valuegap_tui.cli import main
from valuegap_tui.report import drawing, writer
from valuegap_tui.report.figure_formats import DEFAULT_FORMATS, FORMATS, current_formats, drawn_as, parse_formats


pytestmark = pytest.mark.usefixtures("fixed_file_stamps")


def _files(folder, suffixes=(".png", ".pdf", ".svg")) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in suffixes}


def test_formats_are_read_in_drawing_order_with_the_png_always():
    assert parse_formats("png,pdf,svg") == FORMATS
    assert parse_formats("SVG, .pdf") == ("png", "pdf", "svg")  # any order and case: drawn PNG first
    assert parse_formats("svg") == ("png", "svg") and parse_formats("") == ("png",)
    assert DEFAULT_FORMATS == ("png", "pdf")
    with pytest.raises(ValueError, match="unknown figure format 'jpg': give some of png, pdf, svg"):
        parse_formats("pdf,jpg")
    with pytest.raises(ValueError):
        with drawn_as(("pdf",)):  # never without its PNG (the summary shows it)
            pass
    with drawn_as(("svg", "png")):
        assert current_formats() == ("png", "svg")
    assert current_formats() == FORMATS


def test_a_report_writes_the_formats_asked_each_file_as_a_report_of_every_format(tmp_path):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    # first after new answers, in two workers: two figures drawn while the intervals are computed
    assert drawing.early_possible(2)
    asked = writer.report_run(study, run_id, tmp_path / "asked", workers=2, formats=DEFAULT_FORMATS)
    every = writer.report_run(study, run_id, tmp_path / "every", workers=1)
    only = _files(tmp_path / "asked")
    assert {name.rsplit(".", 1)[1] for name in only} == {"png", "pdf"} and len(only) >= 2 * 7
    assert {p.suffix for p in asked.figures} == {".png", ".pdf"} and len(asked.figures) == len(only)
    assert all(p.exists() for p in asked.figures) and asked.formats == DEFAULT_FORMATS
    assert only == _files(tmp_path / "every", (".png", ".pdf"))  # byte for byte
    assert len(_files(tmp_path / "every")) == len(only) * 3 // 2 and every.formats == FORMATS
    for name, data in only.items():  # the PDF for the paper: its fonts embedded as TrueType
        if name.endswith(".pdf"):
            assert b"/FontFile2" in data and b"/Type3" not in data, name
    summary = (tmp_path / "asked" / "summary.md").read_text(encoding="utf-8")
    assert "each also as PDF beside the PNG, its text editable; SVG with `valuegap report --formats png,pdf,svg`" \
        in summary and "Each also as PDF beside the PNG" in summary
    assert "each also as PDF and SVG beside the PNG, their text editable" in \
        (tmp_path / "every" / "summary.md").read_text(encoding="utf-8")


def test_kept_figures_are_kept_per_set_of_formats(tmp_path, monkeypatch):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    writer.report_run(study, run_id, tmp_path / "first", workers=1, formats=DEFAULT_FORMATS)
    drawn = []
    real = drawing._draw
    monkeypatch.setattr(drawing, "_draw", lambda job: drawn.append(job[1]) or real(job))
    writer.report_run(study, run_id, tmp_path / "copied", workers=1, formats=DEFAULT_FORMATS)
    assert drawn == [] and _files(tmp_path / "copied") == _files(tmp_path / "first")
    with_svg = writer.report_run(study, run_id, tmp_path / "svg", workers=1, formats=("png", "svg"))
    assert "alignment_heatmap" in drawn  # kept PNG and PDF hold no SVG: drawn
    assert {p.suffix for p in with_svg.figures} == {".png", ".svg"}
    assert {p.suffix for p in (tmp_path / "svg").iterdir()} == {".png", ".svg", ".csv", ".md"}
    drawn.clear()
    writer.report_run(study, run_id, tmp_path / "svg_again", workers=1, formats=("png", "svg"))
    assert drawn == [] and _files(tmp_path / "svg_again") == _files(tmp_path / "svg")


def test_the_command_writes_png_and_pdf_unless_asked_and_says_so(tmp_path, capsys):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    study.close()
    out = tmp_path / "report"
    assert main(["report", str(run_id), str(out), "--study", str(tmp_path / "s.db")]) == 0
    assert "figure files (PNG, PDF) to" in capsys.readouterr().out
    assert {p.suffix for p in out.iterdir()} == {".png", ".pdf", ".csv", ".md"}
    assert main(["report", str(run_id), str(tmp_path / "bad"), "--study", str(tmp_path / "s.db"),
                 "--formats", "pdf,jpeg"]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown figure format 'jpeg'" in err and "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "bad").exists()  # nothing written
