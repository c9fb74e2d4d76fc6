"""Views with plain column names, so a study reads usefully in sqlite3, Datasette or DuckDB.

* ``answers``: one row per answer attempt, with its run, model, condition, dilemma and question.
* ``items``: one row per planned question (run, model, condition, dilemma, question, repeat) and its
  final state.
* ``dilemmas_flat``: the study's dilemmas with their six options as columns.

Choices are option codes in catalogue order (0 = strongly agree / strongly aligning); ``point`` is the
metrics' 1..6 scale (6 - option). Value types live in data/values.toml, not in the study, so the views
do not carry them (``valuegap run export-answers`` does). The views only read the tables: nothing is
stored twice and they are never out of date.
"""

#: the answer question codes as words, as in the export
_QUESTION = "CASE i.question WHEN 0 THEN 'value' WHEN 1 THEN 'action' END"


def _option_columns() -> str:
    return ",\n".join(
        f"json_extract(options_json, '$[{n}].text') AS option_{n + 1}_text,"
        f" json_extract(options_json, '$[{n}].label') AS option_{n + 1}_label" for n in range(6))


def _probability_columns() -> str:
    return ", ".join(f"json_extract(r.distribution_json, '$[{k}]') AS prob_{k}" for k in range(6))


def apply(db) -> None:
    db.execute(
        f"""CREATE VIEW answers AS
        SELECT r.id AS answer_id, r.run_id AS run, i.model AS model, i.persona_id AS condition,
               p.kind AS persona_kind, p.name AS persona, i.dilemma_id AS dilemma, d.value_id AS value,
               d.topic_id AS topic, {_QUESTION} AS question, i.repeat AS repeat, r.attempt AS attempt,
               r.outcome AS outcome, i.status AS item_status,
               (r.attempt = i.attempts AND i.status = 'answered') AS final,
               r.letter AS letter, r.position AS position, r.choice AS option, r.score AS score,
               6 - r.choice AS point, i.permutation AS option_order, {_probability_columns()},
               r.covered_mass AS covered_mass, r.raw_text AS raw_text, r.reasoning AS reasoning,
               r.raw_dropped AS raw_dropped, r.latency_s AS latency_s, r.prompt_tokens AS prompt_tokens,
               r.completion_tokens AS completion_tokens, r.finish_reason AS finish_reason,
               r.error_kind AS error_kind, r.error AS error, r.endpoint AS endpoint, r.created_at AS answered_at
        FROM run_responses r
        JOIN run_items i ON i.id = r.item_id
        LEFT JOIN run_personas p ON p.run_id = i.run_id AND p.persona_id = i.persona_id
        LEFT JOIN run_dilemmas d ON d.run_id = i.run_id AND d.dilemma_id = i.dilemma_id"""
    )
    db.execute(
        f"""CREATE VIEW items AS
        SELECT i.id AS item_id, i.run_id AS run, i.model AS model, i.persona_id AS condition,
               p.kind AS persona_kind, p.name AS persona, i.dilemma_id AS dilemma, d.value_id AS value,
               d.topic_id AS topic, {_QUESTION} AS question, i.repeat AS repeat, i.status AS status,
               i.attempts AS attempts, i.position AS position,
               CASE WHEN i.position IS NULL THEN NULL ELSE substr('ABCDEF', i.position + 1, 1) END AS letter,
               i.choice AS option, i.score AS score, 6 - i.choice AS point, i.refusal AS refusal,
               i.permutation AS option_order
        FROM run_items i
        LEFT JOIN run_personas p ON p.run_id = i.run_id AND p.persona_id = i.persona_id
        LEFT JOIN run_dilemmas d ON d.run_id = i.run_id AND d.dilemma_id = i.dilemma_id"""
    )
    db.execute(
        f"""CREATE VIEW dilemmas_flat AS
        SELECT id AS dilemma, value_id AS value, topic_id AS topic, variant, status, scenario,
               {_option_columns()},
               notes, reviewer, revision, created_at, updated_at
        FROM dilemmas"""
    )
