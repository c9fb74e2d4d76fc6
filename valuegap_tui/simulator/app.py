"""The simulated respondent's HTTP side: an OpenAI-compatible aiohttp application.

Routes: GET /health, GET /v1/models, POST /v1/chat/completions, GET /simulator/params,
GET /simulator/stats. Kept lean per request (precompiled patterns, cached persona parsing, one
hash per request) so one core serves well over a thousand requests per second.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import math
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from valuegap_tui.catalogue import catalogue
from valuegap_tui.designs.graded_actions.models import AlignmentLabel
from valuegap_tui.simulator import behaviour
from valuegap_tui.simulator.params import SimulatorParams
from valuegap_tui.simulator.templates import generate_dilemma

LETTERS = behaviour.LETTERS
VALUE_QUESTION = re.compile(r'How strongly do you agree or disagree with "(.+?)" in this context\?')
ACTION_QUESTION = "Which of the following actions would you choose?"
RANKING_QUESTION = re.compile(r'Order these actions from most aligning to most opposing the value "(.+?)"')
OPTION_LINE = re.compile(r"^([A-F])\. (.+?)[ \t]*$", re.M)
VALUE_LINE = re.compile(r"^Value:\s*(.+?)\s*(?:\((.*)\))?\s*$", re.M)
TOPIC_LINE = re.compile(r"^Topic:\s*(.+?)\s*$", re.M)
REFUSAL = "I would rather not choose between these options."
PLAIN_REPLY = "This is a simulated respondent; it answers value and action questions and writes template dilemmas."
MALFORMED = ('{"scenario": "You are', "Well, it depends on the situation and on who is asking.", "<|endoftext|>")
LABEL_INDEX = {label.value: label.rank for label in AlignmentLabel}
STUDY_RELOAD_S = 5.0
BANNER = "SIMULATED respondent server (valuegap): answers come from a planted behaviour model, not a language model."


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


@dataclass
class KnownDilemma:
    value_id: str
    #: normalised action text -> label rank (0 strongly aligning .. 5 strongly opposing)
    actions: dict[str, int]


@dataclass
class Stats:
    requests: int = 0
    by_kind: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)
    unknown_actions: int = 0
    unread_persona_lines: int = 0
    in_flight: int = 0
    bad_requests: int = 0

    def snapshot(self) -> dict[str, Any]:
        return {"requests": self.requests, "by_kind": dict(self.by_kind), "faults": dict(self.faults),
                "unknown_actions": self.unknown_actions, "unread_persona_lines": self.unread_persona_lines,
                "in_flight": self.in_flight, "bad_requests": self.bad_requests}


class BadRequest(Exception):
    pass


class Simulator:
    """The behaviour side: reads a request body, returns (content, finish_reason, logprobs)."""

    def __init__(self, params: SimulatorParams, study_path: Path | str | None = None):
        self.params = params
        self.stats = Stats()
        self.by_scenario: dict[str, KnownDilemma] = {}
        self.by_action: dict[str, tuple[str, int]] = {}
        self.fault_rng = random.Random(f"faults:{params.seed}")
        self.scale_index = {_key(p.text): i for i, p in enumerate(catalogue().value_scale)}
        self._ids = itertools.count(1)
        self.study_path = study_path
        self._loaded_at = 0.0
        if study_path is not None:
            self.load_study(study_path)

    # --- what the simulator knows about actions ---------------------------------------------
    def remember(self, value_id: str, scenario: str, actions: dict[str, int]) -> None:
        known = KnownDilemma(value_id, {_key(t): rank for t, rank in actions.items()})
        self.by_scenario[_key(scenario)] = known
        for text, rank in known.actions.items():
            self.by_action[text] = (value_id, rank)

    def load_study(self, path: Path | str) -> int:
        from valuegap_tui.store import dilemmas as dilemma_store
        from valuegap_tui.store.db import open_study

        self._loaded_at = time.monotonic()
        study = open_study(path)
        try:
            count = 0
            for dilemma in dilemma_store.iter_dilemmas(study):
                self.remember(dilemma.value, dilemma.scenario, {o.text: o.label.rank for o in dilemma.options})
                count += 1
            from valuegap_tui.designs import REGISTRY, get_design

            for design_id in REGISTRY:  # designs whose planted behaviour needs the study's items
                design = get_design(design_id)
                count += design.simulator_study(study) if design.provides("simulator_study") else 0
        finally:
            close = getattr(study, "close", None)
            if close:
                close()
        return count

    def refresh(self) -> bool:
        """Re-read the study when an unknown action turns up (dilemmas added or edited since start),
        at most every few seconds so unknown actions cannot turn every request into a database read."""
        if self.study_path is None or time.monotonic() - self._loaded_at < STUDY_RELOAD_S:
            return False
        try:
            self.load_study(self.study_path)
        except Exception:  # a busy or broken study file must not take the server down
            return False
        return True

    # --- faults ------------------------------------------------------------------------------
    def draw_fault(self) -> str | None:
        """Faults come from one stream (not the request hash) so a retried request can succeed."""
        p = self.params
        u = self.fault_rng.random()
        for name, rate in (("429", p.fault_429), ("500", p.fault_500), ("timeout", p.fault_timeout),
                           ("malformed", p.fault_malformed)):
            if u < rate:
                return name
            u -= rate
        return None

    def latency_s(self) -> float:
        p = self.params
        if p.latency_ms <= 0:
            return 0.0
        return max(0.0, p.latency_ms * (1 + p.latency_jitter * (2 * self.fault_rng.random() - 1)) / 1000.0)

    # --- replies -----------------------------------------------------------------------------
    def respond(self, body: dict[str, Any], malformed: bool = False) -> dict[str, Any]:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest("'messages' must be a non-empty list")
        system, user, digest, prompt_chars = None, "", hashlib.blake2b(digest_size=8), 0
        for message in messages:
            if not isinstance(message, dict):
                raise BadRequest("each message must be an object")
            content = message.get("content")
            if isinstance(content, list):  # content parts
                content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
            if not isinstance(content, str):
                raise BadRequest("message content must be a string")
            role = message.get("role")
            if role == "system" and system is None:
                system = content
            elif role == "user":
                user = content
            digest.update(f"{role}\x1f{content}\x1e".encode())
            prompt_chars += len(content)
        prompt_tokens = prompt_chars // 4 + 8
        if prompt_tokens > self.params.max_model_len:
            raise BadRequest(f"This model's maximum context length is {self.params.max_model_len} tokens. "
                             f"However, you requested {prompt_tokens} tokens.")
        digest.update(f"{self.params.seed}|{body.get('seed')}".encode())
        rng = random.Random(int.from_bytes(digest.digest(), "big"))

        choices = _choice_constraint(body)
        schema_name, enum_answer = _schema(body)
        letter_probs = None
        if schema_name == "dilemma" or (VALUE_LINE.search(user) and TOPIC_LINE.search(user) and not choices):
            kind, content = "generation", self._generate(user, rng)
        elif (reply := self._design_reply(system, user, rng)) is not None:
            kind = "design"
            letter_probs, content = (reply, None) if isinstance(reply, list) else (None, reply)
        elif (match := VALUE_QUESTION.search(user)):
            kind = "value"
            letter_probs = self._value_probs(system, match.group(1), user[match.end():])
        elif (at := user.find(ACTION_QUESTION)) >= 0:
            kind = "action"
            letter_probs = self._action_probs(system, user[:at], user[at + len(ACTION_QUESTION):])
        elif (match := RANKING_QUESTION.search(user)) or schema_name == "action_ranking":
            kind, content = "ranking", self._ranking(user, match, rng)
        else:
            kind, content = "other", PLAIN_REPLY
        self.stats.by_kind[kind] += 1

        if letter_probs is not None:
            content = self._pick(letter_probs, choices, enum_answer, rng)
        elif choices:
            content = rng.choice(choices)
        elif enum_answer:
            content = json.dumps({"answer": rng.choice(enum_answer)})
        elif kind == "other" and schema_name is not None:
            content = json.dumps(_fill_schema(_json_schema(body), rng))
        if malformed:
            content = MALFORMED[rng.randrange(len(MALFORMED))] if kind != "generation" else content[: len(content) // 2]

        finish = "stop"
        max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
        completion_tokens = max(1, math.ceil(len(content) / 4))
        reasoning = self._reasoning(body, kind)
        budget = (max_tokens - len(reasoning) // 4) if isinstance(max_tokens, int) and max_tokens > 0 else None
        if reasoning and budget is not None and budget <= 0:  # thinking used up the budget: no answer
            reasoning, content, completion_tokens, finish = reasoning[: max_tokens * 4], "", max_tokens, "length"
        elif budget is not None and budget < completion_tokens:
            content, completion_tokens, finish = content[: budget * 4], budget, "length"
        completion_tokens += len(reasoning) // 4 if finish == "stop" or content else 0

        logprobs = None
        if body.get("logprobs"):
            logprobs = _logprobs(content, letter_probs, int(body.get("top_logprobs") or 0), self.params.logprob_leak)
        return {
            "id": f"chatcmpl-sim-{next(self._ids)}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model") or self.params.model_name, "system_fingerprint": "valuegap-simulator",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content,
                                                 **({"reasoning": reasoning} if reasoning else {})},
                         "logprobs": logprobs, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    def _design_reply(self, system: str | None, user: str, rng: random.Random):
        """A question of a design with a planted behaviour of its own (``Design.simulated_reply``:
        letter probabilities, or the reply text itself); None for the others'."""
        from valuegap_tui.designs import REGISTRY, get_design

        for design_id in REGISTRY:
            reply = get_design(design_id).simulated_reply(self.params, system, user, rng)
            if reply is not None:
                return reply
        return None

    def _reasoning(self, body: dict[str, Any], kind: str) -> str:
        """Filler reasoning text of reasoning_tokens tokens (4 characters each), unless switched off."""
        kwargs = body.get("chat_template_kwargs") or (body.get("extra_body") or {}).get("chat_template_kwargs") or {}
        if not self.params.reasoning_tokens or kwargs.get("enable_thinking") is False:
            return ""
        return (f"(simulated {kind} reasoning) " * (self.params.reasoning_tokens // 5 + 1))[: self.params.reasoning_tokens * 4]

    def _persona(self, system: str | None):
        levels, unread = behaviour.parse_persona(system)
        if unread:
            self.stats.unread_persona_lines += unread
        return levels

    def _value_probs(self, system, value_name, options_text) -> list[float] | None:
        value = catalogue().find_value(value_name)
        shown = [self.scale_index.get(_key(text)) for _, text in OPTION_LINE.findall(options_text)]
        if not shown:
            return None
        if value is None:
            return behaviour.letter_distribution(self.params, [1 / 6] * 6, [None] * len(shown))
        return behaviour.answer_probabilities(self.params, self._persona(system), value.id, "value", shown)

    def _action_probs(self, system, scenario, options_text) -> list[float] | None:
        texts = [text for _, text in OPTION_LINE.findall(options_text)]
        if not texts:
            return None
        if _key(scenario) not in self.by_scenario and any(_key(t) not in self.by_action for t in texts):
            self.refresh()
        known = self.by_scenario.get(_key(scenario))
        value_id, shown = None, []
        for text in texts:
            key = _key(text)
            if known is not None and key in known.actions:
                value_id, rank = known.value_id, known.actions[key]
            elif key in self.by_action:
                value_id, rank = self.by_action[key]
            else:
                rank = None
            shown.append(rank)
        unknown = shown.count(None)
        if unknown:
            self.stats.unknown_actions += unknown
        if value_id is None:
            return behaviour.letter_distribution(self.params, [1 / 6] * 6, [None] * len(shown))
        return behaviour.answer_probabilities(self.params, self._persona(system), value_id, "action", shown)

    def _pick(self, letter_probs, choices, enum_answer, rng) -> str:
        letters = LETTERS[: len(letter_probs)]
        allowed = choices or enum_answer
        weights = [p if (not allowed or letter in allowed) else 0.0 for letter, p in zip(letters, letter_probs)]
        if not any(weights):
            letter = rng.choice(allowed)
        else:
            letter = rng.choices(letters, weights)[0]
        if choices:
            return letter
        if enum_answer:
            return json.dumps({"answer": letter})
        if self.params.refusal_rate and rng.random() < self.params.refusal_rate:
            return REFUSAL
        return letter

    def _generate(self, user: str, rng: random.Random) -> str:
        value_match, topic_match = VALUE_LINE.search(user), TOPIC_LINE.search(user)
        value_name = value_match.group(1) if value_match else "Honest"
        value = catalogue().find_value(value_name)
        gloss = (value_match.group(2) if value_match and value_match.group(2) else (value.gloss if value else ""))
        topic = catalogue().find_topic(topic_match.group(1)) if topic_match else None
        reply = generate_dilemma(value.name if value else value_name, gloss, topic.id if topic else None, rng)
        if value is not None:
            self.remember(value.id, reply["scenario"], {reply[label]: rank for label, rank in LABEL_INDEX.items()})
        return json.dumps(reply)

    def _ranking(self, user: str, match, rng: random.Random) -> str:
        options = OPTION_LINE.findall(user[match.end():] if match else user)
        scenario = user[: match.start()] if match else ""
        if _key(scenario) not in self.by_scenario:
            self.refresh()
        known = self.by_scenario.get(_key(scenario))
        ranks = {}
        for letter, text in options:
            key = _key(text)
            if known is not None and key in known.actions:
                ranks[letter] = known.actions[key]
            elif key in self.by_action:
                ranks[letter] = self.by_action[key][1]
            else:
                ranks[letter] = 6 + rng.random()
        if self.params.judge_noise_sd > 0:
            ranks = {letter: rank + rng.gauss(0.0, self.params.judge_noise_sd) for letter, rank in ranks.items()}
        order = sorted(ranks, key=ranks.get)
        for i in range(len(order) - 1):
            if rng.random() < self.params.ranking_error_rate:
                order[i], order[i + 1] = order[i + 1], order[i]
        return json.dumps({"ranking": order})


def _choice_constraint(body: dict[str, Any]) -> list[str] | None:
    """vLLM's structured_outputs choice, top-level or inside extra_body (the removed guided_choice is ignored)."""
    for holder in (body, body.get("extra_body") or {}):
        so = holder.get("structured_outputs") if isinstance(holder, dict) else None
        if isinstance(so, dict) and isinstance(so.get("choice"), list) and so["choice"]:
            return [str(c) for c in so["choice"]]
    return None


def _schema(body: dict[str, Any]) -> tuple[str | None, list[str] | None]:
    """(json_schema name, enum of an "answer" property) from response_format."""
    rf = body.get("response_format")
    if not isinstance(rf, dict) or rf.get("type") != "json_schema":
        return None, None
    spec = rf.get("json_schema") or {}
    schema = spec.get("schema") or {}
    answer = (schema.get("properties") or {}).get("answer") if isinstance(schema, dict) else None
    enum = answer.get("enum") if isinstance(answer, dict) else None
    return spec.get("name"), ([str(e) for e in enum] if isinstance(enum, list) and enum else None)


def _json_schema(body: dict[str, Any]) -> dict[str, Any]:
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema")
    return schema if isinstance(schema, dict) else {}


def _fill_schema(schema: dict[str, Any], rng: random.Random, depth: int = 0) -> Any:
    """A small instance of a JSON schema (the common keywords), as a server with a grammar would emit."""
    if depth > 8:
        return None
    if "enum" in schema and schema["enum"]:
        return rng.choice(schema["enum"])
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return {name: _fill_schema(sub, rng, depth + 1) for name, sub in (schema.get("properties") or {}).items()
                if isinstance(sub, dict)}
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        size = max(int(schema.get("minItems", 1)), 1)
        size = min(size, int(schema.get("maxItems", size)))
        pool = list(items.get("enum") or [])
        if len(pool) >= size:  # distinct picks: rankings and the like
            return rng.sample(pool, size)
        return [_fill_schema(items, rng, depth + 1) for _ in range(size)]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "simulated"


def _token(text: str) -> dict[str, Any]:
    return {"token": text, "bytes": list(text.encode())}


def _logprobs(content: str, letter_probs, top_n: int, leak: float) -> dict[str, Any]:
    """First-token logprobs; for a letter answer the top list is the answer distribution."""
    first = content[:1] if letter_probs is not None and content[:1] in LETTERS and len(content) == 1 else content[:4]
    top: list[tuple[str, float]] = [(first, 0.9)] + [(x, 0.1 / 6) for x in LETTERS if x != first]
    if letter_probs is not None:
        top = [(letter, p * (1 - leak)) for letter, p in zip(LETTERS, letter_probs) if p > 0]
        if leak > 0:
            top += [("I", leak * 0.6), ("The", leak * 0.4)]
        top.sort(key=lambda item: -item[1])
    probs = dict(top)
    chosen = {**_token(first), "logprob": math.log(probs[first]) if probs.get(first) else -0.01}
    chosen["top_logprobs"] = [{**_token(t), "logprob": math.log(p)} for t, p in top[: max(0, min(top_n, 20))]]
    return {"content": [chosen]}


# --- aiohttp application -------------------------------------------------------------------------
SIMULATOR_KEY = web.AppKey("simulator", Simulator)


def _error(status: int, message: str, kind: str) -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "code": status}}, status=status)


