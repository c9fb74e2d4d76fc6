"""The reading views (v012) again, with a declared type on every column and each run's design read.

SQL tools take a view column's type from its declaration, and SQLite declares one only for a column
that names a table's column: a computed column (``question``, ``final``, ``point``, ``prob_k``, the
option texts) had none, so DuckDB's ``sqlite_scan`` read it as BLOB and ``AVG(point)`` failed. A
``CAST`` does not declare a type either (SQLite gives it none). So each view is now the union of an
empty table that only declares its columns (``view_columns_<view>``, never written) and the query
itself, whose values are CAST to the same types: SQLite declares a compound view's columns from its
first part.

What the views say is also that of the export now: ``design`` is the run's design; ``question`` is
the design's question id (the poster's and VIA's value / action; ValAct's action, portrait,
select_1 .. select_4); ``point`` is the option on its question's own scale, n - option for n options,
and empty on a nominal question (score 0); ``option_order`` is letters (DABFCE: A showed option 3,
the letter of each option in canonical order, so no tool reads it as a number).
"""

_QUESTION = ("CASE WHEN ru.design = 'valact' THEN CASE i.question WHEN 0 THEN 'action' WHEN 1 THEN 'portrait'"
             " ELSE 'select_' || (i.question - 1) END"
             " ELSE CASE i.question WHEN 0 THEN 'value' WHEN 1 THEN 'action' END END")


def _letters(column: str) -> str:
    out = column
    for digit in range(8):
        out = f"replace({out}, '{digit}', '{'ABCDEFGH'[digit]}')"
    return out


def _point(choice: str, score: str) -> str:
    return f"CASE WHEN {choice} IS NOT NULL AND {score} != 0 THEN length(i.permutation) - {choice} END"


#: view -> (column, declared type, expression) in order
ANSWERS = [
    ("answer_id", "INTEGER", "r.id"), ("run", "INTEGER", "r.run_id"), ("design", "TEXT", "ru.design"),
    ("model", "TEXT", "i.model"),
    ("respondent_kind", "TEXT", "CASE WHEN substr(i.model, 1, 6) = 'human:' THEN 'human' ELSE 'model' END"),
    ("condition", "TEXT", "i.persona_id"), ("persona_kind", "TEXT", "p.kind"), ("persona", "TEXT", "p.name"),
    ("dilemma", "TEXT", "i.dilemma_id"), ("value", "TEXT", "d.value_id"), ("topic", "TEXT", "d.topic_id"),
    ("question", "TEXT", _QUESTION), ("repeat", "INTEGER", "i.repeat"), ("attempt", "INTEGER", "r.attempt"),
    ("outcome", "TEXT", "r.outcome"), ("item_status", "TEXT", "i.status"),
    ("final", "INTEGER", "(r.attempt = i.attempts AND i.status = 'answered')"),
    ("letter", "TEXT", "r.letter"), ("position", "INTEGER", "r.position"), ("option", "INTEGER", "r.choice"),
    ("score", "INTEGER", "r.score"), ("point", "INTEGER", _point("r.choice", "r.score")),
    ("option_order", "TEXT", _letters("i.permutation")),
    *((f"prob_{k}", "REAL", f"json_extract(r.distribution_json, '$[{k}]')") for k in range(6)),
    ("covered_mass", "REAL", "r.covered_mass"), ("raw_text", "TEXT", "r.raw_text"),
    ("reasoning", "TEXT", "r.reasoning"), ("raw_dropped", "INTEGER", "r.raw_dropped"),
    ("latency_s", "REAL", "r.latency_s"), ("prompt_tokens", "INTEGER", "r.prompt_tokens"),
    ("completion_tokens", "INTEGER", "r.completion_tokens"), ("finish_reason", "TEXT", "r.finish_reason"),
    ("error_kind", "TEXT", "r.error_kind"), ("error", "TEXT", "r.error"), ("endpoint", "TEXT", "r.endpoint"),
    ("answered_at", "TEXT", "r.created_at"),
]
ITEMS = [
    ("item_id", "INTEGER", "i.id"), ("run", "INTEGER", "i.run_id"), ("design", "TEXT", "ru.design"),
    ("model", "TEXT", "i.model"),
    ("respondent_kind", "TEXT", "CASE WHEN substr(i.model, 1, 6) = 'human:' THEN 'human' ELSE 'model' END"),
    ("condition", "TEXT", "i.persona_id"), ("persona_kind", "TEXT", "p.kind"), ("persona", "TEXT", "p.name"),
    ("dilemma", "TEXT", "i.dilemma_id"), ("value", "TEXT", "d.value_id"), ("topic", "TEXT", "d.topic_id"),
    ("question", "TEXT", _QUESTION), ("repeat", "INTEGER", "i.repeat"), ("status", "TEXT", "i.status"),
    ("attempts", "INTEGER", "i.attempts"), ("position", "INTEGER", "i.position"),
    ("letter", "TEXT", "CASE WHEN i.position IS NULL THEN NULL ELSE substr('ABCDEFGH', i.position + 1, 1) END"),
    ("option", "INTEGER", "i.choice"), ("score", "INTEGER", "i.score"),
    ("point", "INTEGER", _point("i.choice", "i.score")), ("refusal", "INTEGER", "i.refusal"),
    ("option_order", "TEXT", _letters("i.permutation")),
]
OPTION_COLUMNS = [column for n in range(6) for column in (
    (f"option_{n + 1}_text", "TEXT", f"json_extract(options_json, '$[{n}].text')"),
    (f"option_{n + 1}_label", "TEXT", f"json_extract(options_json, '$[{n}].label')"))]
