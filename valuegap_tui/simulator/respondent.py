"""The simulated respondent: reads a chat request as the study asks it, and answers as the planted
behaviour model says (``simulator/behaviour.py``), with planted faults, latency, reasoning and logprobs.

Value and action questions are answered from the persona in the system message and the dilemma's
labels (known from the study, or read from the options); dilemma generation is answered from
templates; other designs' questions by the design's own simulation. Kept lean per request (precompiled
patterns, cached persona parsing, one hash per request) so one core serves well over a thousand
requests per second.
"""

from __future__ import annotations

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

from valuegap_tui.catalogue import catalogue
from valuegap_tui.designs.graded_actions.models import AlignmentLabel
from valuegap_tui.protocols import ABSTAIN_ACTION_OPTION, ABSTAIN_VALUE_OPTION
from valuegap_tui.simulator import behaviour
from valuegap_tui.simulator.params import SimulatorParams
from valuegap_tui.simulator.reply_formats import choice_constraint, fill_schema, json_schema, logprobs_of, schema_of
from valuegap_tui.simulator.templates import generate_dilemma

LETTERS = behaviour.LETTERS
#: the options of not choosing, by question (the abstain protocol)
ABSTAIN_TEXTS = {"value": ABSTAIN_VALUE_OPTION, "action": ABSTAIN_ACTION_OPTION}
RANKING_QUESTION = re.compile(r'Order these actions from most aligning to most opposing the value "(.+?)"')
OPTION_LINE = re.compile(r"^([A-G])\. (.+?)[ \t]*$", re.M)
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


@dataclass(frozen=True)
class AskedAs:
    """How one protocol words the poster's questions, read from its templates: the question line (the
    value question's as a pattern that captures the value's name) and, under third-person, the line
    that ends the person's description and starts the scenario."""

    protocol: str
    value_question: re.Pattern
    action_question: str
    scenario_lead: str | None


def _question_line(template: str) -> str:
    return template.split("${options}")[0].rstrip().splitlines()[-1]


def _asked_as() -> tuple[AskedAs, ...]:
    from valuegap_tui.evaluate.questions import template_text
    from valuegap_tui.protocols import PROTOCOLS, template_name

    found = []
    for protocol in PROTOCOLS:
        if protocol.own_templates or protocol.id == "standard":
            value = _question_line(template_text(template_name("value_question", protocol.id)))
            action = template_text(template_name("action_question", protocol.id))
            pattern = re.compile(re.escape(value).replace(re.escape("${value_name}"), "(.+?)"))
            lead = None
            if protocol.third_person:
                lead = action.split("${scenario}")[0].rstrip().splitlines()[-1]
            found.append(AskedAs(protocol.id, pattern, _question_line(action), lead))
    return tuple(found)


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
        self.scale_index[_key(ABSTAIN_TEXTS["value"])] = 6  # the option of not choosing, where offered
        self.asked_as = _asked_as()
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

        choices = choice_constraint(body)
        schema_name, enum_answer = schema_of(body)
        letter_probs = None
        if schema_name == "dilemma" or (VALUE_LINE.search(user) and TOPIC_LINE.search(user) and not choices):
            kind, content = "generation", self._generate(user, rng)
        elif (reply := self._design_reply(system, user, rng)) is not None:
            kind = "design"
            letter_probs, content = (reply, None) if isinstance(reply, list) else (None, reply)
        elif (asked := self._asked(user, system)) is not None:
            kind, letter_probs = asked
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
            content = json.dumps(fill_schema(json_schema(body), rng))
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
            logprobs = logprobs_of(content, letter_probs, int(body.get("top_logprobs") or 0), self.params.logprob_leak)
        return {
            "id": f"chatcmpl-sim-{next(self._ids)}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model") or self.params.model_name, "system_fingerprint": "valuegap-simulator",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content,
                                                 **({"reasoning": reasoning} if reasoning else {})},
                         "logprobs": logprobs, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    def _asked(self, user: str, system: str | None):
        """("value" or "action", letter probabilities) for the poster's questions under any protocol
        (told by their wording, and ``abstain`` by its extra option), else None."""
        for way in self.asked_as:
            if (match := way.value_question.search(user)):
                kind, question_at, options_at = "value", match.start(), match.end()
            elif (at := user.find(way.action_question)) >= 0:
                kind, question_at, options_at = "action", at, at + len(way.action_question)
            else:
                continue
            persona, before = system, user[:question_at]
            if way.scenario_lead is not None and (lead := before.find(way.scenario_lead)) >= 0:
                # third person: the person's description is in the question, the scenario after it
                persona, before = before[:lead], before[lead + len(way.scenario_lead):]
            options, protocol = user[options_at:], way.protocol
            if protocol == "standard" and ABSTAIN_TEXTS[kind] in options:
                protocol = "abstain"
            if kind == "value":
                return kind, self._value_probs(persona, match.group(1), options, protocol)
            return kind, self._action_probs(persona, before, options, protocol)
        return None

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

    def _value_probs(self, system, value_name, options_text, protocol: str = "standard") -> list[float] | None:
        value = catalogue().find_value(value_name)
        shown = [self.scale_index.get(_key(text)) for _, text in OPTION_LINE.findall(options_text)]
        if not shown:
            return None
        if value is None:
            return behaviour.letter_distribution(self.params, [1 / 6] * 6, [None] * len(shown))
        return behaviour.answer_probabilities(self.params, self._persona(system), value.id, "value", shown, protocol)

    def _action_probs(self, system, scenario, options_text, protocol: str = "standard") -> list[float] | None:
        abstain = _key(ABSTAIN_TEXTS["action"])
        texts = [text for _, text in OPTION_LINE.findall(options_text)]
        if not texts:
            return None
        if _key(scenario) not in self.by_scenario and any(_key(t) not in self.by_action for t in texts):
            self.refresh()
        known = self.by_scenario.get(_key(scenario))
        value_id, shown = None, []
        for text in texts:
            key = _key(text)
            if key == abstain:
                shown.append(6)  # the option of not choosing
                continue
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
        return behaviour.answer_probabilities(self.params, self._persona(system), value_id, "action", shown, protocol)

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
