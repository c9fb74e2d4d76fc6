"""Exports for other tools: every answer of a run as a tidy CSV, JSONL or Parquet file."""

from valuegap_tui.export.answers import AnswerExport, ExportError, export_answers
from valuegap_tui.export.columns import COLUMNS, DESIGN_GRADED_ACTIONS

__all__ = ["COLUMNS", "DESIGN_GRADED_ACTIONS", "AnswerExport", "ExportError", "export_answers"]
