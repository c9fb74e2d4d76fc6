"""The ValAct-style design (Huang et al. 2026, "Knowing But Not Doing"): advice-seeking scenarios
with four actions, each enacting one of Schwartz's ten basic values, and a portrait questionnaire
for the stated values. The gap is the correlation of the stated and the enacted value profile.

Questions (their index is what runs store):

- 0 ``action``: which of the four actions the respondent would take (nominal: the choice is the
  value enacted);
- 1 ``portrait``: how much a portrait item's person is like the respondent, six points (ordinal);
- 2..5 ``select_1`` .. ``select_4``: which of the scenario's four values action 1..4 serves (nominal;
  the unprompted selection task the role-play accuracy is compared with).

A scenario is asked 0 and 2..5, a portrait item 1 (``questions_of``). docs/designs.md has the metrics.
"""

from __future__ import annotations

from typing import ClassVar

from valuegap_tui.designs.base import Design, DesignError, Question
from valuegap_tui.designs.valact import items as valact_items
from valuegap_tui.designs.valact.items import ACTIONS, PORTRAIT_SCORES, Portrait, Scenario

ACTION, PORTRAIT = 0, 1
SELECT = tuple(range(2, 2 + ACTIONS))  # select_k asks about action k-1
#: portrait option index -> its id in the answers export (the default scale's words)
PORTRAIT_LABELS = ("very_much_like_me", "like_me", "somewhat_like_me", "a_little_like_me", "not_like_me",
                   "not_like_me_at_all")


class ValAct(Design):
    id: ClassVar[str] = "valact"
    title: ClassVar[str] = "Four value-enacting actions and a value questionnaire (ValAct-style)"
    reference: ClassVar[str] = "Huang et al. 2026, Knowing But Not Doing (ValAct-15k)"
    questions: ClassVar[tuple[Question, ...]] = (
        Question("action", "valact_action", ordinal=False),
        Question("portrait", "valact_portrait", ordinal=True),
        *(Question(f"select_{k + 1}", "valact_select", ordinal=False) for k in range(ACTIONS)),
    )
    default_temperature: ClassVar[float] = 1.0

    def item_from_record(self, record: dict):
        from pydantic import ValidationError

        from valuegap_tui.validation import format_validation_error

        try:
            return valact_items.item_from_record(record)
        except ValidationError as exc:
            raise ValueError(format_validation_error(exc)) from None

    def questions_of(self, item) -> tuple[int, ...]:
        return (PORTRAIT,) if isinstance(item, Portrait) else (ACTION, *SELECT)

    def option_texts(self, item, question: int) -> list[str]:
        if question == PORTRAIT:
            return list(item.scale)
        if question == ACTION:
            return [a.text for a in item.actions]
        return [valact_items.value_name(v) for v in item.values()]

    def option_labels(self, item, question: int) -> list[str]:
        """Portrait: the six points' ids (very_much_like_me .. not_like_me_at_all, whatever the item's
        wording); an action or a selection: the value id each option stands for."""
        if question == PORTRAIT:
            return list(PORTRAIT_LABELS)
        return item.values()

    def template_fields(self, item, question: int) -> dict[str, str]:
        if question == PORTRAIT:
            return {"portrait": item.text}
        fields = {"scenario": item.scenario.strip()}
        if question in SELECT:
            fields["action"] = item.actions[question - SELECT[0]].text
        return fields

    def choice_score(self, item, question: int, choice: int) -> int:
        return PORTRAIT_SCORES[choice] if question == PORTRAIT else 0

    def metric_tables(self, frame, items, conditions):
        from valuegap_tui.designs.valact.metrics import metric_tables

        return metric_tables(frame, items, conditions)

    def headline(self, frame, items, conditions) -> list[tuple]:
        """The stated-enacted r and the share of scenarios answered per model and condition."""
        from valuegap_tui.designs.valact.metrics import respondents

        return [(model, condition, metric, value) for (model, condition), r in respondents(frame, items).items()
                for metric, value in (("stated_enacted_r", r.gap()), ("scenarios", len(r.scenarios)))]

    def report_figures(self, frame, items, conditions, out_dir) -> list:
        from valuegap_tui.designs.valact.figures import draw_profiles

        return draw_profiles(frame, items, conditions, out_dir)

    def protocols(self) -> tuple[str, ...]:
        """The standard questions and their paraphrases; not abstain (the enacted profile is the share of
        choices per value and the questionnaire a six-point scale, neither defined with a choice of
        none) nor third-person (the portrait question already asks about another person; docs/designs.md)."""
        return ("standard", "paraphrase-1", "paraphrase-2", "paraphrase-3")

    def simulated_reply(self, params, system, user, rng):
        from valuegap_tui.designs.valact.simulate import simulated_reply

        return simulated_reply(params, system, user, rng)

    def simulator_study(self, study) -> int:
        """The simulator learns which value each stored action and portrait enacts (its ground truth)."""
        from valuegap_tui.designs.valact.simulate import learn_study

        return learn_study(study)

    # --- plug-in parts -----------------------------------------------------------------------------
    def review_parts(self):
        from valuegap_tui.designs.valact.review import ValActReviewParts

        return ValActReviewParts(self)

    def generator(self):
        from valuegap_tui.designs.valact.generate import ValActGenerator

        return ValActGenerator()

    def import_file(self, study_path, path, *, fmt, who, allow_flags) -> str:
        """Scenarios from JSONL or CSV (``importer.py``): all or nothing, the line and field named."""
        from valuegap_tui.designs.valact.importer import ScenarioImportError, import_file
        from valuegap_tui.store import open_study

        study = open_study(study_path)
        try:
            counts = import_file(study, path, who=who)
        except ScenarioImportError as exc:
            raise DesignError(str(exc)) from None
        return f"imported {counts['read']} scenarios into {study.path} ({counts['new']} new, {counts['updated']} updated)"


DESIGN = ValAct()
__all__ = ["DESIGN", "ValAct", "Scenario", "Portrait"]
