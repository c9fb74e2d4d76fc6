"""The review list's columns in one index, in the list's order.

The list of a 10,000-dilemma study was read by stepping from the (value, topic, variant) index into
each table row, past the scenario and option texts: 36-49 ms. With every column the list shows in the
index, reading it is one scan of the index (and the first page a few of its pages).
"""


def apply(db) -> None:
    db.execute(
        "CREATE INDEX dilemmas_review_list ON dilemmas"
        " (design, value_id, topic_id, variant, id, status, flags_json, reviewer, revision, updated_at)"
    )
