"""The VIA conditions: one country persona per country of the data (prompts/via_country.txt), beside
the baseline. A country persona's name is its country; it has no levels and no place on the map."""

from __future__ import annotations

from valuegap_tui.designs.via.items import COUNTRIES, country_slug
from valuegap_tui.personas import COUNTRY_KIND, Persona


def country_persona_id(country: str) -> str:
    return f"country-{country_slug(country)}"


def country_personas(countries=COUNTRIES) -> list[Persona]:
    return [Persona(id=country_persona_id(c), name=c, kind=COUNTRY_KIND,
                    notes="VIA country condition (Shen et al. 2025)") for c in countries]
