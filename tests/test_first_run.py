"""A first run that works headless: OPENAI_BASE_URL as the default endpoint, a failed run says why in full."""

from __future__ import annotations

import pytest

from tests.helpers.runs import seed_study
from valuegap_tui.evaluate.session import run_blocking
from valuegap_tui.evaluate.setup import PlanError, create_run
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store

NO_ENDPOINT = 'name = "t"\nrepeats = 1\n[[models]]\nname = "tiny"\n[dilemmas]\nstatus = ["accepted"]\n'


def test_a_model_without_endpoints_is_asked_where_openai_base_url_points(study, answer_server, monkeypatch):  # noqa: F811
    seed_study(study, 2)
    monkeypatch.setenv("OPENAI_BASE_URL", answer_server)
    run_id = create_run(study, RunDefinition.from_toml_text(NO_ENDPOINT, "run.toml"))
    assert run_blocking(study, run_id, plain=False) == "finished"
    assert progress_store.progress(study, run_id).answered == 2 * 2


def test_without_openai_base_url_the_plan_says_what_to_add(study, monkeypatch):
    seed_study(study, 2)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(PlanError, match="OPENAI_BASE_URL is not set"):
        create_run(study, RunDefinition.from_toml_text(NO_ENDPOINT, "run.toml"))
    assert run_store.list_runs(study) == []


def test_a_run_that_answered_nothing_fails_with_its_first_error_in_full(study):
    from tests.helpers.answer_server import free_port

    seed_study(study, 1)
    url = f"http://127.0.0.1:{free_port()}/v1"  # nobody listens
    run_id = create_run(study, RunDefinition.model_validate(
        {"models": [{"name": "tiny", "endpoints": [url]}], "repeats": 1, "max_attempts": 1}))
    assert run_blocking(study, run_id, plain=False) == "failed"
    run = run_store.get_run(study, run_id)
    first = progress_store.first_error(study, run_id)
    assert first and "server_error" in first
    assert run.status == "failed" and run.stop_reason.endswith(f"the first error: {first}")
