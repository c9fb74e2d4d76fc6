"""The poster's parts of the review screen (``designs/review.py`` says what parts are): its list columns,
the six labels the digit keys give, the labels' chips, the flags explained, the second opinion, and
every optional review tool (blind labels, agreement, the label check, dilemmas written by hand)."""

from __future__ import annotations

from typing import ClassVar

from valuegap_tui.designs.graded_actions.models import AlignmentLabel, Dilemma, describe_label_problems
from valuegap_tui.designs.review import TOOLS, Column, ReviewParts, Segment, ShownOption
from valuegap_tui.text import one_line

LABEL_STYLES = {
    AlignmentLabel.STRONGLY_ALIGNING: "bold white on #1f4e9c",
    AlignmentLabel.MODERATELY_ALIGNING: "white on #3d7bd9",
    AlignmentLabel.MILDLY_ALIGNING: "black on #9cc3f5",
    AlignmentLabel.MILDLY_OPPOSING: "black on #f5b3a6",
    AlignmentLabel.MODERATELY_OPPOSING: "white on #d9573d",
    AlignmentLabel.STRONGLY_OPPOSING: "bold white on #9c2a1f",
}

SHORT = {
    AlignmentLabel.STRONGLY_ALIGNING: "+3 strong align",
    AlignmentLabel.MODERATELY_ALIGNING: "+2 moderate align",
    AlignmentLabel.MILDLY_ALIGNING: "+1 mild align",
    AlignmentLabel.MILDLY_OPPOSING: "-1 mild oppose",
    AlignmentLabel.MODERATELY_OPPOSING: "-2 moderate oppose",
    AlignmentLabel.STRONGLY_OPPOSING: "-3 strong oppose",
}


