"""How far a run has got and how it went: items by status and outcome, logprob coverage, the notes a
report prints, recent answers and rates, and the live gap table computed inside SQLite."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from valuegap_tui.outcomes import INVALID_OUTCOMES
from valuegap_tui.store.db import Study
from valuegap_tui.store.respondents import progress as respondent_progress
from valuegap_tui.store.runs import get_run


@dataclass
class Progress:
    total: int
    done: int  # answered + invalid + too_long + server_error: asked to the end (for now)
    answered: int
    invalid: int  # the model answered, but not usably
    #: (model, persona kind) -> (done, total)
    by_group: dict[tuple[str, str], tuple[int, int]]
    #: outcome -> count over all attempts (valuegap_tui.outcomes.OUTCOMES)
    outcomes: dict[str, int]
    responses: int
    #: no answer came back (after every attempt); `run resume` asks these again
    server_error: int = 0
    #: the request did not fit the server's context; `run resume --retry-invalid` asks them again
    too_long: int = 0
    #: outcome -> finished items whose last attempt ended so (why the invalid ones are invalid)
    item_outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return self.total - self.done

    def invalid_line(self) -> str:
        """The invalid items by outcome, e.g. "conflict 21, no_letter 3" ("none" without any)."""
        found = [(name, self.item_outcomes.get(name, 0)) for name in INVALID_OUTCOMES]
        return ", ".join(f"{name} {n}" for name, n in found if n) or "none"


def _item_groups(study: Study, run_id: int, recount: bool):
    """(model, persona, status, outcome or None, items) over the run's items: from the counts the writes
    keep (store/schema/v025_run_counts.py: a few hundred rows), or with ``recount`` from the items
    themselves (a pass over every item: what the kept counts are checked against)."""
    if recount:
        return study.db.execute("SELECT model, persona_id, status, outcome, COUNT(*) FROM run_items WHERE run_id = ?"
                                " GROUP BY 1, 2, 3, 4", [run_id]).fetchall()
    rows = study.db.execute("SELECT model, persona_id, status, outcome, n FROM run_item_counts WHERE run_id = ?"
                            " AND n > 0", [run_id])
    return [(model, persona_id, status, outcome or None, n) for model, persona_id, status, outcome, n in rows]


def _response_outcomes(study: Study, run_id: int, recount: bool) -> dict[str, int]:
    if recount:
        return dict(study.db.execute(
            "SELECT outcome, COUNT(*) FROM run_responses WHERE run_id = ? GROUP BY outcome", [run_id]).fetchall())
    return dict(study.db.execute("SELECT outcome, n FROM run_response_counts WHERE run_id = ? AND n > 0"
                                 " ORDER BY outcome", [run_id]).fetchall())


def progress(study: Study, run_id: int, *, recount: bool = False) -> Progress:
    """How far the run has got, from the counts its writes keep (``recount``: from its items and attempts
    themselves, a pass over each; the same figures)."""
    # The items grouped by model, persona, status and outcome (a few hundred groups), folded here.
    kinds = dict(study.db.execute("SELECT persona_id, kind FROM run_personas WHERE run_id = ?", [run_id]).fetchall())
    by_group: dict[tuple[str, str], list[int]] = {}
    totals = {"answered": 0, "invalid": 0, "server_error": 0, "pending": 0}
    item_outcomes: dict[str, int] = {}
    for model, persona_id, status, outcome, n in _item_groups(study, run_id, recount):
        if status != "pending":  # why each finished item ended so (items of any persona)
            ended = outcome if outcome is not None else {"answered": "valid", "server_error": "server_error"}.get(
                status, "no_letter")
            item_outcomes[ended] = item_outcomes.get(ended, 0) + n
        if persona_id not in kinds:  # not one of the run's conditions: not counted in its progress
            continue
        entry = by_group.setdefault((model, kinds[persona_id]), [0, 0])
        entry[1] += n
        if status != "pending":
            entry[0] += n
        totals[status] = totals.get(status, 0) + n
    outcomes = _response_outcomes(study, run_id, recount)
    if any(model.startswith("human:") for model, _kind in by_group):  # a person's items exist once answered:
        people = respondent_progress(study, run_id)  # their total is their questionnaire
        for (model, _kind), entry in by_group.items():
            if model in people:
                entry[1] = max(entry[1], people[model][1])
    too_long = item_outcomes.get("too_long", 0)
    total = sum(totals.values())
    return Progress(
        total=total, done=total - totals["pending"], answered=totals["answered"], invalid=totals["invalid"] - too_long,
        by_group={k: (by_group[k][0], by_group[k][1]) for k in sorted(by_group)}, outcomes=outcomes,
        responses=sum(outcomes.values()), server_error=totals["server_error"], too_long=too_long,
        item_outcomes=dict(sorted(item_outcomes.items())),
    )


@dataclass(frozen=True)
class Coverage:
    """How much of the first token's probability the letters A-F covered, over a run's logprob attempts."""

    answers: int
    mean: float
    median: float
    p10: float  # the 10th percentile: how bad the worst tenth is
    below_min: int  # attempts under the run's minimum (stored as low_coverage, not valid)
    min_coverage: float

    def line(self) -> str:
        share = self.below_min / self.answers if self.answers else 0.0
        return (f"logprob coverage (mass of the first token on A-F): median {self.median:.3f}, mean {self.mean:.3f},"
                f" 10th percentile {self.p10:.3f} over {self.answers} attempts; {self.below_min} ({share:.1%}) below"
                f" the run's minimum {self.min_coverage:g}, kept as low_coverage (no answer)")


def coverage_of(study: Study, run_id: int) -> Coverage | None:
    """The run's logprob coverage figures (None when no attempt recorded a covered mass)."""
    (covered,) = study.db.execute("SELECT coalesce(sum(covered), 0) FROM run_response_counts WHERE run_id = ?",
                                  [run_id]).fetchone()
    if not covered:  # a text run: no attempt recorded a covered mass (counted as they are written)
        return None
    import numpy as np  # here: `run status` of a text run never needs it (about 0.1 s to import)

    masses = np.asarray([r[0] for r in study.db.execute(
        "SELECT covered_mass FROM run_responses WHERE run_id = ? AND covered_mass IS NOT NULL", [run_id])],
        dtype=np.float64)
    run = get_run(study, run_id)
    if not len(masses) or run is None:
        return None
    minimum = run.definition.min_coverage
    return Coverage(len(masses), float(masses.mean()), float(np.median(masses)), float(np.quantile(masses, 0.1)),
                    int((masses < minimum).sum()), minimum)


