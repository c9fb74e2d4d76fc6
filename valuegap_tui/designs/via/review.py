"""The via design's parts of the review screen (``designs/review.py`` says what parts are): an item is
a (country, topic, value) with the action that expresses the value and the one that resists it."""

from __future__ import annotations

from typing import ClassVar

from valuegap_tui.designs.review import Column, ReviewParts, Segment, ShownOption


class ViaReviewParts(ReviewParts):
    columns: ClassVar = (Column("value", "Value", 18), Column("topic", "Topic", 18), Column("country", "Country", 12))
    decisions: ClassVar = {"accept": "accepted", "reject": "rejected"}
    empty_hint: ClassVar = "No items yet: `valuegap import-shen FILE` imports Shen et al.'s released file."

    def cells(self, row) -> list[str]:
        # the country is part of the id (via-<country>-<topic>-<value>); the light row has no record
        country = row.id.removeprefix("via-").removesuffix(f"-{row.topic_id}-{row.value_id}")
        return [*super().cells(row), country]

    def heading(self, item) -> list[Segment]:
        from valuegap_tui.catalogue import catalogue

        cat = catalogue()
        value = cat.value(item.value)
        return [(value.name, "bold"), (f" ({value.gloss})\n", "italic"),
                (f"{cat.topic(item.topic).name} | {item.country} | ", "")]

    def body(self, item) -> str:
        return ""

    def options(self, item, *, blind: bool = False, labels: list | None = None) -> list[ShownOption]:
        return [ShownOption(None if blind else "expresses", "white on #3d7bd9", item.expressing),
                ShownOption(None if blind else "resists", "white on #d9573d", item.resisting)]
