"""A persona's system message: its levels written out through prompts/persona.txt, a country's through
its own template, a written condition's text as given, and none for the baseline."""

from __future__ import annotations

from functools import lru_cache
from string import Template

from valuegap_tui.catalogue import catalogue
from valuegap_tui.paths import PROMPTS_DIR
from valuegap_tui.personas.model import COUNTRY_KIND, COUNTRY_TEMPLATE, PERSONA_TEMPLATE, Persona


@lru_cache(maxsize=1)
def _template() -> Template:
    return Template((PROMPTS_DIR / f"{PERSONA_TEMPLATE}.txt").read_text(encoding="utf-8"))


def persona_template_text() -> str:
    """The raw template, for hashing into a run's prompt record."""
    return _template().template


def render_persona_text(persona: Persona) -> str | None:
    """The system message for a persona, or None for the baseline (no system message)."""
    if persona.text is not None:
        return persona.text
    if persona.kind == COUNTRY_KIND:
        return Template((PROMPTS_DIR / f"{COUNTRY_TEMPLATE}.txt").read_text(encoding="utf-8")).substitute(
            country=persona.name).rstrip("\n")
    if persona.kind == "baseline" or not persona.levels:
        return None
    cat = catalogue()
    lines = []
    for variable in cat.persona_variables:
        level = persona.levels[variable.id]
        lines.append(f"- {variable.name}: {variable.measures} -> {variable.levels[level - 1].text}")
    return _template().substitute(lines="\n".join(lines)).rstrip("\n")