def run_notes(study: Study, run_id: int, p: Progress | None = None) -> list[str]:
    """Lines a report prints about how a run went: server errors apart from answers, logprob coverage
    (``p``: the run's progress, already read: it is not read again)."""
    notes = []
    p = p if p is not None else progress(study, run_id)
    if p.server_error or p.outcomes.get("server_error"):
        notes.append(f"Server errors: {p.server_error} of {p.total} items got no answer from the server (not counted"
                     f" as invalid answers; `valuegap run resume {run_id}` asks them again);"
                     f" {p.outcomes.get('server_error', 0)} failed attempts in all.")
    coverage = read_coverage(study, run_id)
    if coverage is not None:
        notes.append(coverage.line()[0].upper() + coverage.line()[1:] + ".")
    return notes


def done_counts(study: Study) -> dict[int, tuple[int, int]]:
    """run id -> (items asked to the end, items), for every run in one query (the run list's Done column)."""
    return {run_id: (done, total) for run_id, done, total in study.db.execute(
        "SELECT run_id, SUM(CASE WHEN status != 'pending' THEN n ELSE 0 END), SUM(n) FROM run_item_counts"
        " GROUP BY run_id HAVING SUM(n) > 0")}


def first_error(study: Study, run_id: int) -> str | None:
    """The first attempt's error text (a server error, or why an answer was unusable), in full."""
    row = study.db.execute("SELECT outcome, error FROM run_responses WHERE run_id = ? AND error IS NOT NULL"
                           " AND error != '' ORDER BY id LIMIT 1", [run_id]).fetchone()
    return None if row is None else f"{row[0]}: {row[1]}"


def finished_rate(study: Study, run_id: int) -> float:
    """Answers per second over a run's whole stored span: what a run that is not going any more shows."""
    row = study.db.execute("SELECT COUNT(*), (julianday(MAX(created_at)) - julianday(MIN(created_at))) * 86400"
                           " FROM run_responses WHERE run_id = ?", [run_id]).fetchone()
    count, span = row[0] or 0, row[1] or 0.0
    return count / span if span > 0 else float(count)


