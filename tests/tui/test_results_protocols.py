"""The Results screen's Protocols tab (9): the gap under each way of asking, and the flips."""

from __future__ import annotations

from textual.widgets import Static, TabbedContent

from tests.helpers.results_app import use_fixed_run
from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.simulator.params import ProtocolEffect, SimulatorParams
from valuegap_tui.simulator.sample import SampledPersona, catalogue_dilemmas, sample_frame
from valuegap_tui.tui.app import ValueGapApp

async def _settle(pilot, predicate, tries=400):
    for _ in range(tries):
        await pilot.pause(0.05)
        if predicate():
            return
    raise AssertionError("screen did not settle")


def _done(screen):
    status = str(screen.query_one("#results-status", Static).render())
    return "Run #7" in status and "intervals" not in status


def planted_frame():
    """A baseline and a max persona (a "[b]marked[/b]" name) under three protocols; paraphrase-1 pushes the
    persona's actions toward opposing, so its change against baseline turns around there."""
    from valuegap_tui.personas import default_personas

    persona = next(p for p in default_personas() if str(getattr(p.kind, "value", p.kind)) == "max")
    people = [SampledPersona("baseline", "baseline", {}), SampledPersona("[b]marked[/b]", "max", dict(persona.levels))]
    params = SimulatorParams(position_bias=(1.0,) * 6, persona_gap_reduction=0.9, incongruity_gap=0.0,
                             protocol_effects={"paraphrase-1": ProtocolEffect(action_shift=0.8, personas_only=True)})
    return sample_frame(params, people, catalogue_dilemmas(topics=2), repeats=3,
                        protocols=("standard", "paraphrase-1", "paraphrase-2"))


async def test_the_protocols_tab_shows_each_protocol_the_spread_and_the_flips(study, monkeypatch):
    use_fixed_run(monkeypatch, planted_frame())
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        await _settle(pilot, lambda: _done(screen))
        await pilot.press("9")
        assert screen.query_one("#results-tabs", TabbedContent).active == "results-tab-protocols"
        shown = str(screen.query_one("#results-protocols", Static).render())
        assert "Asked under standard, paraphrase-1, paraphrase-2; tabs 1-6 show standard" in shown
        for protocol in ("standard", "paraphrase-1", "paraphrase-2"):
            assert f"baseline         {protocol:<12}" in shown
        assert "AR range" in shown and "Direction flips" in shown
        assert "condition [b]marked[/b] (AR)" in shown and "kind max (AR)" in shown  # a name is never markup


async def test_a_run_asked_one_way_says_how_to_ask_more(study, monkeypatch):
    use_fixed_run(monkeypatch, synthetic_frame(models=("m",), topics=1, seed=1))
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await _settle(pilot, lambda: _done(screen))
        await pilot.press("9")
        shown = str(screen.query_one("#results-protocols", Static).render())
        assert "asked every question one way (standard)" in shown and "docs/evaluation.md" in shown
