"""The table of hostile inputs typed into the app's forms: each case's name, what is typed, and a word
the one-line message must hold (tests/reliability/test_hostile_forms.py tries them)."""

from __future__ import annotations

from tests.reliability.hostile import LONG, run_toml

RUN_FORM = [
    ("endpoint-without-host", run_toml(model='endpoints = ["http:///v1"]'), "no host"),
    ("endpoint-port-99999", run_toml(model='endpoints = ["http://127.0.0.1:99999/v1"]'), "port"),
    ("include-baseline-yes", run_toml(top='include_baseline = "yes"'), "include_baseline"),
    ("endpoints-a-number", run_toml(model="endpoints = 5"), "valid list"),
    ("repeats-true", run_toml(top="repeats = true"), "repeats"),
    ("persona-unknown", run_toml(top='personas = ["moderat-secular"]'), "moderat-secular"),
    ("not-toml", "repeats = [oops", "not valid TOML"),
    ("nested", "x = " + "[" * 5000 + "]" * 5000, "nested"),
    ("name-with-nul", run_toml().replace('name = "r"', 'name = "r\\u0000"', 1), "NUL"),
    ("name-of-200k", run_toml().replace('name = "r"', f'name = "{LONG}"', 1), "131,072"),
]
GENERATE_FORM = [
    ("variants-0", {"variants": "0"}, "Variants"),
    ("variants-words", {"variants": "S-Tab"}, "whole number"),
    ("concurrency-99999", {"concurrency": "99999"}, "Concurrency"),
    ("attempts-100", {"attempts": "100"}, "Attempts"),
    ("values-unknown", {"values": "wisdon"}, "wisdon"),
    ("topics-unknown", {"topics": "politcs"}, "politcs"),
]
CONDITION_FORM = [
    ("name-blank", {"name": "  ", "text": "You are kind."}, "name"),
    ("text-blank", {"name": "Kind", "text": "   "}, "text"),
    ("text-with-nul", {"name": "Kind", "text": "You are\x00 kind."}, "NUL"),
    ("text-of-200k", {"name": "Kind", "text": LONG}, "131,072"),
]
DILEMMA_FORM = [
    ("no-value-or-topic", {}, "pick a value"),
    ("scenario-blank", {"value": "wisdom", "topic": "politics", "scenario": "  "}, "scenario"),
    ("scenario-with-nul", {"value": "wisdom", "topic": "politics", "scenario": "You\x00 decide."}, "NUL"),
    ("scenario-of-200k", {"value": "wisdom", "topic": "politics", "scenario": LONG}, "131,072"),
    ("two-same-actions", {"value": "wisdom", "topic": "politics", "scenario": "You decide.", "same": True}, "same text"),
]
REVIEW = [
    ("reviewer-name-blank", None, "reviewer name"),
    ("filter-unknown-key", "stauts:draft", "unknown filter key"),
    ("filter-unknown-value", "value:wisdon", "unknown value"),
]
CONFIG_READ_BY_THE_APP = [
    ("blind-false-in-quotes", '[reviewer]\nname = "ann"\nblind = "false"\n', "[reviewer] blind"),
    ("reviewer-name-a-number", "[reviewer]\nname = 5\n", "[reviewer] name"),
    ("key-a-number", '[keys]\n"review.accept" = 3\n', "[keys] review.accept"),
]
FORM_CASES = [f"runs/{c[0]}" for c in RUN_FORM] + [f"generate/{c[0]}" for c in GENERATE_FORM] + \
    [f"condition/{c[0]}" for c in CONDITION_FORM] + [f"new-dilemma/{c[0]}" for c in DILEMMA_FORM] + \
    [f"review/{c[0]}" for c in REVIEW] + [f"config/{c[0]}" for c in CONFIG_READ_BY_THE_APP]
