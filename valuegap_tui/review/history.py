"""What one revision of a dilemma changed, in a line: word-level diffs for text, old -> new for labels.

A text diff shows only the changed words with a few words of context either side
(``... the [-old-]{+new+} words ...``), so a one-word edit in a long scenario stays short.
"""

from __future__ import annotations

import difflib

from valuegap_tui.designs.graded_actions.models import Dilemma

CONTEXT_WORDS = 3
MAX_CHANGE_WORDS = 12  # a rewritten text is shortened, not shown whole


def _words(text: str, start: int, end: int) -> str:
    part = text[start:end]
    if len(part) > MAX_CHANGE_WORDS:
        part = part[: MAX_CHANGE_WORDS // 2] + ["…"] + part[-MAX_CHANGE_WORDS // 2:]
    return " ".join(part)


def word_diff(old: str, new: str) -> str:
    """The changed words of ``old`` -> ``new`` as [-removed-]{+added+}, with a little context."""
    a, b = old.split(), new.split()
    opcodes = [op for op in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if not opcodes:
        return "whitespace changed"
    pieces, shown = [], 0  # shown: words of ``old`` written so far
    for n, (_tag, i1, i2, j1, j2) in enumerate(opcodes):
        lead = max(shown, i1 - CONTEXT_WORDS)
        if lead > shown:
            pieces.append("…")
        pieces.append(" ".join(a[lead:i1]))
        if i2 > i1:
            pieces.append(f"[-{_words(a, i1, i2)}-]")
        if j2 > j1:
            pieces.append(f"{{+{_words(b, j1, j2)}+}}")
        following = opcodes[n + 1][1] if n + 1 < len(opcodes) else len(a)
        shown = min(i2 + CONTEXT_WORDS, following)
        pieces.append(" ".join(a[i2:shown]))
    if shown < len(a):
        pieces.append("…")
    return " ".join(p for p in pieces if p)


def describe_change(before: Dilemma | None, after: Dilemma) -> str:
    if before is None:
        return "created"
    changes = []
    if before.status != after.status:
        changes.append(f"status {before.status.value} -> {after.status.value}")
    if (before.value, before.topic) != (after.value, after.topic):
        changes.append(f"value/topic {before.value}/{before.topic} -> {after.value}/{after.topic}")
    if before.scenario != after.scenario:
        changes.append(f"scenario: {word_diff(before.scenario, after.scenario)}")
    for i, (b, a) in enumerate(zip(before.options, after.options)):
        if b.text != a.text:
            changes.append(f"action {i + 1}: {word_diff(b.text, a.text)}")
        if b.label != a.label:
            changes.append(f"action {i + 1} label {b.label.value} ({b.label.score:+d}) -> {a.label.value} ({a.label.score:+d})")
    if before.flags != after.flags:
        changes.append(f"flags {','.join(before.flags) or 'none'} -> {','.join(after.flags) or 'none'}")
    if before.notes != after.notes:
        changes.append(f"notes: {word_diff(before.notes, after.notes)}")
    return "; ".join(changes) or "no change"
