"""The columns of the answers export: name, type, meaning and codes, in file order.

This is the data dictionary: the sidecar written next to each export and docs/answers.md both come
from it (a test checks the doc names every column).
"""

from __future__ import annotations

from dataclasses import dataclass

from valuegap_tui.designs import design_ids
from valuegap_tui.outcomes import OUTCOMES
from valuegap_tui.protocols import PROTOCOL_IDS

#: a respondent that is not a served model is written ``human:<name>`` in the ``respondent`` column
HUMAN_PREFIX = "human:"
#: probability columns prob_0 .. prob_5: the most options any design asks today
PROBABILITIES = 6


@dataclass(frozen=True)
class Column:
    name: str
    #: integer | number | text | category (text from a fixed set) | boolean (0 or 1)
    type: str
    description: str
    codes: str = ""

    def record(self) -> dict:
        return {"name": self.name, "type": self.type, "description": self.description, "codes": self.codes}


#: where each design's questions, option ids, scores and points are listed; the dictionary's
#: ``designs`` section gives them for the designs in the file
PER_DESIGN = "per design: docs/answers.md#designs and the dictionary's designs section"

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
    Column("design", "category", "the run's study design (docs/designs.md): it says what question, option, "
           "option_label, score and point mean", " | ".join(design_ids())),
    Column("protocol", "category", "the way the question was asked (the run definition's protocols; "
           "docs/evaluation.md): its wording, whether not choosing was offered, first or third person",
           " | ".join(PROTOCOL_IDS) + " (abstain: one more option, not choosing, chosen as outcome abstained;"
           " runs from before protocols: standard)"),
    Column("question", "category", "which of the design's questions this answers", PER_DESIGN),
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
    Column("letter", "text", "the letter chosen, as shown", "A..H (A..F with six options)"),
    Column("position", "integer", "the letter chosen as a number", "0 = A .. 7 = H"),
    Column("option", "integer", "the underlying option chosen, its index in the design's canonical order",
           "0 .. n-1; " + PER_DESIGN),
    Column("option_label", "category", "the option chosen, by the design's id for it", PER_DESIGN),
    Column("score", "integer", "the option's score in its design: its place on the value's scale on an "
           "ordinal question (positive agrees or enacts, never 0), 0 on a nominal question",
           "-3 .. +3; " + PER_DESIGN),
    Column("point", "integer", "the option on its question's own scale, n - option for n options: n is the "
           "agreeing / enacting end, 1 the other; empty on a nominal question",
           "1 .. n (six-option questions: 6 = strongly agree / aligning .. 1); " + PER_DESIGN),
    Column("option_order", "text", "the options' order on screen: one letter per place, the letter at "
           "place p names the option shown as letter p (A = option 0, B = option 1 ...)",
           "e.g. DABFCE: A showed option 3 (D), B showed option 0 (A)"),
    *(Column(f"prob_{k}", "number", f"logprob mode: probability of option {k}, renormalised over the letters "
             "shown (they sum to 1)", "0..1; empty outside logprob mode and beyond the question's options")
      for k in range(PROBABILITIES)),
    Column("covered_mass", "number", "logprob mode: probability of the first token that fell on the letters",
           "0..1"),
    Column("raw_text", "text", "the reply exactly as received, every character kept (control characters "
           "included: a terminal shows them only through a program that makes them visible)"),
    Column("raw_dropped", "integer", "characters of the reply cut off beyond the run's text cap"),
    Column("reasoning", "text", "the reply's separate reasoning, if any, exactly as received"),
    Column("latency_s", "number", "a model: seconds from request to reply; a person: seconds from the "
           "question being shown to the answer (in the terminal since it was last shown, in the browser "
           "since the server sent its page, from an answer file as the person's machine timed it)"),
    Column("prompt_tokens", "integer", "tokens in the request, as the server counted them"),
    Column("completion_tokens", "integer", "tokens in the reply, as the server counted them"),
    Column("finish_reason", "category", "why the reply ended, as the server said", "stop | length | ..."),
    Column("error_kind", "category", "for a server error: what failed", "e.g. timeout, connection, http_429, http_5xx"),
    Column("error", "text", "for a server error: the message as received; a person's question that ran "
           "out of time: no answer within the time limit"),
    Column("answered_at", "text", "when the attempt was stored (ISO 8601, UTC)"),
)

COLUMN_NAMES = tuple(c.name for c in COLUMNS)
