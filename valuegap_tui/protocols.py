"""Ways of asking: the protocols a run asks each question under (a run definition's ``protocols``).

The measured gap depends on how the questions are asked (forced or unforced choice, wording, first or
third person), so a run can ask the same questions under several protocols and the metrics report the
gap under each and how far it moves between them (``metrics/protocols.py``, docs/metrics.md).

- ``standard``: the design's questions as they are.
- ``abstain``: the same questions with one more option last in canonical order (``ABSTAIN_OPTIONS``): a
  respondent who chooses it abstains. An abstention is an answer (final, never asked again), counted
  apart (``outcomes.ABSTAINED``) and never scored.
- ``third-person``: the same questions about a person described by the condition's text (what would
  they answer or do), sent with no system text; the baseline asks about a person of whom nothing more
  is known.
- ``paraphrase-1`` .. ``paraphrase-3``: the questions in other words.

A protocol that words the question differently has its own template for each of a design's questions,
``prompts/<question template>.<protocol>.txt``, hashed and stored with the run like the others. Which
protocols a design can ask is the design's to say (``Design.protocols``).
"""

from __future__ import annotations

from dataclasses import dataclass

STANDARD = "standard"
ABSTAIN = "abstain"
THIRD_PERSON = "third-person"


@dataclass(frozen=True)
class Protocol:
    id: str
    #: what the protocol changes, in one line (run plan, the Runs form, docs)
    summary: str
    #: its own template per question (``prompts/<template>.<id>.txt``); else the design's own
    own_templates: bool = False
    #: one more option, "not choosing", last in canonical order
    abstain_option: bool = False
    #: the condition's text goes into the question about another person, not into the system text
    third_person: bool = False


PROTOCOLS: tuple[Protocol, ...] = (
    Protocol(STANDARD, "the design's questions as they are"),
    Protocol(ABSTAIN, "one more option to choose none (an abstention, counted apart, never scored)",
             abstain_option=True),
    Protocol(THIRD_PERSON, "the questions asked about a person with the condition's values: what would they do",
             own_templates=True, third_person=True),
    Protocol("paraphrase-1", "both questions in other words (1 of 3)", own_templates=True),
    Protocol("paraphrase-2", "both questions in other words (2 of 3)", own_templates=True),
    Protocol("paraphrase-3", "both questions in other words (3 of 3)", own_templates=True),
)
PROTOCOL_IDS: tuple[str, ...] = tuple(p.id for p in PROTOCOLS)
BY_ID = {p.id: p for p in PROTOCOLS}
#: the text of the abstain option, by whether the question is the value question (ordinal, stated) or
#: an action question
ABSTAIN_VALUE_OPTION = "No opinion"
ABSTAIN_ACTION_OPTION = "I would not choose any of these"
#: the third-person templates' ${person} for the baseline, which describes no one
NOBODY_IN_PARTICULAR = "Nothing more is known about this person."


def protocol(protocol_id: str) -> Protocol:
    return BY_ID[protocol_id]


def template_name(template: str, protocol_id: str) -> str:
    """The template a question is asked with under a protocol."""
    return f"{template}.{protocol_id}" if BY_ID[protocol_id].own_templates else template


def abstain_text(question_id: str) -> str:
    return ABSTAIN_VALUE_OPTION if question_id == "value" else ABSTAIN_ACTION_OPTION


def protocol_order(ids) -> list[str]:
    """Protocol ids in the order of ``PROTOCOLS`` (unknown ones last, as given)."""
    index = {p: i for i, p in enumerate(PROTOCOL_IDS)}
    return sorted(dict.fromkeys(ids), key=lambda p: index.get(p, len(index)))
