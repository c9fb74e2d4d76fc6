"""Prompt templates kept as files in prompts/: load one by name, fill it, and know its hash.

Templates use string.Template ``${name}`` placeholders. The hash covers the template text (not the filled
values), so a study can record exactly which prompt produced what.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@dataclass(frozen=True)
class PromptTemplate:
    name: str  # file name, e.g. "generate_dilemma.user.txt"
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def fill(self, **values: str) -> str:
        """Fill every placeholder; a missing one raises KeyError naming it."""
        return string.Template(self.text).substitute(**values)


@lru_cache(maxsize=None)
def load_template(name: str, directory: Path | None = None) -> PromptTemplate:
    path = (directory or PROMPTS_DIR) / name
    return PromptTemplate(name=name, text=path.read_text(encoding="utf-8"))


def combined_hash(*templates: PromptTemplate) -> str:
    """One hash for a prompt made of several templates (e.g. system + user)."""
    digest = hashlib.sha256()
    for template in templates:
        digest.update(template.name.encode() + b"\0" + template.text.encode("utf-8") + b"\0")
    return digest.hexdigest()
