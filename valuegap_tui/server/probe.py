"""Find out what a server really supports before a study relies on it.

Servers accept fields they do not know with HTTP 200 and ignore them (vLLM >= 0.12 drops the old
``guided_choice``), so each constraint is checked by its effect: the probe asks for something whose
free answer is not a letter, with the constraint on, and looks whether the reply is a letter.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from valuegap_tui.server.client import ModelPool
from valuegap_tui.server.discovery import check_health, context_length, list_models
from valuegap_tui.server.profiles import Endpoint, ServerProfile
from valuegap_tui.server.types import ChatRequest

PROBE_LETTERS = ["A", "B", "C", "D", "E", "F"]
#: a request whose natural answer is prose, never a single letter
PROBE_MESSAGES = [
    {"role": "user", "content": "Write a friendly greeting of at least five words. Do not answer with a single letter."}
]
#: constraint styles in order of preference; the first that holds is recommended
CONSTRAINT_STYLES = ("structured_outputs", "json_schema", "guided_choice")


@dataclass
class ProbeFindings:
    """What one endpoint answered. Stored with the study (no keys: URLs are redacted)."""

    base_url: str
    profile: str | None = None
    healthy: bool = False
    health_status: int | None = None
    health_error: str | None = None
    models: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None
    max_model_len: int | None = None
    #: style -> True (held), False (ignored or refused), None (not tested)
    constraints: dict[str, bool | None] = field(default_factory=dict)
    logprobs: bool | None = None
    top_logprobs: int | None = None
    json_schema_generation: bool | None = None
    reasoning_field: bool | None = None
    #: tokens one request may use (prompt and reply), and where the server said so
    context_length: int | None = None
    context_source: str | None = None
    #: prompt tokens the server counted for a short prompt and for a whole question
    short_prompt_tokens: int | None = None
    question_prompt_tokens: int | None = None
    #: True when the prompt's tokens do not grow with the prompt: the chat template drops it
    prompt_dropped: bool | None = None
    notes: list[str] = field(default_factory=list)
    #: what makes the server unusable for a study even though it answers (the CLI exits non-zero)
    problems: list[str] = field(default_factory=list)
    probed_at: float = field(default_factory=time.time)
    duration_s: float = 0.0

    @property
    def constraint_style(self) -> str | None:
        """The constraint style to use, or None when none held."""
        for style in CONSTRAINT_STYLES:
            if self.constraints.get(style):
                return style
        return None

    @property
    def usable(self) -> bool:
        return self.healthy and not self.problems

    @property
    def answer_modes(self) -> list[str]:
        modes = ["text"]
        if self.constraint_style:
            modes.append("constrained")
        if self.logprobs:
            modes.append("logprobs")
        return modes

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["constraint_style"] = self.constraint_style
        data["answer_modes"] = self.answer_modes
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ProbeFindings":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def summary_lines(self) -> list[str]:
        def yes(value: bool | None) -> str:
            return "not tested" if value is None else ("yes" if value else "no")

        lines = [f"server {self.base_url}" + (f" (profile {self.profile})" if self.profile else "")]
        health = "ok" if self.healthy else f"NOT ready ({self.health_error or self.health_status})"
        lines.append(f"  health: {health}")
        for m in self.models:
            length = f", max_model_len {m['max_model_len']}" if m.get("max_model_len") else ""
            lines.append(f"  model: {m['id']}{length}")
        if self.model:
            lines.append(f"  probed model: {self.model}")
        for style in CONSTRAINT_STYLES:
            lines.append(f"  constraint {style}: {yes(self.constraints.get(style))}")
        lines.append(f"  logprobs: {yes(self.logprobs)}" + (f" (top {self.top_logprobs})" if self.top_logprobs else ""))
        lines.append(f"  json_schema generation: {yes(self.json_schema_generation)}")
        lines.append(f"  reasoning field in replies: {yes(self.reasoning_field)}")
        if self.context_length:
            lines.append(f"  context per request: {self.context_length} tokens ({self.context_source})")
        if self.prompt_dropped is not None:
            reach = "NO" if self.prompt_dropped else "yes"
            lines.append(f"  the prompt reaches the model: {reach} (a question counted {self.question_prompt_tokens}"
                         f" prompt tokens, a short prompt {self.short_prompt_tokens})")
        lines.append(f"  answer modes available: {', '.join(self.answer_modes)}")
        lines.extend(f"  PROBLEM: {p}" for p in self.problems)
        lines.extend(f"  note: {n}" for n in self.notes)
        return lines


async def probe_endpoint(
    endpoint: Endpoint,
    profile: ServerProfile,
    *,
    model: str | None = None,
    transport: str | None = None,
    question: str | None = None,
    max_tokens: int | None = None,
) -> ProbeFindings:
    """Health, models, which constraint/logprob features hold on one endpoint, its context, and whether
    the prompt reaches the model at all. ``question``: a whole question as a study asks it (its prompt
    tokens are checked against the context with ``max_tokens``, the run's token cap; default: the
    profile's, else a text run's default)."""
    from valuegap_tui.server.answers import parse_answer

    started = time.perf_counter()
    findings = ProbeFindings(base_url=endpoint.display_url, profile=profile.name)
    findings.healthy, findings.health_status, findings.health_error = await check_health(endpoint)
    try:
        findings.models = await list_models(endpoint)
    except Exception as exc:  # a probe reports, it never crashes on a bad server
        findings.notes.append(f"/v1/models: {exc}")
    if not findings.healthy and not findings.models:
        findings.notes.append("server not reachable: the chat features were not probed")
        findings.duration_s = time.perf_counter() - started
        return findings
    findings.model = model or profile.model or (findings.models[0]["id"] if findings.models else None)
    for m in findings.models:
        if m["id"] == findings.model and isinstance(m.get("max_model_len"), int):
            findings.max_model_len = m["max_model_len"]
    if not findings.model:
        findings.notes.append("no model to test: the chat features were not probed")
        findings.duration_s = time.perf_counter() - started
        return findings
    if findings.models and findings.model not in {m["id"] for m in findings.models}:
        findings.notes.append(f"model {findings.model!r} is not among those the server lists")

    single = profile.model_copy(update={"endpoints": [endpoint], "max_attempts": 2, "timeout_s": min(profile.timeout_s, 60.0)})
    for style in CONSTRAINT_STYLES:
        async with ModelPool(single, transport=transport, constraint=style) as pool:
            record = await pool.complete(
                ChatRequest(messages=PROBE_MESSAGES, choices=PROBE_LETTERS, max_tokens=24, temperature=0.0),
                model=findings.model,
            )
        if not record.ok:
            findings.constraints[style] = False
            findings.notes.append(f"constraint {style}: refused ({record.error})")
        else:
            held = parse_answer(record, "constrained").valid
            findings.constraints[style] = held
            if not held:
                findings.notes.append(f"constraint {style}: ignored (reply {str(record.text)[:40]!r})")
        if style == "structured_outputs" and findings.constraints[style]:
            break  # the preferred style holds; the older ones do not matter

    async with ModelPool(single, transport=transport) as pool:
        record = await pool.complete(
            ChatRequest(messages=[{"role": "user", "content": "Answer with one letter: A, B, C, D, E or F."}],
                        max_tokens=1, logprobs=True, top_logprobs=5, temperature=0.0),
            model=findings.model,
        )
        findings.logprobs = bool(record.ok and record.first_token_logprobs)
        if findings.logprobs:
            findings.top_logprobs = len(record.first_token_logprobs or {})
        elif not record.ok:
            findings.notes.append(f"logprobs: {record.error}")
        findings.reasoning_field = bool(record.reasoning) if record.ok else None
        findings.notes.extend(_token_cap_notes(findings, profile))

        schema = {
            "type": "object",
            "properties": {"ranking": {"type": "array", "items": {"type": "string", "enum": PROBE_LETTERS[:3]},
                                       "minItems": 3, "maxItems": 3}},
            "required": ["ranking"],
        }
        record = await pool.complete(
            ChatRequest(messages=[{"role": "user", "content": "Rank the letters A, B and C. Reply in JSON."}],
                        max_tokens=200, temperature=0.0,
                        response_format={"type": "json_schema", "json_schema": {"name": "probe", "schema": schema}}),
            model=findings.model,
        )
        findings.json_schema_generation = bool(record.ok and _valid_ranking(record.text))
        if not record.ok:
            findings.notes.append(f"json_schema generation: {record.error}")
        await _check_prompt_and_context(findings, pool, endpoint, question or FILLER_QUESTION,
                                        max_tokens or profile.generation.max_tokens or DEFAULT_MAX_TOKENS)
    findings.duration_s = time.perf_counter() - started
    return findings


#: a text run's token cap when neither the run nor the profile sets one (runs.DEFAULT_MAX_TOKENS)
DEFAULT_MAX_TOKENS = 4096
SHORT_PROMPT = [{"role": "user", "content": "Say OK."}]
#: stands for a question when the caller has none: about 200 words, like a dilemma and its options
FILLER_QUESTION = " ".join(
    ["You lead a small team that must decide, before the end of the week, whether to report a mistake that"
     " only you have noticed; reporting it would delay the project and disappoint a client who trusts you."] * 5
    + ["Which of the following actions would you choose?"]
    + [f"{letter}. Option {letter} describes one more way to act in this situation, with its reasons."
       for letter in PROBE_LETTERS] + ["Answer with the letter of one option only."])


async def _check_prompt_and_context(findings: ProbeFindings, pool, endpoint: Endpoint, question: str,
                                    max_tokens: int) -> None:
    """Whether the server's prompt tokens grow with the prompt (a chat template that drops the prompt
    makes every request the same few tokens: the model answers nothing it was asked), and whether a
    question plus the token cap fits the context (llama-server answers HTTP 500 when it does not)."""
    found = await context_length(endpoint, findings.model)
    if found is not None:
        findings.context_length, findings.context_source = found
    short = await pool.complete(ChatRequest(messages=SHORT_PROMPT, max_tokens=1, temperature=0.0), model=findings.model)
    whole = await pool.complete(ChatRequest(messages=[{"role": "user", "content": question}], max_tokens=1,
                                            temperature=0.0), model=findings.model)
    if not (short.ok and whole.ok) or short.prompt_tokens is None or whole.prompt_tokens is None:
        findings.notes.append("prompt tokens not reported: whether the prompt reaches the model was not checked")
        return
    findings.short_prompt_tokens, findings.question_prompt_tokens = short.prompt_tokens, whole.prompt_tokens
    # a question of ~1,500 characters is a few hundred tokens in any tokenizer: a few more than a
    # 7-character prompt is not enough
    findings.prompt_dropped = whole.prompt_tokens < short.prompt_tokens + len(question) // 20
    if findings.prompt_dropped:
        findings.problems.append(
            f"the chat template drops the prompt: a {len(question)}-character question counted"
            f" {whole.prompt_tokens} prompt tokens, a 7-character one {short.prompt_tokens}. Start the server"
            " with the model's own chat template (llama-server: no --chat-template, or --jinja)")
    if findings.context_length and whole.prompt_tokens + max_tokens > findings.context_length:
        room = findings.context_length - whole.prompt_tokens
        findings.notes.append(
            f"max_tokens {max_tokens} plus a question's prompt ({whole.prompt_tokens} tokens) exceed the server's"
            f" context of {findings.context_length} tokens per request ({findings.context_source}): a long reply"
            f" fails (HTTP 500/400, too_long). Set max_tokens to at most {max(room, 1)} in the run definition,"
            " or start the server with a larger context")


def _token_cap_notes(findings: ProbeFindings, profile: ServerProfile) -> list[str]:
    """Warn about listed models known to reason when the profile's token cap leaves no room for it."""
    from valuegap_tui.server.answers import REASONING_MIN_TOKENS, token_cap_warning

    cap = profile.generation.max_tokens
    names = dict.fromkeys([m["id"] for m in findings.models] + ([findings.model] if findings.model else []))
    found = [w for w in (token_cap_warning(name, cap, thinking_off=profile.generation.enable_thinking is False)
                         for name in names) if w]
    if not found and findings.reasoning_field and cap is not None and cap < REASONING_MIN_TOKENS:
        found.append(f"{findings.model} sent reasoning text: max_tokens {cap} leaves its thinking little room;"
                     f" use at least {REASONING_MIN_TOKENS}")
    return [f"profile {profile.name}: {w}" for w in found]


def _valid_ranking(text: str | None) -> bool:
    try:
        data = json.loads(text or "")
    except (ValueError, RecursionError):
        return False
    ranking = data.get("ranking") if isinstance(data, dict) else None
    return isinstance(ranking, list) and len(ranking) == 3 and all(r in PROBE_LETTERS[:3] for r in ranking)


async def probe_profile(profile: ServerProfile, *, model: str | None = None, transport: str | None = None,
                        **checks) -> list[ProbeFindings]:
    """Probe every endpoint of a profile, one after the other (a probe is a handful of requests);
    ``checks``: ``question`` and ``max_tokens`` (probe_endpoint)."""
    return [await probe_endpoint(e, profile, model=model, transport=transport, **checks) for e in profile.endpoints]


def probe_profile_sync(profile: ServerProfile, **kwargs) -> list[ProbeFindings]:
    """For threads and the command line: runs the probe in its own event loop."""
    return asyncio.run(probe_profile(profile, **kwargs))
