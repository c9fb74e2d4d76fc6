"""Hostile files: dilemmas, run definitions, personas and conditions, questionnaires, VIA files."""

from __future__ import annotations

import json

from tests.reliability.hostile import (DEEP, DIGITS, LONG, Case, bomb, condition, jsonl, questionnaire, record,
                                       run_toml, sample_csv, set_cell, via_csv, via_row, with_option, zip_bytes)


def _imp(name, expect, content, suffix="jsonl", **kw) -> Case:
    return Case(f"dilemmas/{name}", ["import", "{tmp}/in." + suffix], expect, files={"in." + suffix: content}, **kw)


def _options(n: int) -> dict:
    base = record()
    options = base["options"]
    base["options"] = (options * 2)[:n]
    return base


def _dilemma_cases() -> list[Case]:
    rows_extra = lambda rows: rows[0].update(_extra=["surplus"])  # noqa: E731
    return [
        _imp("nul-in-scenario", "NUL", jsonl(record(scenario="You face\x00 a choice."))),
        _imp("nul-in-an-action", "NUL", jsonl(with_option(2, text="Act\x00 now"))),
        _imp("nul-in-notes", "NUL", jsonl(record(notes="a\x00b"))),
        _imp("nul-in-the-value", "NUL", jsonl(record(value="wis\x00dom"))),
        _imp("nul-in-a-csv-cell", "NUL", sample_csv(set_cell("scenario", "You\x00 decide.")), "csv"),
        _imp("nul-in-a-csv-action", "NUL", sample_csv(set_cell("option_3_text", "Act\x00")), "csv"),
        _imp("variant-true", "whole number", jsonl(record(variant=True))),
        _imp("variant-false", "whole number", jsonl(record(variant=False))),
        _imp("variant-zero", "variant", jsonl(record(variant=0))),
        _imp("variant-negative", "variant", jsonl(record(variant=-3))),
        _imp("variant-fraction", "variant", jsonl(record(variant=1.5))),
        _imp("variant-past-sqlite", "variant", jsonl(record(variant=10**30))),
        _imp("variant-5000-digits", "digits", jsonl(json.dumps(record(variant=1)).replace('"variant": 1', '"variant": ' + DIGITS))),
        _imp("variant-words-in-csv", "variant", sample_csv(set_cell("variant", "two")), "csv"),
        _imp("unknown-flag", "unknown flag", jsonl(record(flags=["no_such_flag"]))),
        _imp("unknown-flag-in-csv", "unknown flag", sample_csv(set_cell("flags", '["near_duplicat"]')), "csv"),
        _imp("flag-a-number", "flags", jsonl(record(flags=[5]))),
        _imp("flags-not-a-list", "flags", jsonl(record(flags="near_duplicate"))),
        _imp("duplicate-id-column", "twice", sample_csv(header=None, mutate=None).replace("provenance\n", "id\n", 1), "csv"),
        _imp("duplicate-scenario-column", "twice",
             sample_csv().replace(",notes,", ",scenario,", 1), "csv"),
        _imp("scenario-of-200k", "131,072", jsonl(record(scenario=LONG))),
        _imp("action-of-200k", "131,072", jsonl(with_option(0, text=LONG))),
        _imp("notes-of-200k", "131,072", jsonl(record(notes=LONG))),
        _imp("key-of-200k", "131,072", jsonl(record() | {LONG: 1})),
        _imp("csv-cell-of-200k", "131,072", sample_csv(set_cell("scenario", LONG)), "csv"),
        _imp("nested-100000-deep", "nested", '{"notes": ' + DEEP + "}\n"),
        _imp("nested-70-deep-provenance", "nested", jsonl(record(provenance={"a": json.loads("[" * 70 + "]" * 70)}))),
        _imp("nested-csv-flags-cell", "nested", sample_csv(set_cell("flags", "[" * 5000 + "]" * 5000)), "csv"),
        _imp("binary", "UTF-8", b"\x89PNG\r\n\x1a\n\xff\xfe" * 50),
        _imp("latin-1", "UTF-8", json.dumps(record(scenario="Vous \xeates"), ensure_ascii=False).encode("latin-1") + b"\n"),
        _imp("utf-16", "UTF-8", jsonl(record()).encode("utf-16")),
        _imp("empty", "empty", ""),
        _imp("blank-lines-only", "empty", "\n  \n\t\n"),
        _imp("a-json-array-line", "JSON object", "[1, 2, 3]\n"),
        _imp("a-json-string-line", "JSON object", '"a dilemma"\n'),
        _imp("not-json", "not valid JSON", "value: wisdom\n"),
        _imp("unknown-value", "unknown Schwartz value", jsonl(record(value="wisdon"))),
        _imp("unknown-topic", "unknown topic", jsonl(record(topic="politcs"))),
        _imp("no-scenario", "scenario", jsonl({k: v for k, v in record().items() if k != "scenario"})),
        _imp("blank-scenario", "blank", jsonl(record(scenario="   "))),
        _imp("scenario-a-number", "scenario", jsonl(record(scenario=5))),
        _imp("five-actions", "exactly 6", jsonl(_options(5))),
        _imp("seven-actions", "exactly 6", jsonl(_options(7))),
        _imp("a-label-twice", "more than once", jsonl(with_option(1, label=record()["options"][0]["label"]))),
        _imp("unknown-label", "unknown alignment label", jsonl(with_option(1, label="sort of"))),
        _imp("two-same-actions", "same text", jsonl(with_option(1, text=record()["options"][0]["text"]))),
        _imp("blank-action", "blank", jsonl(with_option(4, text="  "))),
        _imp("options-a-string", "options", jsonl(record(options="six of them"))),
        _imp("id-that-does-not-match", "does not match", jsonl(record(id="wisdom--politics--2"))),
        _imp("unknown-field", "not permitted", jsonl(record(colour="red"))),
        _imp("unknown-status", "status", jsonl(record(status="done"))),
        _imp("provenance-unknown-key", "provenance", jsonl(record(provenance={"source": "x", "by": "me"}))),
        _imp("created-at-not-a-date", "created_at", jsonl(record(provenance={"created_at": "yesterday"}))),
        _imp("the-same-id-twice", "appears twice", jsonl(record(), record())),
        _imp("csv-unclosed-quote", "quote", sample_csv().rstrip("\n") + '\nx,wisdom,"politics\n' + "no closing quote\n" * 10_000, "csv"),
        _imp("csv-missing-column", "missing column", sample_csv().replace("scenario", "situation", 1), "csv"),
        _imp("csv-unknown-column", "unknown column", sample_csv().replace(",notes,", ",remarks,", 1), "csv"),
        _imp("csv-more-cells-than-columns", "more cells", sample_csv(rows_extra), "csv"),
        _imp("csv-empty-label", "label", sample_csv(set_cell("option_2_label", "")), "csv"),
        Case("dilemmas/no-such-file", ["import", "{tmp}/missing.jsonl"], "file not found"),
        Case("dilemmas/a-folder", ["import", "{tmp}/folder.jsonl"], "folder", files={"folder.jsonl/x": ""}),
        Case("dilemmas/unknown-extension", ["import", "{tmp}/in.txt"], "--format", files={"in.txt": jsonl(record())}),
        Case("dilemmas/format-xml", ["import", "{tmp}/in.jsonl", "--format", "xml"], "invalid choice",
             files={"in.jsonl": jsonl(record())}),
        Case("dilemmas/endless-device", ["import", "/dev/zero", "--format", "jsonl"], "1 MiB",
             env={"VALUEGAP_MAX_INPUT_MB": "1"}),
        _imp("file-over-the-size-cap", ("MiB", "VALUEGAP_MAX_INPUT_MB"), jsonl(record()) * 9000,
             env={"VALUEGAP_MAX_INPUT_MB": "1"}),
        Case("dilemmas/allowed-flag-but-another", ["import", "{tmp}/in.jsonl", "--allow-flag", "mine"], "unknown flag",
             files={"in.jsonl": jsonl(record(flags=["mine", "theirs"]))}),
    ]