def latest_responses(study: Study, run_id: int, limit: int = 10) -> list[dict]:
    rows = study.db.execute(
        "SELECT r.id, i.model, i.persona_id, i.dilemma_id, i.question, i.repeat, r.outcome, r.letter, r.score,"
        " r.raw_text, r.error FROM run_responses r JOIN run_items i ON i.id = r.item_id"
        " WHERE r.run_id = ? ORDER BY r.id DESC LIMIT ?", [run_id, limit])
    keys = ("id", "model", "persona_id", "dilemma_id", "question", "repeat", "outcome", "letter", "score",
            "raw_text", "error")
    return [dict(zip(keys, r)) for r in rows]


def responses_of(study: Study, run_id: int) -> list[dict]:
    """Every attempt of a run (tests, exports)."""
    cursor = study.db.execute("SELECT * FROM run_responses WHERE run_id = ? ORDER BY id", [run_id])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, r)) for r in cursor]


def response_rate(study: Study, run_id: int, seconds: float = 10.0) -> float:
    """Answers per second over the last ``seconds`` (by their stored time)."""
    row = study.db.execute(
        "SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM (SELECT created_at FROM run_responses"
        " WHERE run_id = ? ORDER BY id DESC LIMIT 20000) WHERE created_at >= strftime('%Y-%m-%dT%H:%M:%f',"
        " 'now', ?)", [run_id, f"-{seconds} seconds"]).fetchone()
    return (row[0] or 0) / seconds


def item_statuses(study: Study, run_id: int) -> dict[int, str]:
    return dict(study.db.execute("SELECT id, status FROM run_items WHERE run_id = ?", [run_id]).fetchall())


_COUNTS = ", ".join(f"SUM(question = {q} AND choice = {c}) AS {'va'[q]}{c}" for q in (0, 1) for c in range(6))
#: the same sums with each logprob answer counted as its distribution over the options (one-hot without one)
_MASSES = ", ".join(f"SUM(CASE WHEN question = {q} THEN coalesce(json_extract(distribution_json, '$[{c}]'),"
                    f" choice = {c}) ELSE 0 END) AS {'va'[q]}{c}" for q in (0, 1) for c in range(6))
#: sum over all (value, action) answer pairs of |point_v - point_a|, from the per-option counts
_PAIR_DISTANCE = " + ".join(f"v{i} * a{j} * {abs(i - j)}" for i in range(6) for j in range(6) if i != j)


