"""ValAct-style scenarios made to order."""

from __future__ import annotations

from valuegap_tui.designs.valact.items import Scenario, value_types


def make_scenarios(n: int) -> list[Scenario]:
    """n scenarios whose four values rotate through the ten, so each value is offered about equally."""
    types = value_types()
    out = []
    for i in range(n):
        values = [types[(i + 3 * k + i // 10) % 10] for k in range(4)]
        if len(set(values)) < 4:
            values = [types[(i + k) % 10] for k in range(4)]
        out.append(Scenario(id=f"s{i:03d}", scenario=f"Situation number {i}: someone asks you what to do.",
                            status="accepted", topic="family",
                            actions=[{"text": f"In situation {i}, option {k} ({v[:3]}x).", "value": v}
                                     for k, v in enumerate(values)]))
    return out