def _run(name, expect, text=None, **kw) -> Case:
    files = {"run.toml": text} if text is not None else {}
    return Case(f"run.toml/{name}", ["run", "start", "{tmp}/run.toml", "--plan-only"], expect, files=files, **kw)


def _model(line: str) -> str:
    return run_toml(model=line)


def _run_cases() -> list[Case]:
    return [
        _run("endpoint-without-host", "no host", _model('endpoints = ["http:///v1"]')),
        _run("endpoint-port-99999", "port", _model('endpoints = ["http://127.0.0.1:99999/v1"]')),
        _run("endpoint-port-0", "port 0", _model('endpoints = ["http://127.0.0.1:0/v1"]')),
        _run("endpoint-port-words", "port", _model('endpoints = ["http://gpu1:abc/v1"]')),
        _run("endpoint-ftp", "http://", _model('endpoints = ["ftp://gpu1/v1"]')),
        _run("endpoints-a-number", "valid list", _model("endpoints = 5")),
        _run("endpoint-a-number", "valid string", _model("endpoints = [5]")),
        _run("include-baseline-yes", "include_baseline", run_toml(top='include_baseline = "yes"')),
        _run("include-baseline-1", "include_baseline", run_toml(top="include_baseline = 1")),
        _run("repeats-true", "repeats", run_toml(top="repeats = true")),
        _run("repeats-0", "repeats", run_toml(top="repeats = 0")),
        _run("repeats-1000", "repeats", run_toml(top="repeats = 1000")),
        _run("repeats-in-quotes", "repeats", run_toml(top='repeats = "5"')),
        _run("seed-fraction", "seed", run_toml(top="seed = 1.5")),
        _run("seed-past-sqlite", "seed", run_toml(top="seed = 100000000000000000000000000000")),
        _run("seed-5000-digits", "digits", run_toml(top="seed = " + DIGITS)),
        _run("temperature-words", "temperature", run_toml(top='temperature = "hot"')),
        _run("temperature-3", "temperature", run_toml(top="temperature = 3.0")),
        _run("answer-mode-unknown", "answer_mode", run_toml(top='answer_mode = "telepathy"')),
        _run("unknown-key", "not permitted", run_toml(top="colour = 1")),
        _run("models-empty", "models", 'name = "r"\nmodels = []\n'),
        _run("models-missing", "models", 'name = "r"\n[dilemmas]\nstatus = []\n'),
        _run("models-a-string", "models", 'name = "r"\nmodels = "m"\n'),
        _run("model-name-empty", "name", run_toml().replace('name = "m"', 'name = ""')),
        _run("model-twice", "each model may appear once",
             run_toml() + '[[models]]\nname = "m"\nendpoints = ["http://127.0.0.1:9/v1"]\n'),
        _run("concurrency-0", "concurrency", _model('endpoints = ["http://127.0.0.1:9/v1"]\nconcurrency = 0')),
        _run("profile-a-number", "profile", _model("profile = 5")),
        _run("profile-unknown", "valuegap server list", _model('profile = "nosuch"')),
        _run("personas-a-string", "personas", run_toml(top='personas = "moderate"')),
        _run("persona-unknown", "valuegap personas list", run_toml(top='personas = ["moderat-secular"]')),
        _run("status-unknown", "accepted", run_toml().replace("status = []", 'status = ["acepted"]')),
        _run("value-unknown", "wisdom", run_toml(filters='values = ["wisdon"]')),
        _run("topic-unknown", "politics", run_toml(filters='topics = ["politcs"]')),
        _run("id-unknown", "dilemmas.ids", run_toml(filters='ids = ["wisdom--politics--9"]')),
        _run("limit-0", "limit", run_toml(filters="limit = 0")),
        _run("dilemmas-a-number", "dilemmas", 'name = "r"\ndilemmas = 5\n[[models]]\nname = "m"\n'),
        _run("name-a-number", "name", run_toml().replace('name = "r"', "name = 5", 1)),
        _run("name-with-nul", "NUL", run_toml().replace('name = "r"', 'name = "r\\u0000x"', 1)),
        _run("name-of-200k", "131,072", run_toml().replace('name = "r"', f'name = "{LONG}"', 1)),
        _run("max-attempts-100", "max_attempts", run_toml(top="max_attempts = 100")),
        _run("min-coverage-2", "min_coverage", run_toml(top="min_coverage = 2.0")),
        _run("min-coverage-words", "min_coverage", run_toml(top='min_coverage = "high"')),
        _run("top-logprobs-50", "top_logprobs", run_toml(top="top_logprobs = 50")),
        _run("max-tokens-0", "max_tokens", run_toml(top="max_tokens = 0")),
        _run("reasoning-effort-a-number", "reasoning_effort", run_toml(top="reasoning_effort = 5")),
        _run("chat-template-kwargs-a-number", "chat_template_kwargs", run_toml(top="chat_template_kwargs = 5")),
        _run("not-toml", "not valid TOML", "[[models]\nname = "),
        _run("nested-5000-deep", "nested", "seed = 1\nx = " + "[" * 5000 + "]" * 5000 + "\n"),
        _run("binary", "UTF-8", b"GGUF\x03\x00\x00\x00\xff\xfe" * 100),
        _run("no-such-file", "no such file"),
        Case("run.toml/a-folder", ["run", "start", "{tmp}/dir.toml", "--plan-only"], "folder", files={"dir.toml/x": ""}),
    ]


