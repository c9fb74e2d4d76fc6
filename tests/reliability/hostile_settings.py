"""Hostile review files, answer files and batch results; the config file, environment variables and
command-line arguments. Files built from a real export or answer file are functions of the world
(test_hostile_inputs.World), changed in one place each."""

from __future__ import annotations

import json

from tests.reliability.hostile import DEEP, DIGITS, LONG, Case


def _changed_export(change, rehash: bool = True):
    """The world's review export with ``change(data)`` applied, hashed again (as a forger would)."""
    def build(world) -> str:
        from valuegap_tui.review.merge import _digest

        data = json.loads(world.review_export.read_text(encoding="utf-8"))
        change(data)
        if rehash:
            data["hash"] = _digest({k: v for k, v in data.items() if k != "hash"})
        return json.dumps(data)
    return build


def _set(path: str, value):
    def change(data):
        target = data
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        last = keys[-1]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return change


def _merge(name, expect, content) -> Case:
    return Case(f"review-merge/{name}", ["review", "merge", "{tmp}/review.json"], expect,
                files={"review.json": content})


def _merge_cases() -> list[Case]:
    return [
        _merge("nested-deep", "nested", DEEP),
        _merge("nested-70-deep", "nested", "[" * 70 + "]" * 70),
        _merge("not-json", "not a valuegap review file", "reviewer: ann\n"),
        _merge("binary", "UTF-8", b"\xff\xfe\x00\x01" * 40),
        _merge("empty", "not a valuegap review file", ""),
        _merge("an-array", "not a valuegap review file", "[]"),
        _merge("digits", "digits", '{"format": ' + DIGITS + "}"),
        _merge("wrong-format", "not a valuegap review file", _changed_export(_set("format", "other"))),
        _merge("changed-without-hash", "hash does not match", _changed_export(_set("reviewer", "mallory"), rehash=False)),
        _merge("another-study", "another study", _changed_export(_set("study", "0" * 32))),
        _merge("no-reviewer", "names no reviewer", _changed_export(_set("reviewer", " "))),
        _merge("entries-missing", "incomplete", _changed_export(lambda d: d.pop("entries"))),
        _merge("entry-on-an-unknown-dilemma", "not a review", _changed_export(_set("entries.0.dilemma_id", "nope--x--1"))),
        _merge("entry-with-a-nul", "NUL", _changed_export(_set("entries.0.after.scenario", "a\x00b"))),
        _merge("entry-of-200k", "131,072", _changed_export(_set("entries.0.after.notes", LONG))),
        _merge("entry-not-a-dilemma", "incomplete", _changed_export(_set("entries.0.after.options", []))),
        _merge("blind-labels-of-five", "do not fit",
               _changed_export(lambda d: d["blind_labels"].append({"dilemma_id": d["entries"][0]["dilemma_id"],
                                                                   "labels": [None] * 5, "complete": False, "at": "x"}))),
        Case("review-merge/no-such-file", ["review", "merge", "{tmp}/missing.json"], "no such file"),
    ]


def _changed_answers(change):
    def build(world) -> str:
        data = json.loads(world.answers.read_text(encoding="utf-8"))
        change(data)
        return json.dumps(data)
    return build


def _answers(name, expect, content) -> Case:
    return Case(f"answers/{name}", ["respond", "import", "{tmp}/a.answers.json"], expect,
                files={"a.answers.json": content})


def _rehash_pack(change):
    def both(data):
        from valuegap_tui.respond.pack import content_hash

        change(data)
        data["pack"]["hash"] = content_hash(data["pack"])
    return both


def _answer_cases() -> list[Case]:
    return [
        _answers("nested-deep", "nested", DEEP),
        _answers("not-json", "not a valuegap answer file", "answers: A, B\n"),
        _answers("binary", "UTF-8", b"\xff\xfe\x00\x01" * 40),
        _answers("empty", "not a valuegap answer file", ""),
        _answers("an-array", "not a valuegap answer file", "[]"),
        _answers("digits", "digits", '{"answers": ' + DIGITS + "}"),
        _answers("wrong-format", "not a valuegap answer file", _changed_answers(_set("format", "x"))),
        _answers("answers-not-a-list", "not a valuegap answer file", _changed_answers(_set("answers", "A"))),
        _answers("question-text-changed", "changed after", _changed_answers(_set("pack.questions.0.text", "Other"))),
        _answers("packed-for-someone-else", "did not pack", _changed_answers(_rehash_pack(_set("pack.respondent", "mallory")))),
        _answers("position-9", "position", _changed_answers(_set("answers.0.position", 9))),
        _answers("position-true", "position", _changed_answers(_set("answers.0.position", True))),
        _answers("seconds-negative", "seconds", _changed_answers(_set("answers.0.seconds", -4))),
        _answers("answer-to-no-question", "no question", _changed_answers(_set("answers.0.key", "x/0/0"))),
        _answers("answered-twice", "twice", _changed_answers(lambda d: d["answers"].append(d["answers"][0]))),
        _answers("nul-in-a-key", "NUL", _changed_answers(_set("answers.0.key", "a\x00b"))),
        _answers("text-of-200k", "131,072", _changed_answers(_set("pack.consent", LONG))),
        Case("answers/no-such-file", ["respond", "import", "{tmp}/missing.json"], "no such file"),
    ]


