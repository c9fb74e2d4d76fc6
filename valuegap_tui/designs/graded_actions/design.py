"""The poster's design: a scenario, six actions graded strongly .. mildly aligning / opposing the
value at stake, and the value question on a six-point agree/disagree scale.

Both questions put their options on one six-point axis (``metrics/scale.py``), so the gap is the
distance between the stated and the enacted point; its metrics are the ``metrics`` package's
(docs/metrics.md) with their own screens and report sections.
"""

from __future__ import annotations

from typing import ClassVar

from valuegap_tui.designs.base import Design, Question

#: option index (catalogue order: strongly agree / aligning first) -> score on the common axis
SCORES = (3, 2, 1, -1, -2, -3)


class GradedActions(Design):
    id: ClassVar[str] = "graded_actions"
    title: ClassVar[str] = "Six graded actions"
    reference: ClassVar[str] = "the value-action gap poster's design"
    questions: ClassVar[tuple[Question, ...]] = (
        Question("value", "value_question"),
        Question("action", "action_question"),
    )
    default_temperature: ClassVar[float] = 1.0

    def item_from_record(self, record: dict):
        from valuegap_tui.designs.graded_actions.models import Dilemma

        return Dilemma.model_validate(record)

    def option_texts(self, item, question: int) -> list[str]:
        if question == 0:
            from valuegap_tui.catalogue import catalogue

            return [point.text for point in catalogue().value_scale]
        return [option.text for option in item.options_by_alignment()]

    def option_count(self, item, question: int) -> int:
        return 6

    def template_fields(self, item, question: int) -> dict[str, str]:
        from valuegap_tui.catalogue import catalogue

        return {"scenario": item.scenario.strip(), "value_name": catalogue().value(item.value).name}

    def choice_score(self, item, question: int, choice: int) -> int:
        return SCORES[choice]

    def headline(self, frame, items, conditions) -> list[tuple]:
        """AR, AD and F1 (oppose) per model and condition, default estimand (docs/metrics.md)."""
        from valuegap_tui.metrics.items import build_items
        from valuegap_tui.metrics.summary import metric_table

        table = metric_table("headline", build_items(frame), ("model", "persona"))
        rows = []
        for record in table.records():
            model, condition = record[table.columns[0]], record[table.columns[1]]
            for metric in ("alignment_rate", "alignment_distance", "f1_oppose", "items"):
                rows.append((model, condition, metric, record[metric]))
        return rows


DESIGN = GradedActions()
