"""Metrics of the value-action gap, computed with numpy over stored answers.

Entry point: ``compute_results(frame)`` (summary.py) over an ``AnswerFrame`` (frame.py). docs/metrics.md
defines every number.
"""

from valuegap_tui.metrics.summary import Results, compute_results, filter_frame

__all__ = ["Results", "compute_results", "filter_frame"]