class PosterReviewParts(ReviewParts):
    columns: ClassVar = (Column("value", "Value", 18), Column("topic", "Topic", 18), Column("type", "Type", 12))
    statuses: ClassVar = ("draft", "accepted", "rejected", "needs-edit")
    decisions: ClassVar = {"accept": "accepted", "reject": "rejected", "needs-edit": "needs-edit"}
    label_keys: ClassVar = tuple(f"Label: {SHORT[label]}" for label in AlignmentLabel.ordered())
    relabel_by: ClassVar = "label"
    tools: ClassVar = TOOLS
    empty_hint: ClassVar = "No dilemmas yet: import some (valuegap import), generate them (F2) or write one (ctrl+n)."

    # --- the list ------------------------------------------------------------------------------
    def cells(self, row) -> list[str]:
        from valuegap_tui.catalogue import catalogue

        cat = catalogue()
        value = cat.value(row.value_id)
        return [value.name, cat.topic(row.topic_id).name, cat.value_type(value.type).name]

    # --- the detail ----------------------------------------------------------------------------
    def heading(self, item: Dilemma) -> list[Segment]:
        from valuegap_tui.catalogue import catalogue

        cat = catalogue()
        value = cat.value(item.value)
        return [(value.name, "bold"), (f" ({value.gloss})\n", "italic"),
                (f"{cat.value_type(value.type).name} | {cat.topic(item.topic).name} | ", "")]

    def options(self, item: Dilemma, *, blind: bool = False, labels: list | None = None) -> list[ShownOption]:
        shown = []
        for pos, option in enumerate(item.options):
            label = labels[pos] if blind and labels is not None else (None if blind else option.label)
            shown.append(ShownOption(SHORT[label] if label else None, LABEL_STYLES[label] if label else "",
                                     option.text))
        return shown

    def flag_notes(self, item: Dilemma) -> list[tuple[str, str]]:
        from valuegap_tui.designs.graded_actions import flag_notes

        return flag_notes.notes(item)

    def second_opinion(self, study, item: Dilemma) -> list[Segment]:
        """The latest label check of the dilemma: its verdict, both orderings, the per-label
        confidence and the suggested fix with how to apply it."""
        from valuegap_tui.store import review as review_store

        check = review_store.latest_label_check(study, item.id)
        if check is None:
            return []
        verdict = "DOUBTFUL" if check.doubtful else "agrees"
        errors = f"{check.sign_errors} sign error{'s' if check.sign_errors != 1 else ''}"
        out: list[Segment] = [
            ("\n", ""),
            (f"Second opinion ({one_line(check.model)}): {verdict}, spearman {check.spearman:+.2f}, {errors}\n",
             "bold yellow" if check.doubtful else "bold"),
            ("action numbers, most aligning -> most opposing (| splits the halves)\n", "dim"),
        ]
        half = len(check.label_order) // 2
        for name, order in (("labels", check.label_order), ("model ", check.model_order)):
            out.append((f"  {name}: ", ""))
            for i, pos in enumerate(order):
                wrong = (i < half) != item.options[pos].label.aligning
                out.append((f"{pos + 1} ", "bold red" if wrong else ""))
                if i == half - 1:
                    out.append(("| ", ""))
            out.append(("\n", ""))
        return out + self._label_fix(item, check)

    def _label_fix(self, item: Dilemma, check) -> list[Segment]:
        from valuegap_tui.designs.graded_actions import label_check

        out: list[Segment] = []
        if check.pair_confidence:
            confidence = label_check.label_confidence(check)
            out.append((f"  label confidence ({check.judgements} judgements): ", "dim"))
            out.append((" ".join(f"{pos + 1}:{confidence[pos]:.0%}" for pos in check.label_order) + "\n", ""))
        if check.suggested_labels is None:
            return out
        if label_check.fix_applies(item, check):
            suspects = ", ".join(f"action {pos + 1}" for pos in check.suspects)
            out.append((f"  doubted: {suspects}\n  suggested: {label_check.describe_fix(item, check.suggested_labels)}"
                        "  (f applies it, u undoes)\n", "bold yellow"))
        elif tuple(o.label.value for o in item.options) == check.suggested_labels:
            out.append(("  suggested fix applied\n", "green"))
        else:
            out.append(("  labels changed since this check: check again (c)\n", "dim"))
        return out

    # --- changes -------------------------------------------------------------------------------
    def accept_problem(self, item: Dilemma, labels: list | None = None) -> str | None:
        return describe_label_problems(labels if labels is not None else [o.label for o in item.options]) or None

    def label_choices(self, item: Dilemma, option: int) -> list[tuple[str, str]]:
        return [(label.value, SHORT[label]) for label in AlignmentLabel.ordered()]

    def label_of(self, key: int) -> str:
        return AlignmentLabel.ordered()[key].value

    def relabelled(self, item: Dilemma, option: int, label: str) -> Dilemma:
        from valuegap_tui.designs.graded_actions.review_tools import swap_labels

        if not 0 <= option < len(item.options):
            raise ValueError(f"no action {option + 1}")
        labels = swap_labels([o.label for o in item.options], option, AlignmentLabel(label))
        record = item.to_record()
        for raw, new in zip(record["options"], labels):
            raw["label"] = new.value
        return Dilemma.model_validate(record)

    def editable(self, item: Dilemma, option: int | None) -> tuple[str, str]:
        if option is None:
            return f"Edit the scenario of {item.id}", item.scenario
        return f"Edit action {option + 1} of {item.id}", item.options[option].text

    def edited(self, item: Dilemma, option: int | None, text: str) -> Dilemma:
        record = item.to_record()
        if option is None:
            record["scenario"] = text
        elif 0 <= option < len(record["options"]):
            record["options"][option]["text"] = text
        else:
            raise ValueError(f"no action {option + 1} in {item.id}")
        return Dilemma.model_validate(record)

    # --- the tools -----------------------------------------------------------------------------------
    def blind_labels(self, study, item_id: str, reviewer: str) -> list:
        from valuegap_tui.designs.graded_actions import review_tools

        return review_tools.blind_labels(study, item_id, reviewer)

    def blind_relabel(self, study, item_id: str, option: int, label: str, reviewer: str) -> list:
        from valuegap_tui.designs.graded_actions import review_tools

        return review_tools.blind_relabel(study, item_id, option, AlignmentLabel(label), reviewer=reviewer)

    def blind_submit(self, study, item_id: str, reviewer: str) -> None:
        from valuegap_tui.designs.graded_actions import review_tools

        review_tools.blind_submit(study, item_id, reviewer=reviewer)

    def with_label(self, labels: list, option: int, label: str) -> list:
        from valuegap_tui.designs.graded_actions.review_tools import swap_labels

        return swap_labels(labels, option, AlignmentLabel(label))

    def agreement(self, study) -> list[Segment]:
        from valuegap_tui.designs.graded_actions import review_tools

        pairs, found = review_tools.agreement_report(study)
        out: list[Segment] = [("Agreement on the labels (quadratic-weighted kappa)\n\n", "bold")]
        out += [(one_line(line) + "\n", "") for line in review_tools.format_agreement(pairs)]
        out.append((f"\n{len(found)} disagreements, largest first\n", "bold"))
        for d in found[:200]:
            labels = ", ".join(f"{rater} {label.score:+d}" for rater, label in sorted(d.labels.items()))
            out.append((one_line(f"{d.dilemma_id} action {d.option + 1}: {labels}") + "\n", ""))
        return out

    def label_check_client(self):
        from valuegap_tui.designs.graded_actions import label_check

        return label_check.make_client()

    async def check_labels(self, study, client, items: list) -> tuple[int, int]:
        from valuegap_tui.designs.graded_actions import label_check

        outcomes = await label_check.check_dilemmas(study, client, items)
        return (sum(1 for o in outcomes if o.check and o.check.doubtful), sum(1 for o in outcomes if o.error))

    def fix_applies(self, study, item) -> bool:
        from valuegap_tui.designs.graded_actions import label_check
        from valuegap_tui.store import review as review_store

        return label_check.fix_applies(item, review_store.latest_label_check(study, item.id))

    def apply_fix(self, study, item_id: str, reviewer: str):
        from valuegap_tui.designs.graded_actions import review_tools

        return review_tools.apply_label_fix(study, item_id, reviewer=reviewer)

    def add_new(self, study, item, reviewer: str):
        from valuegap_tui.designs.graded_actions import review_tools

        return review_tools.add_new(study, item, reviewer=reviewer)

    def next_variant(self, study, value: str, topic: str) -> int:
        from valuegap_tui.designs.graded_actions import review_tools

        return review_tools.next_variant(study, value, topic)

    def describe_change(self, before: dict | None, after: dict) -> str:
        from valuegap_tui.review import history

        return history.describe_change(None if before is None else Dilemma.model_validate(before),
                                       Dilemma.model_validate(after))
