"""The review list's filter, headless: what a person types in the filter box, read into a ``Filter``,
and the list rows it keeps.

``status:draft value:wisdom type:... topic:... flag:label_doubt conflict:yes free words``: each
``key:word`` is looked up in the design's vocabulary (``designs/review.py``: value and topic names or
ids, value types, statuses); the rest is text searched in the items. A key or a word the design does
not know is reported in ``problems``, never taken as free text, so a typo never shows an empty list
that looks like an answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from valuegap_tui.designs.review import Vocabulary
from valuegap_tui.text import one_line

FILTER_KEYS = ("status", "value", "type", "topic", "flag", "conflict")


@dataclasses.dataclass
class Filter:
    status: str | None = None
    value: str | None = None
    type: str | None = None
    topic: str | None = None
    flag: str | None = None
    conflict: str | None = None  # any value: only items whose reviewers disagree (review.merge.conflicts)
    text: str = ""
    #: what could not be read (an unknown key, an unknown value name): shown, never taken as free text
    problems: list[str] = dataclasses.field(default_factory=list)

    def describe(self) -> str:
        parts = [f"{k}:{getattr(self, k)}" for k in FILTER_KEYS if getattr(self, k)]
        return " ".join(parts + ([repr(self.text)] if self.text else []))


def parse_filter(query: str, words: Vocabulary) -> Filter:
    """"status:draft value:wisdom type:... topic:... flag:label_doubt free words" -> a filter."""
    finders = {"value": words.find_value, "topic": words.find_topic, "type": words.find_type,
               "status": lambda wanted: wanted if wanted in words.statuses else None}
    result, free = Filter(), []
    for token in query.split():
        key, sep, wanted = token.partition(":")
        if sep and key in FILTER_KEYS and wanted:
            found_id = finders[key](wanted) if key in finders else wanted
            if found_id is None:
                result.problems.append(f"unknown {key} {one_line(wanted)!r}")
                continue
            setattr(result, key, found_id)
        elif sep and wanted and key.isalpha():
            result.problems.append(f"unknown filter key {one_line(key)!r} (keys: {', '.join(FILTER_KEYS)})")
        else:
            free.append(token)
    result.text = " ".join(free)
    return result


def matching(rows: Sequence, wanted: Filter, words: Vocabulary, *, hidden_topics: Sequence[str] = (),
             text_matches: set[str] | None = None, in_conflict: set[str] | None = None) -> list:
    """The rows (``store.item_rows.ItemRow``) the filter keeps, in their order. ``text_matches`` are
    the ids whose text holds the filter's words, ``in_conflict`` those whose reviewers disagree (each
    read by the caller when the filter asks for it); rows of ``hidden_topics`` are kept only when the
    filter names their topic."""
    kept = [r for r in rows if r.topic_id not in hidden_topics or r.topic_id == wanted.topic]
    if wanted.status:
        kept = [r for r in kept if r.status == wanted.status]
    if wanted.value:
        kept = [r for r in kept if r.value_id == wanted.value]
    if wanted.type:
        kept = [r for r in kept if words.type_of(r.value_id) == wanted.type]
    if wanted.topic:
        kept = [r for r in kept if r.topic_id == wanted.topic]
    if wanted.flag:
        kept = [r for r in kept if wanted.flag in r.flags]
    if wanted.text and text_matches is not None:
        kept = [r for r in kept if r.id in text_matches]
    if wanted.conflict and in_conflict is not None:
        kept = [r for r in kept if r.id in in_conflict]
    return kept
