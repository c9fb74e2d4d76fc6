"""Each finished item keeps the outcome of its last attempt.

An item's status says whether it was answered; its outcome says why it was not: a free reply whose
letter contradicts its option text (``conflict``), several letters (``ambiguous``), a refusal, no
letter, a reply cut off, too little logprob coverage, a request too long for the server's context
(``too_long``) or a server error. The metrics count each apart (docs/metrics.md, "Answers"), so the
item carries it rather than every load joining the attempts. Existing items take their last
attempt's outcome.
"""


def apply(db) -> None:
    db.execute("ALTER TABLE run_items ADD COLUMN outcome TEXT")
    db.execute(
        "UPDATE run_items SET outcome = last.outcome FROM ("
        " SELECT item_id, outcome, MAX(attempt) FROM run_responses GROUP BY item_id) AS last"
        " WHERE last.item_id = run_items.id AND run_items.status != 'pending'"
    )