def _batch(name, expect, content, **kw) -> Case:
    return Case(f"batch/{name}", ["run", "import-batch", "1", "{tmp}/out.jsonl"], expect,
                files={"out.jsonl": content}, **kw)


def _batch_cases() -> list[Case]:
    return [
        _batch("nested-deep", "nested", '{"custom_id": ' + DEEP + "}\n"),
        _batch("digits", "digits", '{"custom_id": "x", "n": ' + DIGITS + "}\n"),
        _batch("binary", "UTF-8", b"\xff\xfe\x00\x00" * 30),
        _batch("not-json", "not valid JSON", "custom_id: x\n"),
        _batch("an-array-line", "JSON object", "[1]\n"),
        _batch("over-the-size-cap", "MiB", '{"custom_id": "x"}\n' * 80_000, env={"VALUEGAP_MAX_INPUT_MB": "1"}),
        _batch("line-of-200k", "131,072", json.dumps({"custom_id": "x", "response": {"body": LONG}}) + "\n"),
        Case("batch/no-such-run", ["run", "import-batch", "999", "{tmp}/out.jsonl"], "no run 999",
             files={"out.jsonl": '{"custom_id": "x"}\n'}),
    ]


def _config(name, expect, body, argv=("config", "check"), **kw) -> Case:
    return Case(f"config/{name}", list(argv), expect, config=body, stdout=argv == ("config", "check"), **kw)


SERVERS = '[servers.lab]\nendpoints = ["http://127.0.0.1:9/v1"]\n'


def _config_cases() -> list[Case]:
    return [
        _config("blind-false-in-quotes", ("line 2", "[reviewer] blind", "true or false"), '[reviewer]\nblind = "false"\n'),
        _config("reviewer-name-a-number", ("line 2", "[reviewer] name"), "[reviewer]\nname = 5\n"),
        _config("reviewer-name-empty", ("line 2", "[reviewer] name"), '[reviewer]\nname = ""\n'),
        _config("reviewer-unknown-key", ("line 3", "unknown setting"), '[reviewer]\nname = "ann"\nblnd = true\n'),
        _config("reviewer-not-a-table", ("line 1", "reviewer"), 'reviewer = "ann"\n'),
        _config("key-a-number", ("line 2", "[keys] review.accept"), '[keys]\n"review.accept" = 3\n'),
        _config("default-names-no-profile", ("line 2", "default", "names no profile"), '[servers]\ndefault = "nope"\n' + SERVERS),
        _config("endpoints-a-number", ("line 2", "endpoints"), "[servers.lab]\nendpoints = 5\n"),
        _config("endpoint-without-host", ("line 2", "no host"), '[servers.lab]\nendpoints = ["http:///v1"]\n'),
        _config("endpoint-port-99999", ("line 2", "port"), '[servers.lab]\nendpoints = ["http://h:99999/v1"]\n'),
        _config("url-without-host", ("line 2", "no host"), '[servers.lab]\nurl = "http://:8000/v1"\n'),
        _config("timeout-in-quotes", ("line 3", "timeout_s"), SERVERS + 'timeout_s = "10"\n'),
        _config("concurrency-0", ("line 3", "concurrency"), SERVERS + "concurrency = 0\n"),
        _config("transport-unknown", ("line 3", "transport"), SERVERS + 'transport = "pigeon"\n'),
        _config("profile-unknown-key", ("line 3", "unknown setting"), SERVERS + "colour = 1\n"),
        _config("generation-temperature-words", ("line 4", "temperature"), SERVERS + '[servers.lab.generation]\ntemperature = "hot"\n'),
        _config("generation-unknown-key", ("line 4", "unknown setting"), SERVERS + "[servers.lab.generation]\nheat = 1\n"),
        _config("api-key-a-number", ("line 3", "api_key"), SERVERS + "api_key = 12345\n"),
        _config("limits-field-chars-10", ("line 2", "field_chars"), "[limits]\nfield_chars = 10\n"),
        _config("limits-input-words", ("line 2", "input_mb"), '[limits]\ninput_mb = "big"\n'),
        _config("unknown-section", ("line 1", "unknown setting"), '[reviwer]\nname = "ann"\n'),
        _config("not-toml", "not valid TOML", "[reviewer\n"),
        _config("binary", "UTF-8", b"\xff\xfe[reviewer]\n"),
        _config("nested", "nested", "x = " + "[" * 5000 + "]" * 5000 + "\n"),
        _config("digits", "digits", "[limits]\ninput_mb = " + DIGITS + "\n"),
        _config("nul-in-a-name", "NUL", '[reviewer]\nname = "a\\u0000b"\n'),
        _config("servers-default-unknown-on-use", "names no profile", '[servers]\ndefault = "nope"\n' + SERVERS,
                argv=("server", "list")),
        _config("servers-endpoints-a-number-on-use", "endpoints", "[servers.lab]\nendpoints = 5\n", argv=("server", "list")),
        _config("servers-probe-port-on-use", "port", '[servers.lab]\nendpoints = ["http://h:99999/v1"]\n',
                argv=("server", "probe", "--no-store")),
        _config("limits-read-by-an-import", "field_chars", "[limits]\nfield_chars = 10\n",
                argv=("import", "{tmp}/in.jsonl"), files={"in.jsonl": "{}\n"}),
    ]


