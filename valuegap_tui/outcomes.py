"""How an asked question ended: the vocabulary the reader, the store, the metrics and the exports share.

``valid``: an answer. The model answered, but not usably (the model's failure, counted in the invalid
rate): ``conflict`` (a letter beside another option's text), ``ambiguous`` (several letters, a list, a
negated letter), ``no_letter``, ``refusal``, ``cut_off`` (the reply ran out of tokens first),
``malformed`` (not a chat completion), ``low_coverage`` (logprobs: the letters had too little of the
first token's probability). No answer to read: ``too_long`` (the request did not fit the server's
context) and ``server_error`` (no reply came back); neither is the model's doing, so neither counts
as invalid. ``abstained``: the respondent chose the option of not choosing, offered only under the
``abstain`` protocol (``protocols.py``): an answer, final and counted apart, never scored and never
invalid.
"""

from __future__ import annotations

#: every outcome, in the order the answer frame codes them (0 = valid)
OUTCOMES = ("valid", "conflict", "ambiguous", "no_letter", "refusal", "cut_off", "malformed", "low_coverage",
            "too_long", "server_error", "abstained")
#: the model replied, but the reply holds no usable answer
INVALID_OUTCOMES = OUTCOMES[1:8]
#: no reply to read
NO_REPLY_OUTCOMES = ("too_long", "server_error")
VALID, SERVER_ERROR, REFUSAL = 0, OUTCOMES.index("server_error"), OUTCOMES.index("refusal")
ABSTAINED = OUTCOMES.index("abstained")