def _persona(name, expect, content, suffix="jsonl") -> Case:
    return Case(f"personas/{name}", ["personas", "import", "{tmp}/p." + suffix], expect, files={"p." + suffix: content})


def _conditions(*tables: dict) -> str:
    return "".join("[[conditions]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in t.items()) for t in tables)


def _persona_cases() -> list[Case]:
    return [
        _persona("nested-deep", "nested", jsonl(condition()) + '{"notes": ' + DEEP + "}\n"),
        _persona("seed-5000-digits", "digits", jsonl(condition(id="a", seed=1)).replace('"seed": 1', '"seed": ' + DIGITS)),
        _persona("seed-past-sqlite", "seed", jsonl(condition(seed=10**30))),
        _persona("seed-true", "seed", jsonl(condition(seed=True))),
        _persona("binary", "UTF-8", b"\xff\xd8\xff\xe0" * 40),
        _persona("nul-in-text", "NUL", jsonl(condition(text="You are\x00 kind."))),
        _persona("text-of-200k", "131,072", jsonl(condition(text=LONG))),
        _persona("unknown-kind", "written condition", jsonl(condition(kind="robot"))),
        _persona("no-text", "text", jsonl(condition(text=None))),
        _persona("no-name", "name", jsonl(condition(name=None))),
        _persona("name-two-lines", "name", jsonl(condition(name="a\nb"))),
        _persona("unknown-field", "unknown field", jsonl(condition(mood="calm"))),
        _persona("not-an-object", "JSON object", "[1]\n"),
        _persona("empty", "no conditions", ""),
        _persona("bad-id", "id", jsonl(condition(id="Not An Id!"))),
        _persona("the-same-id-twice", "duplicate id", jsonl(condition(id="a"), condition(id="a"))),
        _persona("attribute-a-number", "attributes", jsonl(condition(attributes={"age": 5}))),
        _persona("toml-not-toml", "TOML", "[[conditions]\n", "toml"),
        _persona("toml-nested", "nested", "x = " + "[" * 5000 + "]" * 5000 + "\n", "toml"),
        _persona("toml-digits", "digits", "x = " + DIGITS + "\n", "toml"),
        _persona("toml-unknown-top-key", "unknown top-level", _conditions(condition()) + "\n[extra]\na = 1\n", "toml"),
        _persona("toml-conditions-a-number", "conditions", "conditions = 5\n", "toml"),
        _persona("toml-nul-in-text", "NUL", _conditions(condition(text="a\x00b")), "toml"),
        _persona("toml-text-of-200k", "131,072", _conditions(condition(text=LONG)), "toml"),
        _persona("toml-value-type-unknown", "value_type",
                 _conditions(condition(kind="instruction")) + '[conditions.attributes]\nvalue_type = "greed"\n', "toml"),
        Case("personas/add-binary-file", ["personas", "add", "--name", "x", "--kind", "custom", "--file", "{tmp}/t.txt"],
             "UTF-8", files={"t.txt": b"\xff\xfe\x00\x01" * 10}),
        Case("personas/add-file-with-nul", ["personas", "add", "--name", "x", "--kind", "custom", "--file", "{tmp}/t.txt"],
             "NUL", files={"t.txt": "You are\x00 kind."}),
        Case("personas/add-blank-text", ["personas", "add", "--name", "x", "--kind", "custom", "--text", "  "], "text"),
        Case("personas/add-unknown-kind", ["personas", "add", "--name", "x", "--kind", "robot", "--text", "t"],
             "invalid choice"),
        Case("personas/add-attribute-without-value", ["personas", "add", "--name", "x", "--kind", "custom", "--text",
                                                      "t", "--attribute", "novalue"], "KEY=VALUE"),
        Case("personas/show-unknown", ["personas", "show", "nosuch"], "nosuch"),
        Case("personas/roleplay-unknown-type", ["personas", "roleplay", "--values", "greed"], "greed"),
    ]


def _questionnaire(name, expect, content, suffix="toml") -> Case:
    return Case(f"questionnaire/{name}", ["questionnaire", "load", "{tmp}/q." + suffix], expect,
                files={"q." + suffix: content}, study="valact")


def _questionnaire_cases() -> list[Case]:
    good_csv = "id,value,text\n" + "".join(f"i{n},{t},It matters.\n" for n, t in enumerate(
        ["power", "achievement", "hedonism", "stimulation", "self_direction", "universalism", "benevolence",
         "tradition", "conformity", "security"], start=1))
    return [
        _questionnaire("not-toml", "TOML", "[questionnaire\n"),
        _questionnaire("nested", "nested", "x = " + "[" * 5000 + "]" * 5000 + "\n"),
        _questionnaire("digits", "digits", "x = " + DIGITS + "\n"),
        _questionnaire("no-items", "items", '[questionnaire]\nid = "x"\nname = "x"\n'),
        _questionnaire("unknown-value", "value", questionnaire(item_changes={"value": "greed"})),
        _questionnaire("nul-in-text", "NUL", questionnaire(item_changes={"text": "It\x00 matters."})),
        _questionnaire("text-of-200k", "131,072", questionnaire(item_changes={"text": LONG})),
        _questionnaire("scale-of-five", "scale", questionnaire(head='scale = ["a", "b", "c", "d", "e"]')),
        _questionnaire("the-same-id-twice", "i2", questionnaire(item_changes={"id": "i2"})),
        _questionnaire("unknown-table", "unknown table", questionnaire() + "[extra]\na = 1\n"),
        _questionnaire("unknown-header-field", "unknown field", questionnaire(head="colour = 1")),
        _questionnaire("id-with-spaces", "questionnaire.id", questionnaire().replace('"pvq-mini"', '"pvq mini!"')),
        _questionnaire("item-without-value", "value", questionnaire(item_changes={"value": ""})),
        _questionnaire("csv-unknown-column", "column", good_csv.replace("text", "words", 1), "csv"),
        _questionnaire("csv-doubled-column", "column", good_csv.replace("id,value,text", "id,value,text,value", 1), "csv"),
        _questionnaire("csv-cell-of-200k", "131,072", good_csv.replace("It matters.", LONG, 1), "csv"),
        _questionnaire("csv-more-cells", "more cells", good_csv.replace("It matters.", "It matters.,extra", 1), "csv"),
        _questionnaire("binary", "UTF-8", b"\xff\xfe\x00[" * 30),
        _questionnaire("a-text-file", ".toml or .csv", "id,value,text\n", "txt"),
        Case("questionnaire/no-such-file", ["questionnaire", "load", "{tmp}/missing.toml"], "missing.toml", study="valact"),
    ]


def _via(name, expect, content, suffix="csv", **kw) -> Case:
    return Case(f"via/{name}", ["import-shen", "{tmp}/shen." + suffix], expect, files={"shen." + suffix: content},
                study="via", **kw)


def _many_bad_rows() -> str:
    return via_csv(*(via_row(n, country="Atlantis") for n in range(10_050)))


def _via_cases() -> list[Case]:
    good = via_csv().encode()
    whole = zip_bytes({"via.csv": good})
    return [
        _via("zip-bomb-over-the-cap", ("over the cap of 1 MiB", "VALUEGAP_MAX_INPUT_MB"), bomb(3), "zip",
             env={"VALUEGAP_MAX_INPUT_MB": "1"}),
        _via("csv-over-the-cap", ("over the cap of 1 MiB", "VALUEGAP_MAX_INPUT_MB"),
             via_csv(*(via_row(n) for n in range(12_000))), env={"VALUEGAP_MAX_INPUT_MB": "1"}),
        _via("zip-member-size-forged", "cannot read", zip_bytes({"via.csv": good * 50}, declared={"via.csv": 100}), "zip"),
        _via("zip-two-csvs", "one CSV", zip_bytes({"a.csv": good, "b.csv": good}), "zip"),
        _via("zip-no-csv", "holds 0", zip_bytes({"readme.txt": b"hello"}), "zip"),
        _via("zip-cut-short", "cannot read", whole[: len(whole) // 2] + whole[-22:], "zip"),
        _via("zip-member-not-utf8", "UTF-8", zip_bytes({"via.csv": b"\xff\xfe\x00\x01" * 20}), "zip"),
        _via("random-bytes-named-zip", "UTF-8", bytes(range(256)) * 8, "zip"),
        _via("missing-columns", "no column", "a,b,c\n1,2,3\n"),
        _via("doubled-column", "twice", via_csv().replace("generation_prompt\n", "generation_prompt,value\n", 1)),
        _via("both-actions-the-same", "refused", via_csv(via_row(0), via_row(1, polarity="negative",
                                                                          prompt='{"Human Action": "You vote."}')),
             listing=True),
        _via("binary", "UTF-8", b"\x00\xff\xfe" * 100),
        _via("empty", "empty", ""),
        _via("cell-of-200k", "131,072", via_csv(via_row(0, prompt=LONG))),
        _via("prompt-nested-deep", "refused", via_csv(via_row(0, prompt=DEEP[:20_000] + DEEP[-20_000:]),
                                                      via_row(1, polarity="negative")), listing=True),
        _via("nul-in-a-row", "refused", via_csv(via_row(0, value="wis\x00dom"), via_row(1, polarity="negative")),
             listing=True),
        _via("unknown-country", "refused", via_csv(via_row(0, country="Atlantis"), via_row(1, polarity="negative")),
             listing=True),
        _via("10000-unusable-rows", "unusable rows", _many_bad_rows()),
        Case("via/no-such-file", ["import-shen", "{tmp}/missing.zip"], "no such file", study="via"),
        Case("via/into-a-poster-study", ["import-shen", "{tmp}/shen.csv"], "design",
             files={"shen.csv": via_csv()}),
    ]


CASES = [*_dilemma_cases(), *_run_cases(), *_persona_cases(), *_questionnaire_cases(), *_via_cases()]
