"""Prompt templates from prompts/: their text, name and hash (stored with what they produced)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from string import Template

from valuegap_tui.paths import PROMPTS_DIR


@dataclass(frozen=True)
class PromptTemplate:
    name: str  # file name in prompts/, e.g. "generate_dilemma.user.txt"
    text: str
    sha256: str

    def fill(self, **fields: str) -> str:
        """Substitute ``${name}`` fields; a missing field raises KeyError (a template bug, not data)."""
        return Template(self.text).substitute(**fields)


@lru_cache(maxsize=None)
def load_template(name: str) -> PromptTemplate:
    text = (PROMPTS_DIR / name).read_text(encoding="utf-8")
    return PromptTemplate(name=name, text=text, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def combined_hash(*templates: PromptTemplate) -> str:
    """One hash for a set of templates used together (system + user)."""
    digest = hashlib.sha256()
    for template in templates:
        digest.update(template.name.encode())
        digest.update(b"\0")
        digest.update(template.text.encode())
        digest.update(b"\0")
    return digest.hexdigest()
