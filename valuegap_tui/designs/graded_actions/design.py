"""The poster's design: a scenario, six actions graded strongly .. mildly aligning / opposing the
value at stake, and the value question on a six-point agree/disagree scale.

Both questions put their options on one six-point axis (``metrics/scale.py``), so the gap is the
distance between the stated and the enacted point; its metrics are the ``metrics`` package's
(docs/metrics.md) with their own screens and report sections.
"""

from __future__ import annotations

from typing import ClassVar

from valuegap_tui.designs.base import Design, DesignError, Question
from valuegap_tui.designs.graded_actions.models import DESIGN_ID

#: option index (catalogue order: strongly agree / aligning first) -> score on the common axis
SCORES = (3, 2, 1, -1, -2, -3)


class GradedActions(Design):
    id: ClassVar[str] = DESIGN_ID
    title: ClassVar[str] = "Six graded actions"
    reference: ClassVar[str] = "the value-action gap poster's design"
    questions: ClassVar[tuple[Question, ...]] = (
        Question("value", "value_question"),
        Question("action", "action_question"),
    )
    default_temperature: ClassVar[float] = 1.0
    core_metrics: ClassVar[bool] = True

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

    def option_labels(self, item, question: int) -> list[str]:
        """The catalogue's ids (data/scales.toml): strongly_agree .. strongly_disagree, strongly_aligning .."""
        from valuegap_tui.catalogue import catalogue

        scale = catalogue().value_scale if question == 0 else catalogue().action_labels
        return [point.id for point in scale]

    def fixed_questions(self) -> tuple[tuple[int, int], ...]:
        return ((0, 6), (1, 6))

    def protocols(self) -> tuple[str, ...]:
        """Every way of asking: both questions have templates for each wording, an abstention is
        counted apart from the six-point axis, and a persona describes a person as well as it
        addresses the model (docs/designs.md)."""
        from valuegap_tui.protocols import PROTOCOL_IDS

        return PROTOCOL_IDS

    def template_fields(self, item, question: int) -> dict[str, str]:
        from valuegap_tui.catalogue import catalogue

        return {"scenario": item.scenario.strip(), "value_name": catalogue().value(item.value).name}

    def choice_score(self, item, question: int, choice: int) -> int:
        return SCORES[choice]

    def headline(self, frame, items, conditions) -> list[tuple]:
        """AR, AD and F1 (oppose) per model and condition, default estimand (docs/metrics.md), under the
        reference protocol."""
        from valuegap_tui.metrics.items import build_items
        from valuegap_tui.metrics.summary import metric_table

        from valuegap_tui.metrics.protocols import protocols_asked, reference_protocol
        from valuegap_tui.metrics.summary import filter_frame

        # under one way of asking (standard where asked), as the Results screen's tables
        frame = filter_frame(frame, protocol=reference_protocol(protocols_asked(frame)))
        table = metric_table("headline", build_items(frame), ("model", "persona"))
        rows = []
        for record in table.records():
            model, condition = record[table.columns[0]], record[table.columns[1]]
            for metric in ("alignment_rate", "alignment_distance", "f1_oppose", "items"):
                rows.append((model, condition, metric, record[metric]))
        return rows

    # --- plug-in parts -----------------------------------------------------------------------------
    def review_parts(self):
        from valuegap_tui.designs.graded_actions.review import PosterReviewParts

        return PosterReviewParts(self)

    def generator(self):
        from valuegap_tui.designs.graded_actions.generate import PosterGenerator

        return PosterGenerator()

    def import_file(self, study_path, path, *, fmt, who, allow_flags) -> str:
        """Dilemmas from JSONL or CSV (``dataset/transfer.py``): all or nothing, the line and field of
        the first problem named; a record that states no status keeps the stored one."""
        from pathlib import Path

        from valuegap_tui.dataset.transfer import ImportFailure, detect_format, read_dilemmas
        from valuegap_tui.store import dilemmas as dilemma_store
        from valuegap_tui.store import open_study

        try:
            fmt = detect_format(path, fmt)
        except ValueError as exc:
            raise DesignError(str(exc)) from None
        flags: set[str] = set()
        if Path(study_path).exists():  # the flags the study carries already may come back in the file
            existing = open_study(study_path)
            try:
                flags = dilemma_store.flags_in_use(existing)
            finally:
                existing.close()
        try:
            dilemmas = read_dilemmas(path, fmt, more_flags=[*allow_flags, *flags])
        except ImportFailure as exc:
            raise DesignError(f"import failed, nothing written: {exc}") from None
        study = open_study(study_path, create=True)
        counts = dilemma_store.import_many(study, dilemmas, who=who)
        changed = f", {counts['status_changed']} review status(es) set from the file" if counts["status_changed"] else ""
        same = f", {counts['unchanged']} unchanged" if counts["unchanged"] else ""
        return (f"imported {len(dilemmas)} dilemmas into {study.path} ({counts['new']} new, {counts['updated']} updated"
                f"{same}{changed})")

    def study_notes(self, study) -> list[str]:
        """How many of the value x topic pairs have a dilemma, by value type and by topic."""
        from collections import Counter

        from valuegap_tui.catalogue import catalogue
        from valuegap_tui.store import dilemmas as dilemma_store

        cat = catalogue()
        lines = [f"{dilemma_store.count(study)} dilemmas (of {len(cat.values) * len(cat.topics)} value x topic pairs)"]
        by_type: Counter = Counter()
        for value_id, n in dilemma_store.counts_by(study, "value_id").items():
            by_type[cat.value(value_id).type] += n
        lines.append("by value type:")
        lines += [f"  {value_type.name:<16} {by_type.get(value_type.id, 0):>5}" for value_type in cat.value_types]
        by_topic = dilemma_store.counts_by(study, "topic_id")
        lines.append("by topic:")
        lines += [f"  {topic.name:<32} {by_topic.get(topic.id, 0):>5}" for topic in cat.topics]
        return lines


DESIGN = GradedActions()