def _env(name, expect, env, argv=("info",), **kw) -> Case:
    return Case(f"environment/{name}", list(argv), expect, env=env, **kw)


def _env_cases() -> list[Case]:
    return [
        _env("busy-timeout-soon", "VALUEGAP_BUSY_TIMEOUT_S", {"VALUEGAP_BUSY_TIMEOUT_S": "soon"}),
        _env("busy-timeout-negative", "VALUEGAP_BUSY_TIMEOUT_S", {"VALUEGAP_BUSY_TIMEOUT_S": "-1"}),
        _env("busy-timeout-nan", "VALUEGAP_BUSY_TIMEOUT_S", {"VALUEGAP_BUSY_TIMEOUT_S": "nan"}),
        _env("busy-timeout-infinite", "VALUEGAP_BUSY_TIMEOUT_S", {"VALUEGAP_BUSY_TIMEOUT_S": "1e400"}),
        _env("busy-timeout-on-import", "VALUEGAP_BUSY_TIMEOUT_S", {"VALUEGAP_BUSY_TIMEOUT_S": "30s"},
             argv=("import", "{tmp}/x.jsonl")),
        _env("max-input-zero", "VALUEGAP_MAX_INPUT_MB", {"VALUEGAP_MAX_INPUT_MB": "0"}),
        _env("max-input-words", "VALUEGAP_MAX_INPUT_MB", {"VALUEGAP_MAX_INPUT_MB": "lots"}),
        _env("max-field-chars-5", "VALUEGAP_MAX_FIELD_CHARS", {"VALUEGAP_MAX_FIELD_CHARS": "5"}),
        _env("max-depth-100000", "VALUEGAP_MAX_JSON_DEPTH", {"VALUEGAP_MAX_JSON_DEPTH": "100000"}),
        _env("max-depth-fraction", "VALUEGAP_MAX_JSON_DEPTH", {"VALUEGAP_MAX_JSON_DEPTH": "1.5"}),
        _env("persona-variables-missing", "VALUEGAP_PERSONA_VARIABLES",
             {"VALUEGAP_PERSONA_VARIABLES": "/nonexistent/variables.toml"}, argv=("personas", "variables")),
        _env("persona-variables-binary", "UTF-8", {"VALUEGAP_PERSONA_VARIABLES": "{tmp}/v.toml"},
             argv=("personas", "variables"), files={"v.toml": b"\xff\xfe\x00[[variables]]"}),
        _env("persona-variables-nested", "nested", {"VALUEGAP_PERSONA_VARIABLES": "{tmp}/v.toml"},
             argv=("personas", "variables"), files={"v.toml": "x = " + "[" * 5000 + "]" * 5000}),
        _env("openai-base-url-ftp", "OPENAI_BASE_URL", {"OPENAI_BASE_URL": "ftp://gpu1/v1"}, argv=("server", "list")),
        _env("openai-base-url-no-host", "no host", {"OPENAI_BASE_URL": "http:///v1"}, argv=("server", "list")),
        _env("openai-base-url-port", "port", {"OPENAI_BASE_URL": "http://gpu1:99999/v1"}, argv=("server", "list")),
        _env("config-dir-a-file", "cannot read", {"VALUEGAP_CONFIG_DIR": "{tmp}/afile"}, argv=("server", "list"),
             files={"afile": "x"}),
    ]


