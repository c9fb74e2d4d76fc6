"""What a test asks of a report figure's files: the PDF and SVG beside the PNG, their text kept as text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path) -> list[str]:
    """The text of every <text> element of an SVG (a label drawn as glyph paths has none)."""
    root = ET.parse(path).getroot()
    return ["".join(node.itertext()).strip() for node in root.iter(f"{SVG}text")]


def assert_editable(png) -> list[str]:
    """The PNG's PDF and SVG twins exist; the SVG keeps its text as <text> (no glyph outlines), the PDF
    embeds TrueType fonts (no Type 3 outlines). Returns the SVG's texts."""
    pdf, svg = png.with_suffix(".pdf"), png.with_suffix(".svg")
    assert png.stat().st_size > 5_000 and pdf.exists() and svg.exists(), png.name
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"/FontFile2" in data and b"/Type3" not in data, pdf.name
    source = svg.read_text(encoding="utf-8")
    assert 'id="DejaVuSans-' not in source, svg.name  # glyphs as paths: text not editable
    texts = svg_texts(svg)
    assert len(texts) > 5, svg.name
    return texts
