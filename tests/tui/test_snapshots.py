"""Snapshot tests: every screen but Results at 80x24, 100x30 and 160x45, with long and marked-up text.

The data is fixed and nothing shown depends on a clock: a planned run that has not started (no rate,
no ETA), no server configured, the study's path replaced by a fixed name. `pytest --snapshot-update`
rewrites the images after a deliberate layout change or a Textual upgrade (look at them first:
tests/tui/__snapshots__).
"""

from __future__ import annotations

import pytest

from tests.helpers.dilemmas import make_dilemma
from valuegap_tui.config import save_section
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.designs.graded_actions.models import DilemmaStatus
from valuegap_tui.personas import default_personas
from valuegap_tui.store import personas as persona_store
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.tui.app import ValueGapApp

SIZES = [(80, 24), (100, 30), (160, 45)]
SCREENS = ["dilemmas", "generate", "personas", "runs", "servers"]  # Results has its own snapshots
MARKUP = "[bold]not bold[/bold] [link=http://x]not a link[/link] [red"
LONG = ("You chair the committee that decides whether the town's only hospital keeps its night ward open, "
        "and every option costs someone something they cannot get back. ")


def fill(study) -> None:
    dilemmas = []
    for i, value in enumerate(("honest", "wisdom", "equality", "social_power", "protecting_the_environment")):
        d = make_dilemma(value=value, topic="health_care", scenario=(LONG * 3) + MARKUP,
                         texts=[f"{MARKUP} action {k}: " + "a long description of what you do " * 3 for k in range(6)])
        d.status = DilemmaStatus.ACCEPTED if i % 2 == 0 else DilemmaStatus.DRAFT
        dilemmas.append(d)
    dilemma_store.save_many(study, dilemmas, who="test", action="import")
    persona_store.add_missing(study, default_personas(0))
    create_run(study, RunDefinition.model_validate({
        "name": f"a long run name {MARKUP} that goes on",
        "models": [{"name": "[b]org/a-model-with-a-very-long-name-indeed[/b]", "endpoints": ["http://127.0.0.1:9/v1"]}],
        "repeats": 2,
    }))


@pytest.fixture
def filled(study, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    save_section("reviewer", {"name": "ann"})
    fill(study)
    return study


async def _fixed_subtitle(pilot) -> None:
    pilot.app.sub_title = "study.db"
    await pilot.pause()
    # Screens that read the study in a worker (bounded: some screens keep a worker polling)
    for _ in range(30):
        await pilot.pause(0.1)
        if not any(w.is_running and w.group != "runs-poll" for w in pilot.app.workers):
            break
    await pilot.pause(0.2)
    for field in pilot.app.screen.query("Input, TextArea"):
        field.cursor_blink = False  # a blinking cursor is caught on or off by chance
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", SCREENS)
def test_screen_layout(snap_compare, filled, mode, size):
    assert snap_compare(ValueGapApp(filled, start_mode=mode), terminal_size=size, run_before=_fixed_subtitle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_runs_form_layout(snap_compare, filled, size):
    assert snap_compare(ValueGapApp(filled, start_mode="runs"), terminal_size=size, press=["n"],
                        run_before=_fixed_subtitle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_key_help_layout(snap_compare, filled, size):
    assert snap_compare(ValueGapApp(filled, start_mode="dilemmas"), terminal_size=size, press=["question_mark"],
                        run_before=_fixed_subtitle)
