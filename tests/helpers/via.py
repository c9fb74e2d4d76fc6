"""A VIA study run against the in-process simulator: synthetic items, country conditions, two models
with their own planted behaviour (designs/via/simulate.py)."""

from __future__ import annotations

import asyncio

from valuegap_tui.designs import get_design, set_study_design
from valuegap_tui.designs.via.conditions import country_personas
from valuegap_tui.designs.via.importer import read_shen
from valuegap_tui.designs.via.simulate import synthetic_rows, write_synthetic_csv
from valuegap_tui.evaluate.execute import execute_run
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator import SimulatorParams
from valuegap_tui.simulator.respondent import Simulator
from valuegap_tui.simulator.inprocess import SimulatorClient
from valuegap_tui.store import items as item_store
from valuegap_tui.store import personas as persona_store

#: two models with different planted gaps and endorsements (the second leans to disagree in India)
PLANTED = {
    "model-a": SimulatorParams(seed=1, designs={"via": {"gap": 0.1, "base_endorsement": 0.7}}),
    "model-b": SimulatorParams(seed=2, designs={"via": {"gap": 0.35, "base_endorsement": 0.6,
                                                        "endorsement": {"India": 0.4}, "strong_share": 0.3,
                                                        "gap_by_country": {"Germany": 0.2}}}),
}


def via_run(study, tmp_path, countries=("India", "Germany"), topics=None, values=None, repeats=2, planted=PLANTED):
    """Import a synthetic VIA file, add the country personas, run every model; returns (run id, items)."""
    path = tmp_path / "via.csv"
    write_synthetic_csv(path, synthetic_rows(countries=countries, topics=topics, values=values))
    result = read_shen(path)
    assert not result.problems
    set_study_design(study, "via")
    item_store.save_many(study, get_design("via"), result.items, who="test", action="import-shen")
    persona_store.save_many(study, country_personas(countries))
    definition = RunDefinition.model_validate({
        "models": [{"name": name, "endpoints": ["http://127.0.0.1:1"], "concurrency": 64} for name in planted],
        "personas": [p.id for p in country_personas(countries)], "repeats": repeats, "seed": 5})
    run_id = create_run(study, definition)
    clients = {name: SimulatorClient(Simulator(params), name) for name, params in planted.items()}
    assert asyncio.run(execute_run(study, run_id, clients)) == "finished"
    return run_id, {item.id: item for item in result.items}
