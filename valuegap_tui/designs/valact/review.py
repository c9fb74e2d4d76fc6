"""The valact design's parts of the review screen (``designs/review.py`` says what parts are).

The list holds the scenarios; the questionnaire's portrait items join it when a filter names their
topic (``topic:questionnaire``). The detail shows a scenario and its four actions with the value
each enacts. Digit k relabels action k: a list of the ten values opens, and the action that enacted
the chosen value takes the old one, so every action keeps its own. ``e`` edits the highlighted
action's text (or the scenario's), ``m`` the notes. Blind mode hides the values the actions enact.
"""

from __future__ import annotations

from typing import ClassVar

from valuegap_tui.designs.review import Column, ReviewParts, Segment, ShownOption, Vocabulary
from valuegap_tui.designs.valact.items import ACTIONS, PORTRAIT_SCORES, PORTRAIT_TOPIC, Portrait, Scenario, find_value_type, value_name, value_types

VALUE_STYLE = "black on #9cc3f5"


def _topic_name(topic_id: str) -> str:
    from valuegap_tui.catalogue import catalogue

    if topic_id == PORTRAIT_TOPIC:
        return "Questionnaire"
    try:
        return catalogue().topic(topic_id).name
    except KeyError:
        return topic_id


class ValActReviewParts(ReviewParts):
    columns: ClassVar = (Column("item", "Item", 20), Column("topic", "Topic", 18), Column("value", "Value", 14))
    statuses: ClassVar = ("draft", "accepted", "rejected")
    decisions: ClassVar = {"accept": "accepted", "reject": "rejected", "draft": "draft"}
    label_keys: ClassVar = tuple(f"Relabel action {k}" for k in range(1, ACTIONS + 1))
    relabel_by: ClassVar = "option"
    tools: ClassVar = frozenset({"notes", "edit"})
    hidden_topics: ClassVar = (PORTRAIT_TOPIC,)
    empty_hint: ClassVar = ("No scenarios yet: generate them (`valuegap generate --topics ...`) or import them "
                            "(`valuegap import FILE`); the questionnaire: `valuegap questionnaire load`.")

    def cells(self, row) -> list[str]:
        return [row.id, _topic_name(row.topic_id), value_name(row.value_id) if row.value_id else ""]

    def vocabulary(self) -> Vocabulary:
        from valuegap_tui.catalogue import catalogue

        cat = catalogue()

        def find_topic(text: str) -> str | None:
            if text.strip().lower() in (PORTRAIT_TOPIC, "portrait", "portraits"):
                return PORTRAIT_TOPIC
            found = cat.find_topic(text)
            return found.id if found else None

        # a portrait is keyed to a basic value type: its value and its type are the same id
        return Vocabulary(self.statuses, find_value_type, find_topic, find_value_type,
                          lambda value_id: value_id)

    def heading(self, item) -> list[Segment]:
        if isinstance(item, Portrait):
            instrument = f" ({item.instrument})" if item.instrument else ""
            return [(f"Portrait item keyed to {value_name(item.value)}", "bold"), (f"{instrument}\n", "italic"),
                    ("Questionnaire | ", "")]
        # the values are on the actions (hidden there in blind mode), not repeated here
        return [(_topic_name(item.topic), "bold"), (" (four actions, one value each)\n", "italic"), ("Scenario | ", "")]

    def body(self, item) -> str:
        return item.text if isinstance(item, Portrait) else item.scenario

    def options(self, item, *, blind: bool = False, labels: list | None = None) -> list[ShownOption]:
        if isinstance(item, Portrait):
            return [ShownOption(None if blind else f"{score:+d}", VALUE_STYLE, point)
                    for score, point in zip(PORTRAIT_SCORES, item.scale)]
        return [ShownOption(None if blind else value_name(action.value), VALUE_STYLE, action.text)
                for action in item.actions]

    def label_choices(self, item, option: int) -> list[tuple[str, str]]:
        if not isinstance(item, Scenario):
            return []
        return [(value, value_name(value)) for value in value_types()]

    def relabelled(self, item, option: int, label: str):
        if not isinstance(item, Scenario):
            raise ValueError("a portrait item is keyed by its questionnaire, not relabelled here")
        if not 0 <= option < ACTIONS:
            raise ValueError(f"no action {option + 1}")
        return item.relabelled(option, label)

    def editable(self, item, option: int | None) -> tuple[str, str]:
        if option is None or isinstance(item, Portrait):
            return f"Edit the scenario of {item.id}", self.body(item)
        return f"Edit action {option + 1} of {item.id}", item.actions[option].text

    def edited(self, item, option: int | None, text: str):
        if isinstance(item, Portrait):
            raise ValueError("a portrait item is its questionnaire's wording: load a new questionnaire to change it")
        record = item.to_record()
        if option is None:
            record["scenario"] = text
        elif 0 <= option < ACTIONS:
            record["actions"][option]["text"] = text
        else:
            raise ValueError(f"no action {option + 1} in {item.id}")
        return self.design.item_from_record(record)