def _cli(name, expect, *argv, **kw) -> Case:
    return Case(f"arguments/{name}", list(argv), expect, **kw)


def _cli_cases() -> list[Case]:
    return [
        _cli("simulate-port-99999", "--port", "simulate", "--port", "99999"),
        _cli("simulate-port-negative", "--port", "simulate", "--port", "-1"),
        _cli("simulate-port-words", "--port", "simulate", "--port", "http"),
        _cli("simulate-fault-share-2", "--fault-429", "simulate", "--fault-429", "2"),
        _cli("simulate-fault-nan", "--fault-500", "simulate", "--fault-500", "nan"),
        _cli("simulate-latency-negative", "--latency-ms", "simulate", "--latency-ms", "-5"),
        _cli("simulate-capacity-0", "--capacity", "simulate", "--capacity", "0"),
        _cli("simulate-position-bias-words", "position", "simulate", "--position-bias", "a,b"),
        _cli("run-status-words", "run_id", "run", "status", "x"),
        _cli("run-status-past-sqlite", "run_id", "run", "status", str(10**30)),
        _cli("run-status-0", "run_id", "run", "status", "0"),
        _cli("run-status-unknown", "999", "run", "status", "999"),
        _cli("run-resume-unknown", "999", "run", "resume", "999", "--plain"),
        _cli("run-export-batch-unknown", "999", "run", "export-batch", "999", "{tmp}/b.jsonl"),
        _cli("run-export-answers-unknown", "999", "run", "export-answers", "999", "{tmp}/a.csv"),
        _cli("report-past-sqlite", "no run", "report", str(10**30), "{tmp}/report"),
        _cli("report-words", "number or 'latest'", "report", "abc", "{tmp}/report"),
        _cli("export-format-xml", "invalid choice", "export", "-", "--format", "xml"),
        _cli("export-to-no-folder", "cannot write", "export", "/nonexistent-folder/out.jsonl"),
        _cli("personas-export-to-no-folder", "cannot write", "personas", "export", "/nonexistent-folder/p.jsonl"),
        _cli("generate-concurrency-0", "--concurrency", "generate", "--concurrency", "0"),
        _cli("generate-variants-0", "--variants", "generate", "--variants", "0"),
        _cli("generate-ftp-url", "--base-url", "generate", "--model", "m", "--base-url", "ftp://gpu1/v1"),
        _cli("check-labels-judgements-0", "--judgements", "check-labels", "--judgements", "0"),
        _cli("flags-threshold-2", "--duplicate-threshold", "flags", "--duplicate-threshold", "2"),
        _cli("respond-pack-repeats-0", "--repeats", "respond", "pack", "1", "--name", "bob", "--repeats", "0"),
        _cli("respond-pack-empty-name", "name", "respond", "pack", "1", "--name", ""),
        _cli("respond-pack-time-limit-negative", "--time-limit", "respond", "pack", "1", "--name", "bob",
             "--time-limit", "-5"),
        _cli("respond-serve-port", "--port", "respond", "serve", "--port", "99999"),
        _cli("respond-list-unknown-run", "999", "respond", "list", "999"),
        _cli("review-history-unknown", "nosuch", "review", "history", "nosuch"),
        _cli("review-export-nobody", "has no review", "review", "export", "{tmp}/r.json", "--reviewer", "nobody"),
        _cli("personas-generate-per-kind-0", "--per-kind", "personas", "generate", "--per-kind", "0"),
        _cli("init-unknown-design", "bogus", "init", "--design", "bogus"),
        _cli("compare-missing-study", "missing.db", "compare", "{tmp}/missing.db"),
        _cli("unknown-command", "invalid choice", "bogus"),
        _cli("probe-without-host", "--base-url", "server", "probe", "--no-store", "--base-url", "http:///v1"),
        _cli("run-start-missing-file", "no such file", "run", "start", "{tmp}/missing.toml", "--plan-only"),
        _cli("study-is-a-png", "study.png", "info", "--study", "{tmp}/study.png",
             files={"study.png": b"\x89PNG\r\n\x1a\n" * 100}),
        _cli("study-is-a-folder", "folder", "info", "--study", "{tmp}"),
    ]


CASES = [*_merge_cases(), *_answer_cases(), *_batch_cases(), *_config_cases(), *_env_cases(), *_cli_cases()]
