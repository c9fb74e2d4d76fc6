"""Independence: a run warns, and stores the warning for the report, when an evaluated model judged or
generated the dilemmas it is asked."""

from __future__ import annotations

import asyncio

from tests.helpers.dilemmas import make_dilemma
from tests.helpers.clients import LabelRankingClient, PlantedClient
from tests.helpers.answer_server import write_definition
from valuegap_tui.designs.graded_actions import label_check
from valuegap_tui.evaluate import independence
from valuegap_tui.cli import main
from valuegap_tui.designs.graded_actions.models import DilemmaStatus, Provenance
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import independence as independence_store
from valuegap_tui.store import runs as run_store


class Judge(LabelRankingClient):
    """Ranks by the labels and says it is the served model ``tiny`` (as a server reports its model)."""

    async def complete(self, request, *, model=None):
        record = await super().complete(request, model=model)
        return CompletionRecord(text=record.text, model="Org/Tiny")


def accepted(n, generator=None):
    found = []
    for i in range(n):
        d = make_dilemma(value=["wisdom", "honest", "equality"][i % 3], variant=1 + i // 3,
                         texts=[f"Action {k}" for k in range(6)])
        d.status = DilemmaStatus.ACCEPTED
        if generator:
            d.provenance = Provenance(source="generated", generator_model=generator)
        found.append(d)
    return found


def test_a_run_whose_evaluated_model_judged_its_dilemmas_prints_and_stores_the_warning(study, tmp_path, capsys):
    dilemmas = accepted(6)
    dilemma_store.save_many(study, dilemmas, who="test", action="import")
    asyncio.run(label_check.check_dilemmas(study, Judge(study), dilemmas[:4], judgements=2))
    definition = write_definition(tmp_path / "run.toml", "http://127.0.0.1:9/v1", repeats=1)  # evaluates "tiny"
    assert main(["run", "start", str(definition), "--plan-only", "--study", str(study.path)]) == 0
    err = capsys.readouterr().err
    assert "warning: tiny is evaluated on 4 of the 6 dilemmas whose labels it judged" in err
    run_id = run_store.list_runs(study)[0].id
    (stored,) = independence_store.run_warnings(study, run_id)
    assert (stored.kind, stored.model, stored.dilemmas) == ("judged", "tiny", 4)
    assert independence_store.run_warning_notes(study, run_id) == [f"**Independence warning:** {stored.message}"]


def test_generated_dilemmas_warn_and_independent_models_do_not(study):
    mine, others = accepted(3, generator="qwen/Qwen3-8B"), accepted(6, generator="other-model")[3:]
    dilemma_store.save_many(study, mine + others, who="test", action="import")
    found = independence.warnings_for(study, 1, ["Qwen3-8b", "gemma"], mine + others)
    assert [(w.kind, w.model, w.dilemmas) for w in found] == [("generated", "Qwen3-8b", 3)]
    assert independence.same_model("Qwen/Qwen3-8B", "qwen3-8b") and not independence.same_model("qwen3-8b", None)
    assert independence_store.generator_models(study) == {"qwen/Qwen3-8B": 3, "other-model": 3}


def test_the_report_says_so(study, tmp_path, capsys):
    from valuegap_tui.evaluate.execute import execute_run
    from valuegap_tui.evaluate.setup import create_run
    from valuegap_tui.plan.definition import RunDefinition

    dilemmas = accepted(6, generator="m")
    dilemma_store.save_many(study, dilemmas, who="test", action="import")
    definition = RunDefinition.model_validate(
        dict(models=[{"name": "m", "endpoints": ["http://127.0.0.1:1"], "concurrency": 8}], repeats=2, seed=3))
    run_id = create_run(study, definition)
    probs = (0.4, 0.3, 0.1, 0.1, 0.05, 0.05)
    asyncio.run(execute_run(study, run_id, {"m": PlantedClient(probs, probs, seed=2)}))
    out = tmp_path / "report"
    assert main(["report", "latest", str(out), "--study", str(study.path)]) == 0
    message = "m is evaluated on 6 of the 6 dilemmas it generated itself"
    assert message in capsys.readouterr().out
    assert message in (out / "summary.md").read_text()


def test_check_labels_warns_when_the_judge_generated_the_dilemmas(study, monkeypatch, capsys):
    dilemmas = accepted(3, generator="tiny")
    dilemma_store.save_many(study, dilemmas, who="test", action="import")
    monkeypatch.setattr(label_check, "make_client", lambda **kw: Judge(study))
    assert main(["check-labels", "--study", str(study.path), "--judgements", "3"]) == 0
    captured = capsys.readouterr()
    assert "checked 3 dilemmas: 0 flagged" in captured.out
    assert "warning: Org/Tiny judged 3 dilemmas it generated itself" in captured.err