DILEMMAS_FLAT = [
    ("dilemma", "TEXT", "id"), ("design", "TEXT", "design"), ("value", "TEXT", "value_id"),
    ("topic", "TEXT", "topic_id"), ("variant", "INTEGER", "variant"), ("status", "TEXT", "status"),
    ("scenario", "TEXT", "scenario"), *OPTION_COLUMNS,
    ("notes", "TEXT", "notes"), ("reviewer", "TEXT", "reviewer"), ("revision", "INTEGER", "revision"),
    ("created_at", "TEXT", "created_at"), ("updated_at", "TEXT", "updated_at"),
]

_SOURCES = {
    "answers": """run_responses r
        JOIN run_items i ON i.id = r.item_id
        JOIN runs ru ON ru.id = r.run_id
        LEFT JOIN run_personas p ON p.run_id = i.run_id AND p.persona_id = i.persona_id
        LEFT JOIN run_dilemmas d ON d.run_id = i.run_id AND d.dilemma_id = i.dilemma_id""",
    "items": """run_items i
        JOIN runs ru ON ru.id = i.run_id
        LEFT JOIN run_personas p ON p.run_id = i.run_id AND p.persona_id = i.persona_id
        LEFT JOIN run_dilemmas d ON d.run_id = i.run_id AND d.dilemma_id = i.dilemma_id""",
    "dilemmas_flat": "dilemmas",
}
VIEWS = {"answers": ANSWERS, "items": ITEMS, "dilemmas_flat": DILEMMAS_FLAT}


def _create(db, view: str, columns: list[tuple[str, str, str]]) -> None:
    declared = f"view_columns_{view}"
    names = ", ".join(f'"{name}"' for name, _, _ in columns)
    db.execute(f"DROP VIEW IF EXISTS {view}")
    db.execute(f"DROP TABLE IF EXISTS {declared}")
    declarations = ", ".join(f'"{name}" {kind}' for name, kind, _ in columns)
    db.execute(f"CREATE TABLE {declared} ({declarations})")
    body = ",\n               ".join(f'CAST({expr} AS {kind}) AS "{name}"' for name, kind, expr in columns)
    db.execute(f"""CREATE VIEW {view} AS
        SELECT {names} FROM {declared} WHERE 0
        UNION ALL
        SELECT {body}
        FROM {_SOURCES[view]}""")


def apply(db) -> None:
    for view, columns in VIEWS.items():
        _create(db, view, columns)
