"""Every key binding of the app, by id: its default key, what it does, and where it applies.

The screens build their bindings from this table (``tui/keys.py``), so it is the one list of binding
ids. The ``[keys]`` section of the config remaps them (``"screen.runs" = "f9"``); the app applies the
section when it starts, for every screen and every design, and ``valuegap config check`` checks it
too. Headless: ``check_keymap`` says which ids are unknown and which remapped keys clash (two
bindings on one key where both apply), one line each, without Textual.

A *scope* is where a binding applies: a screen or a pop-up. The app's own bindings (``app``: the
stage keys, help, quit) apply in every scope, so a key remapped onto one of them clashes too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class KeySpec:
    id: str
    key: str  # the default; several keys separated by commas
    description: str
    scope: str
    show: bool = True  # in the footer (every binding is in the help panel and the palette)
    priority: bool = False
    #: offered in the palette from every screen (it opens the screen and runs there); False: only on its
    #: own screen, where it acts on what is shown (a label key, closing a form, going back to a list)
    anywhere: bool = True


APP = "app"
#: the stages: (mode, title, default key)
STAGES: tuple[tuple[str, str, str], ...] = (
    ("dilemmas", "Dilemmas", "f1"),
    ("generate", "Generate", "f2"),
    ("personas", "Personas", "f3"),
    ("runs", "Runs", "f4"),
    ("results", "Results", "f5"),
    ("servers", "Servers", "f6"),
)
#: the stage screens' scopes: the mode that shows the screen and the palette's prefix for its actions
STAGE_SCOPES: dict[str, tuple[str, str]] = {
    "review": ("dilemmas", "Review"),
    "generate": ("generate", "Generate"),
    "personas": ("personas", "Personas"),
    "runs": ("runs", "Runs"),
    "results": ("results", "Results"),
    "servers": ("servers", "Servers"),
}
#: how many digit keys the review screen offers a design's labels (``ReviewParts.label_keys``)
LABEL_KEYS = 9
RESPOND_LETTERS = "abcdefgh"
#: the Results screen's tabs, in key order (1-9)
RESULT_TABS = (("conditions", "Conditions"), ("kinds", "Kinds"), ("heatmap", "Heatmap"), ("answers", "Answers"),
               ("values", "Values"), ("topics", "Topics"), ("design", "Design"), ("respondents", "Respondents"),
               ("protocols", "Protocols"))


def _specs() -> tuple[KeySpec, ...]:
    s = KeySpec
    return (
        s("app.keys", "question_mark", "Keys", APP),
        *(s(f"screen.{mode}", key, title, APP) for mode, title, key in STAGES),
        s("app.quit", "ctrl+q", "Quit", APP, priority=True),
        # the review screen (F1), every design; the digits' descriptions are the design's
        s("review.accept", "a", "Accept", "review"),
        s("review.reject", "r", "Reject", "review"),
        s("review.needs_edit", "n", "Needs edit", "review"),
        s("review.draft", "d", "Back to draft", "review"),
        s("review.skip", "s", "Skip", "review"),
        s("review.next", "j", "Next", "review"),
        s("review.previous", "k", "Previous", "review"),
        s("review.undo", "u", "Undo", "review"),
        s("review.edit", "e", "Edit", "review"),
        # Priority: a key that moves the focus acts as the app reads it, so the keys typed right after it
        # reach the widget it focused (the screen lets them through while a text field has the focus).
        s("review.actions", "o", "Actions", "review", priority=True),
        *(s(f"review.label_{k}", str(k), f"Label key {k}", "review", show=False, anywhere=False)
          for k in range(1, LABEL_KEYS + 1)),
        s("review.filter", "slash", "Filter", "review", priority=True),
        s("review.history", "h", "History", "review"),
        s("review.guidelines", "g", "Guidelines", "review"),
        s("review.blind", "b", "Blind", "review"),
        s("review.check_labels", "c", "Check labels", "review", show=False),
        s("review.apply_fix", "f", "Apply suggested label fix", "review", show=False),
        s("review.agreement", "y", "Agreement", "review", show=False),
        s("review.reviewer", "w", "Reviewer name", "review", show=False, priority=True),
        s("review.back", "escape", "List", "review", show=False, anywhere=False),
        s("review.new", "ctrl+n", "New dilemma", "review", show=False),
        s("review.duplicate", "D", "Duplicate dilemma", "review", show=False),
        s("review.notes", "m", "Notes", "review", show=False),
        s("review.reviewers", "C", "Reviewers side by side", "review", show=False),
        # the review screen's pop-ups
        s("review.edit_save", "ctrl+s", "Save", "review.edit", priority=True),
        s("review.edit_cancel", "escape", "Cancel", "review.edit", priority=True),
        s("review.view_close", "escape", "Close", "review.view"),
        s("review.view_close_q", "q", "Close", "review.view", show=False),
        s("review.reviewers_close", "escape", "Close", "review.reviewers"),
        s("review.reviewers_close_q", "q", "Close", "review.reviewers", show=False),
        s("review.choose_cancel", "escape", "Cancel", "review.choose"),
        s("review.new_save", "ctrl+s", "Save", "review.new", priority=True),
        s("review.new_cancel", "escape", "Cancel", "review.new", priority=True),
        s("review.new_select_all", "ctrl+a", "Select all", "review.new", priority=True),
        # the other stages
        s("generate.start", "s", "Start", "generate"),
        s("generate.stop", "x", "Stop", "generate"),
        s("personas.level_down", "left", "Level -", "personas", anywhere=False),
        s("personas.level_up", "right", "Level +", "personas", anywhere=False),
        *(s(f"personas.level_{i}", str(i), f"Level {i}", "personas", show=False, anywhere=False) for i in range(1, 5)),
        s("personas.generate", "g", "Generate set", "personas"),
        s("personas.duplicate", "d", "Duplicate", "personas"),
        s("personas.delete", "x", "Delete", "personas"),
        s("personas.edit", "e", "Edit levels", "personas"),
        s("personas.new", "n", "Write new", "personas"),
        s("personas.edit_text", "t", "Edit text", "personas", show=False),
        s("personas.back", "escape", "List", "personas", show=False, anywhere=False),
        s("personas.form_save", "ctrl+s", "Save", "personas.form", priority=True),
        s("personas.form_cancel", "escape", "Cancel", "personas.form", priority=True),
        s("personas.form_select_all", "ctrl+a", "Select all", "personas.form", priority=True),
        s("runs.new", "n", "New run", "runs"),
        s("runs.start", "s", "Start/resume", "runs"),
        s("runs.stop", "x", "Stop", "runs"),
        s("runs.close_form", "escape", "Close form", "runs", show=False, anywhere=False),
        s("runs.plan", "ctrl+s", "Plan and start", "runs", priority=True, anywhere=False),
        *(s(f"results.tab_{tab}", str(n + 1), f"Tab: {title}", "results", show=False)
          for n, (tab, title) in enumerate(RESULT_TABS)),
        s("results.model", "m", "Next model", "results"),
        s("results.condition", "c", "Next condition", "results"),
        s("results.topic", "t", "Next topic", "results"),
        s("results.aggregate", "n", "Next estimand", "results"),
        s("results.logprob_answers", "l", "Logprobs: distribution / top letter", "results", show=False),
        s("results.layout", "w", "Layout", "results"),
        s("results.refresh", "r", "Recompute", "results", show=False),
        s("results.report", "R", "Write report", "results"),
        s("servers.probe", "p", "Probe", "servers"),
        s("servers.health", "h", "Health", "servers"),
        s("servers.reload", "r", "Reload profiles", "servers"),
        s("servers.simulator", "s", "Start simulator", "servers"),
        s("respond.continue", "enter", "Continue", "respond", priority=True),
        s("respond.pause", "escape", "Pause / leave", "respond", priority=True),
        *(s(f"respond.pick_{letter}", letter, f"Option {letter.upper()}", "respond", show=False)
          for letter in RESPOND_LETTERS),
    )


SPECS: tuple[KeySpec, ...] = _specs()
BY_ID: dict[str, KeySpec] = {spec.id: spec for spec in SPECS}

_REPLACED = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at", "hyphen_minus": "minus",
             "plus_sign": "plus", "low_line": "underscore"}


def normal_key(key: str) -> str:
    """A key as bindings name it: one punctuation character by its name ("?" -> "question_mark")."""
    key = key.strip()
    if len(key) == 1 and not key.isalnum():
        try:
            key = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            return key
        return _REPLACED.get(key, key)
    return key


def normal_keys(keys: str) -> str:
    return ",".join(normal_key(k) for k in keys.split(","))


def check_keymap(keymap: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The remaps to apply (known ids, keys normalised) and one line per problem: an unknown id, or
    two bindings that would share a key where both apply (the remap that caused it is named)."""
    problems, usable = [], {}
    for binding_id, keys in keymap.items():
        if binding_id not in BY_ID:
            near = [known for known in BY_ID if known.split(".")[0] == binding_id.split(".")[0]]
            hint = f" (ids here: {', '.join(near[:6])}{' ...' if len(near) > 6 else ''})" if near else ""
            problems.append(f"[keys] {binding_id!r} is not a binding id{hint}: docs/configuration.md#keys lists them")
            continue
        usable[binding_id] = normal_keys(keys)
    for scope in sorted({spec.scope for spec in SPECS} - {APP}) or [APP]:
        problems += _clashes(scope, usable)
    problems += _clashes(APP, usable, alone=True)
    return usable, list(dict.fromkeys(problems))


def current_key(binding_id: str, keymap: Mapping[str, str]) -> str:
    return keymap.get(binding_id) or BY_ID[binding_id].key


def _clashes(scope: str, keymap: Mapping[str, str], *, alone: bool = False) -> list[str]:
    """Bindings of ``scope`` (and the app's, which apply everywhere) that share a key after the remap."""
    specs = [s for s in SPECS if s.scope == scope or (s.scope == APP and not alone)]
    on_key: dict[str, list[KeySpec]] = {}
    for spec in specs:
        for key in current_key(spec.id, keymap).split(","):
            on_key.setdefault(key, []).append(spec)
    found = []
    for key, sharing in on_key.items():
        remapped = [spec for spec in sharing if spec.id in keymap]
        own = alone or any(spec.scope == scope for spec in sharing)  # the app's among themselves: said once
        if len(sharing) > 1 and remapped and own:  # the defaults never clash (a test keeps it so)
            names = " and ".join(f"{spec.id!r} ({spec.description})" for spec in sharing)
            found.append(f"[keys] {key!r} is taken twice in {scope}: {names}; give one of them another key")
    return found