def paired_gap_by_kind(study: Study, run_id: int, distributions: bool = False, protocol: str = "standard") -> list[tuple]:
    """Per (model, persona kind): (model, kind, personas, items, AR, AD, baseline AR, baseline AD),
    computed in SQLite (which runs without holding Python's GIL, so the Run screen stays responsive while
    a large run is refreshed).

    Same definitions as the metrics package (docs/metrics.md): an item is a (model, persona, dilemma)
    cell of the default ``pairs`` estimand (over every pair of its valid value and action answers, AR =
    P(same side), AD = E|v - a| / 5; choice c is point 6 - c, choices 0-2 agree, 3-5 oppose). A persona's
    level and its baseline's level are means over the dilemmas both answered (every dilemma for the
    baseline itself, and for a model whose baseline has not answered yet); a kind is the mean over its
    personas. Each cell finds its baseline through a window over (model, dilemma), not a join.
    ``distributions``: a logprob answer counts as its distribution over the options, as the metrics count
    it by default (the sums of the pair formulas are bilinear, so the same formulas hold). Only the items
    asked under ``protocol`` count: ways of asking are never pooled."""
    return study.db.execute(
        f"WITH counts AS (SELECT model, persona_id, dilemma_id, {_MASSES if distributions else _COUNTS} FROM run_items"
        "  WHERE run_id = ? AND protocol = ? AND status = 'answered' AND choice >= 0"
        "  AND coalesce(outcome, '') != 'abstained'"
        "  GROUP BY model, persona_id, dilemma_id),"
        " sides AS (SELECT model, persona_id, dilemma_id, v0 + v1 + v2 AS v_agree, v3 + v4 + v5 AS v_oppose,"
        "  a0 + a1 + a2 AS a_agree, a3 + a4 + a5 AS a_oppose,"
        f"  ({_PAIR_DISTANCE}) * 1.0 AS distance_sum FROM counts),"
        " cell AS (SELECT model, persona_id, dilemma_id, persona_id = 'baseline' AS is_base,"
        "  (v_agree * a_agree + v_oppose * a_oppose) * 1.0 / ((v_agree + v_oppose) * (a_agree + a_oppose)) AS ar,"
        "  distance_sum / ((v_agree + v_oppose) * (a_agree + a_oppose)) / 5.0 AS ad"
        "  FROM sides WHERE v_agree + v_oppose > 0 AND a_agree + a_oppose > 0),"
        " with_base AS (SELECT *, MAX(CASE WHEN is_base THEN ar END) OVER dilemma AS base_ar,"
        "  MAX(CASE WHEN is_base THEN ad END) OVER dilemma AS base_ad, MAX(is_base) OVER dilemma AS paired,"
        "  MAX(is_base) OVER (PARTITION BY model) AS model_has_base FROM cell"
        "  WINDOW dilemma AS (PARTITION BY model, dilemma_id)),"
        " persona AS (SELECT model, persona_id, COUNT(*) AS items, AVG(ar) AS ar, AVG(ad) AS ad,"
        "  AVG(base_ar) AS base_ar, AVG(base_ad) AS base_ad FROM with_base"
        "  WHERE paired OR NOT model_has_base GROUP BY model, persona_id)"
        " SELECT persona.model, p.kind, COUNT(*), SUM(items), AVG(ar), AVG(ad), AVG(base_ar), AVG(base_ad)"
        " FROM persona JOIN run_personas p ON p.run_id = ? AND p.persona_id = persona.persona_id"
        " GROUP BY persona.model, p.kind", [run_id, protocol, run_id]).fetchall()


#: the results cache's options for what this module keeps (store/results_cache.py)
_KEPT_PROGRESS, _KEPT_COVERAGE = "run-progress|v1", "run-coverage|v1"


def _kept(study: Study, run_id: int, options: str, compute, encode, decode):
    """``compute()`` kept for a run whose answers are all in (store/results_cache.py): a finished run's
    status is read again and again (run status, the report, the Results screen) and each read is a pass
    over its items; a run still going is read afresh each time and nothing is written for it."""
    from valuegap_tui.store import results_cache

    from valuegap_tui import __version__

    options = f"{options}|{__version__}"  # kept by another version of valuegap: read again
    state = results_cache.fingerprint(study, run_id)
    text = results_cache.load(study, run_id, options, "numbers", state)
    if text is not None:
        try:
            return decode(json.loads(text))
        except (ValueError, KeyError, TypeError, IndexError):  # kept by another version: read again
            pass
    value = compute()
    if state.split(":")[2] == "0":  # nothing pending (the fingerprint's third part)
        results_cache.save(study, run_id, options, "numbers", state, json.dumps(encode(value)))
    return value


def read_progress(study: Study, run_id: int) -> Progress:
    """``progress``, kept while the run's answers stay as they are once nothing is pending."""
    def encode(p: Progress) -> dict:
        return {**asdict(p), "by_group": [[m, k, d, t] for (m, k), (d, t) in p.by_group.items()]}

    def decode(record: dict) -> Progress:
        return Progress(**{**record, "by_group": {(m, k): (d, t) for m, k, d, t in record["by_group"]}})

    return _kept(study, run_id, _KEPT_PROGRESS, lambda: progress(study, run_id), encode, decode)


def read_coverage(study: Study, run_id: int) -> Coverage | None:
    """``coverage_of``, kept as ``read_progress`` is."""
    return _kept(study, run_id, _KEPT_COVERAGE, lambda: coverage_of(study, run_id),
                 lambda c: None if c is None else asdict(c), lambda r: None if r is None else Coverage(**r))


def any_answered(study: Study) -> bool:
    """Whether any run of the study has an answered question (from the counts the writes keep,
    store/schema/v025_run_counts.py: a few hundred rows at most, not the items)."""
    row = study.db.execute("SELECT 1 FROM run_item_counts WHERE status = 'answered' AND n > 0 LIMIT 1").fetchone()
    return row is not None