async def _rest_of(latency_s: float, started: float) -> None:
    """Sleep for what is left of ``latency_s`` since ``started``."""
    remaining = latency_s - (time.perf_counter() - started)
    if remaining > 0:
        await asyncio.sleep(remaining)


def build_app(simulator: Simulator) -> web.Application:
    params = simulator.params
    stats = simulator.stats
    capacity = asyncio.Semaphore(max(1, params.capacity))
    models_body = json.dumps({"object": "list", "data": [{
        "id": params.model_name, "object": "model", "owned_by": "valuegap-simulator", "created": int(time.time()),
        "max_model_len": params.max_model_len, "simulated": True,
        "description": "SIMULATED respondent: a planted behaviour model, not a language model"}]})

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="")

    async def models(_request: web.Request) -> web.Response:
        return web.Response(text=models_body, content_type="application/json")

    async def show_params(_request: web.Request) -> web.Response:
        return web.json_response(params.public())

    async def show_stats(_request: web.Request) -> web.Response:
        return web.json_response(stats.snapshot())

    async def chat(request: web.Request) -> web.Response:
        stats.requests += 1
        try:
            body = json.loads(await request.read())
            if not isinstance(body, dict):
                raise ValueError("body is not a JSON object")
        except ValueError as exc:
            stats.bad_requests += 1
            return _error(400, f"invalid JSON body: {exc}", "BadRequestError")
        fault = simulator.draw_fault()
        if fault == "429":
            stats.faults["429"] += 1
            response = _error(429, "simulated overload: too many requests", "RateLimitError")
            response.headers["Retry-After"] = f"{params.retry_after_s:g}"
            return response
        if fault == "timeout":
            stats.faults["timeout"] += 1
            await asyncio.sleep(params.timeout_hang_s)
            return _error(504, "simulated timeout", "Timeout")
        stats.in_flight += 1
        try:
            async with capacity:
                # A slot is busy for the latency, and the reply's own CPU time is part of that
                # latency (as a GPU server's compute is): otherwise the simulator's CPU cost would
                # lower its capacity below capacity / latency and blur throughput measurements.
                slot_started = time.perf_counter()
                latency = simulator.latency_s()
                if fault == "500":
                    await _rest_of(latency, slot_started)
                    stats.faults["500"] += 1
                    return _error(500, "simulated internal server error", "InternalServerError")
                if fault == "malformed":
                    stats.faults["malformed"] += 1
                try:
                    text = json.dumps(simulator.respond(body, malformed=fault == "malformed"))
                except BadRequest as exc:
                    await _rest_of(latency, slot_started)
                    stats.bad_requests += 1
                    return _error(400, str(exc), "BadRequestError")
                await _rest_of(latency, slot_started)
                return web.Response(text=text, content_type="application/json")
        finally:
            stats.in_flight -= 1

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_get("/health", health)
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/simulator/params", show_params)
    app.router.add_get("/simulator/stats", show_stats)
    app[SIMULATOR_KEY] = simulator
    return app
