"""A run's progress counts, kept up to date by the writes themselves.

``run_item_counts``: how many of a run's items have each (model, condition, status, outcome) (the outcome
'' for none); ``run_response_counts``: how many attempts ended with each outcome, and how many of them
recorded a logprob covered mass. Triggers on ``run_items`` and ``run_responses`` change the counts in
the same statement, so in the same transaction, as the writes they count: a run's progress is read
from a few hundred rows instead of a pass over a million items while answers arrive, and stays exact
whoever writes (the app and a `valuegap run` on one study, a person answering, a process killed
mid-run: a transaction that does not commit leaves neither the answers nor their counts).
A later migration that rebuilds either table must create these triggers again (``create_triggers``).
Existing runs are counted once here.
"""

ITEM_KEY = "run_id, model, persona_id, status, outcome"


def create_triggers(db) -> None:
    """The triggers that keep both tables' counts (for a migration that rebuilds run_items or run_responses)."""
    def add_item(row: str) -> str:
        return (f"INSERT INTO run_item_counts ({ITEM_KEY}, n) VALUES ({row}.run_id, {row}.model, {row}.persona_id,"
                f" {row}.status, coalesce({row}.outcome, ''), 1) ON CONFLICT ({ITEM_KEY}) DO UPDATE SET n = n + 1;")

    def drop_item(row: str) -> str:
        return (f"UPDATE run_item_counts SET n = n - 1 WHERE run_id = {row}.run_id AND model = {row}.model"
                f" AND persona_id = {row}.persona_id AND status = {row}.status"
                f" AND outcome = coalesce({row}.outcome, '');")

    def add_response(row: str) -> str:
        return ("INSERT INTO run_response_counts (run_id, outcome, n, covered)"
                f" VALUES ({row}.run_id, {row}.outcome, 1, {row}.covered_mass IS NOT NULL)"
                " ON CONFLICT (run_id, outcome) DO UPDATE SET n = n + 1,"
                f" covered = covered + ({row}.covered_mass IS NOT NULL);")

    def drop_response(row: str) -> str:
        return (f"UPDATE run_response_counts SET n = n - 1, covered = covered - ({row}.covered_mass IS NOT NULL)"
                f" WHERE run_id = {row}.run_id AND outcome = {row}.outcome;")

    db.execute(f"CREATE TRIGGER run_item_counts_insert AFTER INSERT ON run_items BEGIN {add_item('new')} END")
    db.execute(f"CREATE TRIGGER run_item_counts_delete AFTER DELETE ON run_items BEGIN {drop_item('old')} END")
    # only a change of what is counted fires it (a retry that leaves an item pending does not)
    db.execute("CREATE TRIGGER run_item_counts_update AFTER UPDATE OF run_id, model, persona_id, status, outcome"
               " ON run_items WHEN old.status IS NOT new.status OR old.outcome IS NOT new.outcome"
               " OR old.run_id IS NOT new.run_id OR old.model IS NOT new.model OR old.persona_id IS NOT new.persona_id"
               f" BEGIN {drop_item('old')} {add_item('new')} END")
    db.execute(f"CREATE TRIGGER run_response_counts_insert AFTER INSERT ON run_responses BEGIN {add_response('new')}"
               " END")
    db.execute(f"CREATE TRIGGER run_response_counts_delete AFTER DELETE ON run_responses BEGIN {drop_response('old')}"
               " END")
    db.execute("CREATE TRIGGER run_response_counts_update AFTER UPDATE OF run_id, outcome, covered_mass"
               " ON run_responses WHEN old.run_id IS NOT new.run_id OR old.outcome IS NOT new.outcome"
               " OR (old.covered_mass IS NULL) != (new.covered_mass IS NULL)"
               f" BEGIN {drop_response('old')} {add_response('new')} END")


def apply(db) -> None:
    db.execute(
        """CREATE TABLE run_item_counts (
            run_id INTEGER NOT NULL,
            model TEXT NOT NULL,
            persona_id TEXT NOT NULL,
            status TEXT NOT NULL,
            outcome TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (run_id, model, persona_id, status, outcome)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE run_response_counts (
            run_id INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            n INTEGER NOT NULL,
            covered INTEGER NOT NULL,
            PRIMARY KEY (run_id, outcome)
        ) WITHOUT ROWID"""
    )
    db.execute(f"INSERT INTO run_item_counts ({ITEM_KEY}, n) SELECT run_id, model, persona_id, status,"
               " coalesce(outcome, ''), COUNT(*) FROM run_items GROUP BY 1, 2, 3, 4, 5")
    db.execute("INSERT INTO run_response_counts (run_id, outcome, n, covered) SELECT run_id, outcome, COUNT(*),"
               " COUNT(covered_mass) FROM run_responses GROUP BY 1, 2")
    create_triggers(db)
