"""The columns of the answers export: name, type, meaning and codes, in file order.

This is the data dictionary: the sidecar written next to each export and docs/answers.md both come
from it (a test checks the doc names every column).
"""

from __future__ import annotations

from dataclasses import dataclass

from valuegap_tui.designs import DEFAULT_DESIGN
from valuegap_tui.outcomes import OUTCOMES
from valuegap_tui.protocols import PROTOCOL_IDS

#: a respondent that is not a served model is written ``human:<name>`` in the ``respondent`` column
HUMAN_PREFIX = "human:"


@dataclass(frozen=True)
class Column:
    name: str
    #: integer | number | text | category (text from a fixed set) | boolean (0 or 1)
    type: str
    description: str
    codes: str = ""

    def record(self) -> dict:
        return {"name": self.name, "type": self.type, "description": self.description, "codes": self.codes}


OPTION_CODES = ("0..5 in catalogue order: value question 0 = strongly agree .. 5 = strongly disagree; "
                "action question 0 = strongly aligning .. 5 = strongly opposing")

COLUMNS: tuple[Column, ...] = (
    Column("run", "integer", "the run's id in the study (`valuegap run list`)"),
    Column("run_name", "text", "the run's name"),
    Column("respondent", "text", "who answered: the model's served name, or human:<name> for a person",
           "a model name | human:<name>"),
    Column("respondent_kind", "category", "whether the respondent is a model or a person", "model | human"),
    Column("condition", "category", "the persona condition asked (persona id)", "baseline = no persona"),
    Column("persona_kind", "category", "the kind of persona", "baseline | moderate | max | incongruous | custom | instruction"),
    Column("persona", "text", "the persona's name"),
    Column("dilemma", "text", "the dilemma's id (value--topic--variant)"),
    Column("value", "category", "the Schwartz value at stake (id in data/values.toml)"),
    Column("value_type", "category", "the value's higher-order type (id in data/values.toml)"),
    Column("topic", "category", "the social topic (id in data/topics.toml)"),
    Column("design", "category", "how the two questions were asked: the run's study design (docs/designs.md)",
           f"{DEFAULT_DESIGN} = value question on a six-point agreement scale, action question with "
           "six graded actions"),
    Column("protocol", "category", "the way the question was asked (the run definition's protocols; "
           "docs/evaluation.md): its wording, whether not choosing was offered, first or third person",
           " | ".join(PROTOCOL_IDS) + " (abstain: one more option, not choosing, chosen as outcome abstained;"
           " runs from before protocols: standard)"),
    Column("question", "category", "which question this answers", "value | action"),
    Column("repeat", "integer", "which repeat of the question (options shuffled each time)", "0, 1, ..."),
    Column("attempt", "integer", "which attempt at this repeat (an unusable answer is asked again)", "1, 2, ..."),
    Column("outcome", "category", "what this attempt gave", " | ".join(OUTCOMES)
           + " (conflict: a letter beside another option's text; ambiguous: several letters, a list or a negated"
           " letter; low_coverage: logprob letters covered too little probability; too_long: the request did not"
           " fit the server's context; server_error: no reply)"),
    Column("item_status", "category", "how the repeat ended, over all its attempts",
           "answered | invalid | server_error | pending"),
    Column("final", "boolean", "1 for the attempt whose answer the metrics use (the valid last attempt of "
           "an answered repeat); 0 otherwise", "0 | 1"),
    Column("letter", "text", "the letter chosen, as shown", "A..F"),
    Column("position", "integer", "the letter chosen as a number", "0 = A .. 5 = F"),
    Column("option", "integer", "the underlying option chosen", OPTION_CODES),
    Column("option_label", "category", "the option chosen, by id",
           "strongly_agree .. strongly_disagree; strongly_aligning .. strongly_opposing"),
    Column("score", "integer", "the option on the study's scale", "+3, +2, +1, -1, -2, -3 (no zero)"),
    Column("point", "integer", "the option on the metrics' six points (6 - option)",
           "6 = strongly agree / aligning .. 1 = strongly disagree / opposing"),
    Column("option_order", "text", "the options' order on screen: six digits, digit p is the option "
           "shown as letter p", "e.g. 301524: A showed option 3"),
    *(Column(f"prob_{k}", "number", f"logprob mode: probability of option {k}, renormalised over the six letters (the six sum to 1)",
             "0..1; empty outside logprob mode") for k in range(6)),
    Column("covered_mass", "number", "logprob mode: probability of the first token that fell on the letters",
           "0..1"),
    Column("raw_text", "text", "the reply as received, control characters shown visibly (ESC as ␛, "
           "CR as ␍; newlines and tabs kept)"),
    Column("raw_dropped", "integer", "characters of the reply cut off beyond the run's text cap"),
    Column("reasoning", "text", "the reply's separate reasoning, if any, shown visibly like raw_text"),
    Column("latency_s", "number", "seconds from request to reply"),
    Column("prompt_tokens", "integer", "tokens in the request, as the server counted them"),
    Column("completion_tokens", "integer", "tokens in the reply, as the server counted them"),
    Column("finish_reason", "category", "why the reply ended, as the server said", "stop | length | ..."),
    Column("error_kind", "category", "for a server error: what failed", "e.g. timeout, connection, http_429, http_5xx"),
    Column("error", "text", "for a server error: the message, shown visibly"),
    Column("answered_at", "text", "when the attempt was stored (ISO 8601, UTC)"),
)

COLUMN_NAMES = tuple(c.name for c in COLUMNS)
