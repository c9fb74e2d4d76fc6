"""Hand a run's questions to batch engines and take their answers back.

``export_batch`` writes a run's pending items as request files, one model per file and split by the
target's limits, with a manifest (``export``); ``import_batch`` reconciles output and error files, in
any order, partial or duplicated, by custom_id (``reconcile``). The shapes of each engine's request and
result lines live in ``targets``: the OpenAI Batch API, ``vllm run-batch`` (the same shapes) and
Anthropic's Message Batches.
"""

from valuegap_tui.evaluate.batch.export import export_batch
from valuegap_tui.evaluate.batch.reconcile import import_batch
from valuegap_tui.evaluate.batch.targets import TARGETS, BatchError

__all__ = ["TARGETS", "BatchError", "export_batch", "import_batch"]
