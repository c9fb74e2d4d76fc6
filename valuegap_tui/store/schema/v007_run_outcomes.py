"""Run outcomes: server errors apart from invalid answers, a heartbeat, capped reply text.

* ``run_items.status`` gains ``server_error``: the item's requests failed (5xx after the client's
  retries, refused connections, timeouts). It is not the model's answer, so it is not ``invalid``,
  and ``run resume`` asks it again.
* ``run_items.attempt_base``: attempts used before the item was last re-opened by a resume; an item
  gets ``max_attempts`` attempts counted from there.
* ``runs.heartbeat_at``: written by the running process every few seconds, so a killed run shows as
  interrupted instead of running forever; ``runs.stop_reason`` says why a run stopped or failed.
* ``runs.text_cap``: the cap on stored reply text (characters) the run used;
  ``run_responses.raw_dropped`` / ``reasoning_dropped`` count the characters cut off beyond it.

Existing attempts with outcome ``error`` become ``server_error``, and items whose last attempt was
one become ``server_error`` items (they were wrongly final invalid answers).
"""


def apply(db) -> None:
    db.execute("ALTER TABLE runs ADD COLUMN heartbeat_at TEXT")
    db.execute("ALTER TABLE runs ADD COLUMN stop_reason TEXT")
    db.execute("ALTER TABLE runs ADD COLUMN text_cap INTEGER")
    db.execute("ALTER TABLE run_items ADD COLUMN attempt_base INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE run_responses ADD COLUMN raw_dropped INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE run_responses ADD COLUMN reasoning_dropped INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE run_responses SET outcome = 'server_error' WHERE outcome = 'error'")
    db.execute(
        "UPDATE run_items SET status = 'server_error' WHERE status = 'invalid' AND EXISTS ("
        " SELECT 1 FROM run_responses r WHERE r.item_id = run_items.id AND r.attempt = run_items.attempts"
        " AND r.outcome = 'server_error')"
    )
