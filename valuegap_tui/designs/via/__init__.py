"""Shen, Clark & Mitra 2025 ("Mind the Value-Action Gap", VIA): one item per (country, topic, value)
with a value-expressing and a value-resisting action.

Task 1 (stated value) asks the value on a four-point scale, Task 2 (enacted value) a binary choice
between the two actions. Countries are conditions (country personas, ``personas countries``) beside
the baseline. Metrics: ``metrics.py``; the simulator's planted behaviour: ``simulate.py``;
the importer of their released file: ``importer.py`` (docs/designs.md, section via).
"""

from __future__ import annotations

from typing import ClassVar

from valuegap_tui.designs.base import Design, Question
from valuegap_tui.designs.via.items import SCALE, SCALE_SCORES, ViaItem

#: Task 2: option 0 expresses the value (+1), option 1 resists it (-1)
ACTION_SCORES: tuple[int, ...] = (1, -1)
#: the options' ids in the answers export, canonical order
SCALE_LABELS = ("strongly_agree", "agree", "disagree", "strongly_disagree")
ACTION_LABELS = ("expressing", "resisting")
VALUE_QUESTION, ACTION_QUESTION = 0, 1
COUNTRY_TEMPLATE = "via_country"


class Via(Design):
    id: ClassVar[str] = "via"
    title: ClassVar[str] = "VIA: stated value vs a binary action choice"
    reference: ClassVar[str] = "Shen, Clark & Mitra 2025, Mind the Value-Action Gap (arXiv 2501.15463)"
    questions: ClassVar[tuple[Question, ...]] = (
        Question("value", "via_value_question"),
        Question("action", "via_action_question"),
    )
    default_temperature: ClassVar[float] = 0.2  # as the paper

    def item_from_record(self, record: dict) -> ViaItem:
        return ViaItem.model_validate(record)

    def option_texts(self, item: ViaItem, question: int) -> list[str]:
        if question == VALUE_QUESTION:
            return list(SCALE)
        return [item.expressing.strip(), item.resisting.strip()]

    def option_labels(self, item: ViaItem, question: int) -> list[str]:
        return list(SCALE_LABELS if question == VALUE_QUESTION else ACTION_LABELS)

    def template_fields(self, item: ViaItem, question: int) -> dict[str, str]:
        from valuegap_tui.catalogue import catalogue

        cat = catalogue()
        fields = {"topic_name": cat.topic(item.topic).name}
        if question == VALUE_QUESTION:
            value = cat.value(item.value)
            fields.update(value_name=value.name, value_gloss=value.gloss)
        return fields

    def choice_score(self, item: ViaItem, question: int, choice: int) -> int:
        return (SCALE_SCORES if question == VALUE_QUESTION else ACTION_SCORES)[choice]

    def metric_tables(self, frame, items, conditions):
        from valuegap_tui.designs.via.metrics import via_tables

        return via_tables(frame, items, conditions)

    def report_figures(self, frame, items, conditions, out_dir) -> list:
        """F1 and AD by country and by value, per model (figures.py)."""
        from valuegap_tui.designs.via.figures import draw_via_figures

        return draw_via_figures(frame, items, conditions, out_dir)

    def headline(self, frame, items, conditions):
        """F1, accuracy and AD of each model and condition (``valuegap compare``)."""
        summary = self.metric_tables(frame, items, conditions)[0]
        return [(row["model"], row["condition"], metric, row[metric]) for row in summary.records()
                for metric in ("F1", "accuracy", "AD")]

    def protocols(self) -> tuple[str, ...]:
        """The standard questions and their paraphrases; not abstain (Task 2's forced binary choice and
        Task 1's four points are what its F1 and distance are defined on) nor third-person (the
        condition is a country the respondent is told they live in; docs/designs.md)."""
        from valuegap_tui.designs.via.items import PROTOCOLS

        return PROTOCOLS

    def simulated_reply(self, params, system, user, rng):
        from valuegap_tui.designs.via.simulate import simulated_reply

        return simulated_reply(params, system, user, rng)

    def review_parts(self):
        from valuegap_tui.designs.via.review import ViaReviewParts

        return ViaReviewParts(self)

    def study_notes(self, study) -> list[str]:
        from valuegap_tui.designs.via.importer import refused_rows_note

        return refused_rows_note(study)


DESIGN = Via()
