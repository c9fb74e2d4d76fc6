"""Reading a chat-completion reply into a ``CompletionRecord``, whatever shape the server gave it.

Text is capped (``REPLY_TEXT_CAP``): a few answer tokens or a 1,500-token dilemma are far below it, a
runaway 5 MB reply is not. Choices sent as a JSON schema come back wrapped (``{"answer": "C"}``) and
are unwrapped here, so every reader of answers sees the letter.
"""

from __future__ import annotations

import json
from typing import Any

from valuegap_tui.server.transports import TransportError
from valuegap_tui.server.types import CompletionRecord

#: the json_schema name used when choices are sent as an enum
CHOICE_SCHEMA_NAME = "choice"
#: reply and reasoning text kept per reply (characters); the rest is counted, not stored or parsed:
#: a few answer tokens or a 1,500-token dilemma are far below it, a runaway 5 MB reply is not
REPLY_TEXT_CAP = 64 * 1024


def fill_record(record: CompletionRecord, payload: Any, *, unwrap: bool = False) -> None:
    """Copy a chat-completion reply into ``record``, whatever its shape: content that is not text sets
    ``record.malformed``; text is capped. A reply without choices raises a protocol TransportError."""
    if not unwrap and _fill_plain(record, payload):
        return
    choices = payload.get("choices") if isinstance(payload, dict) else None
    choice = choices[0] if isinstance(choices, list) and choices else None
    if not isinstance(choice, dict):
        raise TransportError("protocol", f"reply has no choices: {str(payload)[:200]}")
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    text, problem = reply_text(message.get("content"))
    if unwrap and isinstance(text, str) and len(text) <= REPLY_TEXT_CAP:
        text = unwrap_choice(text)
    record.malformed = problem
    record.text, record.text_dropped = cap_text(text)
    reasoning, _ = reply_text(message.get("reasoning") or message.get("reasoning_content"))
    record.reasoning, record.reasoning_dropped = cap_text(reasoning)
    finish = choice.get("finish_reason")
    record.finish_reason = finish if isinstance(finish, str) else None
    usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else {}
    record.prompt_tokens = _count(usage.get("prompt_tokens"))
    record.completion_tokens = _count(usage.get("completion_tokens"))
    record.first_token_logprobs = first_token_logprobs(choice.get("logprobs"))


def _fill_plain(record: CompletionRecord, payload: Any) -> bool:
    """``fill_record`` for the usual reply (one choice whose message has short text content and no
    reasoning, no logprobs), with the same result; False, having changed nothing, for any other shape."""
    if type(payload) is not dict:
        return False
    choices = payload.get("choices")
    if type(choices) is not list or not choices:
        return False
    choice = choices[0]
    if type(choice) is not dict or choice.get("logprobs") is not None:
        return False
    message = choice.get("message")
    if type(message) is not dict or (message.get("reasoning") or message.get("reasoning_content")) is not None:
        return False
    text = message.get("content")
    if type(text) is not str or len(text) > REPLY_TEXT_CAP:
        return False
    usage = payload.get("usage")
    if not isinstance(usage, dict):
        usage = {}
    record.malformed = None
    record.text, record.text_dropped = text, 0
    record.reasoning, record.reasoning_dropped = None, 0
    finish = choice.get("finish_reason")
    record.finish_reason = finish if isinstance(finish, str) else None
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    record.prompt_tokens = prompt if type(prompt) is int and prompt >= 0 else _count(prompt)
    record.completion_tokens = completion if type(completion) is int and completion >= 0 else _count(completion)
    record.first_token_logprobs = None
    return True


def reply_text(content: Any) -> tuple[str | None, str | None]:
    """(text, problem): a string as is; OpenAI content parts joined; anything else is no text and says so."""
    if content is None or isinstance(content, str):
        return content, None
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
        if parts:
            return "".join(parts), None
        return None, "the reply's content is a list without text parts"
    return None, f"the reply's content is a {type(content).__name__}, not text"


def cap_text(text: str | None, cap: int = REPLY_TEXT_CAP) -> tuple[str | None, int]:
    """The first ``cap`` characters and how many were cut off."""
    if text is None or len(text) <= cap:
        return text, 0
    return text[:cap], len(text) - cap


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def choice_response_format(choices: list[str]) -> dict[str, Any]:
    """A json_schema response_format that only admits {"answer": <one of choices>}."""
    return {
        "type": "json_schema",
        "json_schema": {
            "name": CHOICE_SCHEMA_NAME,
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"answer": {"type": "string", "enum": choices}},
                "required": ["answer"],
                "additionalProperties": False,
            },
        },
    }


def unwrap_choice(text: str) -> str:
    """``{"answer": "C"}`` -> ``C``; anything else is returned unchanged (and judged by the caller)."""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, dict) and isinstance(data.get("answer"), str):
        return data["answer"]
    return text


def first_token_logprobs(logprobs: Any) -> dict[str, float] | None:
    """{token: logprob} for the first generated token's top candidates (OpenAI chat format)."""
    if not isinstance(logprobs, dict):
        return None
    content = logprobs.get("content")
    if not content or not isinstance(content, list) or not isinstance(content[0], dict):
        return None
    first = content[0]
    found: dict[str, float] = {}
    for item in first.get("top_logprobs") or []:
        if isinstance(item, dict) and isinstance(item.get("token"), str) and isinstance(item.get("logprob"), (int, float)):
            found.setdefault(item["token"], float(item["logprob"]))
    if not found and isinstance(first.get("token"), str) and isinstance(first.get("logprob"), (int, float)):
        found[first["token"]] = float(first["logprob"])
    return found or None

