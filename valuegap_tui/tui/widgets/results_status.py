"""The Results screen's status line: the run and respondent, how many answers and items, the estimand,
how logprob answers are counted, the invalid answers by outcome, and how far the run got."""

from __future__ import annotations

from valuegap_tui.tui.widgets.result_cells import logprob_note, num, outcome_note

#: what each estimand is, in the status line (docs/metrics.md, "Items and estimands")
ESTIMANDS = {"pairs": "pairs (every value repeat with every action repeat)",
             "cell_mean": "cell means (mean value answer vs mean action answer)",
             "majority": "majority (the modal value vs the modal action answer)",
             "repeat": "repeat in order (the k-th value with the k-th action answer)"}


def status_line(run_id: int, results, model: str | None, progress, with_intervals: bool) -> str:
    """What the status line says of ``results`` for ``model`` (``progress``: a respondent's, or None)."""
    asked = f" ({progress.line()})" if progress is not None else ""
    if results.answers == 0 or model is None:
        return f"Run #{run_id}" + (f", {model}: no answers yet{asked}." if model else " has no answers yet.")
    if not results.items:
        answers = f"{results.answers} answer{'' if results.answers == 1 else 's'}"
        return (f"Run #{run_id}, {model}: {answers}{asked}, no paired answers yet: a dilemma counts once both its"
                " value and its action question are answered.")
    (own,) = results.per_model.records()
    return (f"Run #{run_id}, {'' if progress and progress.human else 'model '}{model}: {own['answers']} answers"
            f"{asked}, {own['items']} items; estimand "
            f"{ESTIMANDS.get(results.aggregate, results.aggregate)}{logprob_note(results)}; invalid "
            f"{num(own['invalid'], 3)}{outcome_note(results, model)}, refusals {num(own['refusal'], 3)}, "
            f"server errors {num(own['server_error'], 3)}; agreement across repeats value "
            f"{num(own['agreement_value'], 2)}, action {num(own['agreement_action'], 2)}"
            + (f"; under {results.protocol} (tab 9: all {len(results.protocols)} protocols)"
               if len(results.protocols) > 1 else "")
            + ("" if with_intervals else "; computing intervals…"))
