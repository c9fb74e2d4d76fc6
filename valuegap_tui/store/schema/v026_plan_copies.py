"""A run's plan kept as arrays, so any process reads it in one row instead of joining a million items.

``run_plan_copies``: one row per run, the plan's columns (model, persona, dilemma, question, repeat,
protocol ... as codes, in item id order) packed into one blob, with the labels the codes index and the
``key`` of the plan state they were read from (store/plan_copies.py). A copy whose key is not the run's
current one is never read as its plan (only as the start of a plan given more items since, nothing else
changed), and is replaced by the next kept. ``last_id``: the plan's last item, after which items added
since are read.

``run_plan_edits``: how many times anything a plan is read from has been changed in a way the run's item
count does not show: an item deleted, renumbered or given another model, persona, dilemma, question,
repeat or protocol; a condition's or a dilemma's snapshot added, changed or deleted; the run's definition
changed; a respondent added, renamed or removed. Triggers count them in the same statement as the change, so in
the same transaction. New items only ever come with new ids, and the item count (run_item_counts, v025)
shows them. A later migration that rebuilds one of these tables must create the triggers again
(``create_triggers``).
"""

_BUMP = ("INSERT INTO run_plan_edits (run_id, n) VALUES ({row}.run_id, 1)"
         " ON CONFLICT (run_id) DO UPDATE SET n = n + 1;")
_RUN_BUMP = "INSERT INTO run_plan_edits (run_id, n) VALUES ({row}.id, 1) ON CONFLICT (run_id) DO UPDATE SET n = n + 1;"
_ITEM_PLAN_COLUMNS = "id, run_id, model, persona_id, dilemma_id, question, repeat, protocol"


def create_triggers(db) -> None:
    """The triggers that count plan edits (for a migration that rebuilds one of the tables they watch)."""
    both = _BUMP.format(row="old") + " " + _BUMP.format(row="new")
    db.execute(f"CREATE TRIGGER run_plan_edits_item_delete AFTER DELETE ON run_items BEGIN {_BUMP.format(row='old')}"
               " END")
    db.execute(f"CREATE TRIGGER run_plan_edits_item_update AFTER UPDATE OF {_ITEM_PLAN_COLUMNS} ON run_items"
               f" BEGIN {both} END")
    for table in ("run_personas", "run_dilemmas", "run_respondents"):
        db.execute(f"CREATE TRIGGER run_plan_edits_{table}_insert AFTER INSERT ON {table}"
                   f" BEGIN {_BUMP.format(row='new')} END")
        db.execute(f"CREATE TRIGGER run_plan_edits_{table}_delete AFTER DELETE ON {table}"
                   f" BEGIN {_BUMP.format(row='old')} END")
        # a respondent's consent or pack is no part of a plan: only a new name or run is
        watched = " OF run_id, name" if table == "run_respondents" else ""
        db.execute(f"CREATE TRIGGER run_plan_edits_{table}_update AFTER UPDATE{watched} ON {table} BEGIN {both} END")
    db.execute("CREATE TRIGGER run_plan_edits_run_update AFTER UPDATE OF id, definition_json, created_at, design"
               f" ON runs BEGIN {_RUN_BUMP.format(row='old')} {_RUN_BUMP.format(row='new')} END")


def apply(db) -> None:
    db.execute(
        """CREATE TABLE run_plan_copies (
            run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            first_id INTEGER NOT NULL,
            last_id INTEGER NOT NULL,
            count INTEGER NOT NULL,
            labels_json TEXT NOT NULL,
            columns_json TEXT NOT NULL,
            data BLOB NOT NULL,
            saved_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE TABLE run_plan_edits (run_id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    create_triggers(db)
