"""One line per flag on a dilemma saying why it is there, for the review screen's detail pane."""

from __future__ import annotations

from valuegap_tui.dataset import quality
from valuegap_tui.dataset.quality import LABEL_DOUBT
from valuegap_tui.designs.graded_actions.models import Dilemma

_STATIC = {
    quality.NEAR_DUPLICATE: "its scenario is a near copy (TF-IDF cosine >= 0.8) of another dilemma's",
    quality.SIMILAR_ACTIONS: "two of its actions share most of their word pairs: a respondent cannot tell them apart",
    quality.VALUE_ABSENT: "neither the value's name nor a word of its gloss appears: is the value really at stake?",
    quality.CROSS_VALUE_DUPLICATE: "without the value's own words its scenario is another value's scenario: "
                                   "it does not depend on the value it should test",
    quality.LENGTH_CUE: "across the set, action length predicts the side (`valuegap flags` prints the figure), "
                        "and here the three aligning actions are all longer (or all shorter) than the opposing ones",
}


def explain(dilemma: Dilemma, flag: str) -> str:
    """Why ``flag`` is on ``dilemma``, with the dilemma's own figures where they help."""
    if flag == quality.NOT_SECOND_PERSON:
        you, me = quality.second_person(dilemma.scenario)
        return f"the scenario should address the reader as \"you\": {you} second-person and {me} first-person words"
    if flag == quality.WORD_BOUNDS:
        problems = quality.word_bound_problems(dilemma)
        return "outside the lengths the prompt asks for: " + ("; ".join(problems) or "now within them")
    if flag == quality.LENGTH_CUE:
        from valuegap_tui.designs.graded_actions import label_check  # its prompt and client code are not needed otherwise

        lengths = ", ".join(f"{label_check.label_name(o.label)} {len(o.text.split())}"
                            for o in sorted(dilemma.options, key=lambda o: o.label.rank))
        return f"{_STATIC[flag]} (words: {lengths})"
    if flag == quality.LABEL_LEAK:
        found = quality.label_leaks(dilemma.scenario + "\n" + "\n".join(o.text for o in dilemma.options))
        return "the text names an alignment label: " + ", ".join(repr(f) for f in found[:3])
    if flag == LABEL_DOUBT:
        return "the second opinion doubts a label (see below); f applies its suggested fix, u undoes it"
    return _STATIC.get(flag, "set by hand or by an import")


def notes(dilemma: Dilemma) -> list[tuple[str, str]]:
    return [(flag, explain(dilemma, flag)) for flag in dilemma.flags]
