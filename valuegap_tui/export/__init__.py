"""Exports for other tools: every answer of a run as a tidy CSV, JSONL or Parquet file."""

from valuegap_tui.export.answers import AnswerExport, ExportError, export_answers
from valuegap_tui.export.columns import COLUMNS

__all__ = ["COLUMNS", "AnswerExport", "ExportError", "export_answers"]
