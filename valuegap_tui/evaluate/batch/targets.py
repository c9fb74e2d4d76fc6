"""The batch engines' line shapes: how a request is written for each, and how each reports a result.

* ``openai``: the OpenAI Batch API. Requests ``{custom_id, method, url, body}``, at most 50,000 lines and
  200 MB a file, one model a file. Results come in an output file (``{custom_id, response: {status_code,
  body}, error}``) and an error file (``error.code`` such as ``batch_expired`` or ``batch_cancelled``).
* ``vllm``: ``vllm run-batch``, which reads and writes the OpenAI shapes and serves one ``--model`` a
  process; newer versions write results as they finish, in completion order.
* ``anthropic``: Anthropic's Message Batches. Requests ``{custom_id, params}`` (the Messages API: the system
  text apart, ``max_tokens`` required, no logprobs, no seed, no choice constraint), at most 100,000
  requests and 256 MB a batch; each result is ``succeeded``, ``errored``, ``canceled`` or ``expired``.

Everything a result says becomes a ``CompletionRecord``, read by the same reader as a live run: a request
too long for the model's context is ``too_long``, any other error a server error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from valuegap_tui.server.replies import fill_record
from valuegap_tui.server.transports import TransportError, error_message, kind_for_status
from valuegap_tui.server.types import CompletionRecord

MB = 1024 * 1024


class BatchError(ValueError):
    """A batch file that cannot be written or read as asked; nothing was changed."""


@dataclass(frozen=True)
class Result:
    """What one result line says about one request."""

    custom_id: str
    #: answered | errored (a record with the error) | expired | canceled (no attempt: the item stays pending)
    kind: str
    record: CompletionRecord | None = None


@dataclass(frozen=True)
class Target:
    name: str
    #: the engine's limits per file: requests and bytes (None: none)
    max_lines: int | None
    max_bytes: int | None
    description: str

    def request_line(self, custom_id: str, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def read_result(self, line: dict[str, Any]) -> Result | None:
        """The result a line holds, or None when the line is not in this target's shape."""
        raise NotImplementedError

    def result_line(self, custom_id: str, completion: dict[str, Any] | None = None, *, end: str | None = None,
                    failure: tuple[int, str] | None = None) -> dict:
        """A result line as the engine writes it (the simulator's batch mode answers in it): an answer
        (``completion``, a chat completion), a request that ended unanswered (``end``: expired or
        canceled), or one the server refused (``failure``: HTTP status and message)."""
        raise NotImplementedError

    def body_of(self, request: dict[str, Any]) -> dict[str, Any]:
        """The chat-completion body a request line asks (for answering it offline)."""
        raise NotImplementedError


class OpenAITarget(Target):
    def request_line(self, custom_id, body):
        return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}

    def body_of(self, request):
        body = request.get("body")
        if not isinstance(body, dict):
            raise BatchError("a request line without a body object")
        return body

    def read_result(self, line):
        if "response" not in line and "error" not in line:
            return None
        custom_id = _custom_id(line)
        error, response = line.get("error"), line.get("response")
        if isinstance(error, dict) and error:
            code = str(error.get("code") or "")
            if code == "batch_expired":
                return Result(custom_id, "expired")
            if code in ("batch_cancelled", "batch_canceled"):
                return Result(custom_id, "canceled")
            message = str(error.get("message") or code or "error")
            status = response.get("status_code") if isinstance(response, dict) else None
            kind = kind_for_status(status, message) if isinstance(status, int) else _kind_for_text(message)
            return Result(custom_id, "errored", CompletionRecord(error=message, error_kind=kind, endpoint="batch"))
        if error is not None and not isinstance(error, dict):
            return Result(custom_id, "errored", CompletionRecord(error=str(error), error_kind="batch", endpoint="batch"))
        if not isinstance(response, dict):
            raise BatchError("a result line with neither a response nor an error")
        status = response.get("status_code", 200)
        if not isinstance(status, int):
            raise BatchError(f"a response's status_code is {status!r}, not a number")
        if status != 200:
            message = error_message(status, json.dumps(response.get("body")))
            return Result(custom_id, "errored", CompletionRecord(error=message, error_kind=kind_for_status(status, message),
                                                                 endpoint="batch"))
        record = CompletionRecord(endpoint="batch")
        try:
            fill_record(record, response.get("body"), unwrap=True)
        except TransportError as exc:
            record.error, record.error_kind = str(exc), exc.kind
        return Result(custom_id, "answered", record)

    def result_line(self, custom_id, completion=None, *, end=None, failure=None):
        line = {"id": f"batch_req_{custom_id}", "custom_id": custom_id, "response": None, "error": None}
        if end is not None:
            code = "batch_expired" if end == "expired" else "batch_cancelled"
            line["error"] = {"code": code, "message": f"This request was not run: the batch {end}."}
        elif failure is not None:
            status, message = failure
            line["response"] = {"status_code": status, "request_id": f"req_{custom_id}",
                                "body": {"error": {"message": message, "type": "invalid_request_error"}}}
        else:
            line["response"] = {"status_code": 200, "request_id": f"req_{custom_id}", "body": completion}
        return line


class AnthropicTarget(Target):
    #: what the Messages API has no place for; an answer mode needing one cannot go to this target
    UNSUPPORTED = {"logprobs": "logprobs", "top_logprobs": "logprobs", "structured_outputs": "a choice constraint",
                   "guided_choice": "a choice constraint", "response_format": "a choice constraint",
                   "chat_template_kwargs": "chat_template_kwargs", "reasoning_effort": "reasoning_effort"}

    def request_line(self, custom_id, body):
        for key, what in self.UNSUPPORTED.items():
            if key in body:
                raise BatchError(f"Anthropic's Message Batches take no {what}: ask in answer_mode = \"text\" without"
                                 f" {key} for the anthropic target")
        temperature = body.get("temperature")
        if temperature is not None and not 0 <= temperature <= 1:
            raise BatchError(f"Anthropic's temperature runs 0..1, not {temperature:g}: set temperature in the run")
        system = "\n\n".join(m["content"] for m in body["messages"] if m.get("role") == "system")
        params: dict[str, Any] = {"model": body["model"], "max_tokens": body.get("max_tokens") or 4096,
                                  "messages": [m for m in body["messages"] if m.get("role") != "system"]}
        if system:
            params["system"] = system
        if temperature is not None:
            params["temperature"] = temperature
        return {"custom_id": custom_id, "params": params}  # no seed: the Messages API has none

    def body_of(self, request):
        params = request.get("params")
        if not isinstance(params, dict) or not isinstance(params.get("messages"), list):
            raise BatchError("a request line without params.messages")
        messages = ([{"role": "system", "content": params["system"]}] if params.get("system") else []) + params["messages"]
        return {"model": params.get("model"), "messages": messages, "max_tokens": params.get("max_tokens"),
                "temperature": params.get("temperature"), "seed": request.get("custom_id")}

    def read_result(self, line):
        result = line.get("result")
        if not isinstance(result, dict):
            return None
        custom_id = _custom_id(line)
        kind = result.get("type")
        if kind in ("expired", "canceled"):
            return Result(custom_id, kind)
        if kind == "errored":
            error = result.get("error") if isinstance(result.get("error"), dict) else {}
            inner = error.get("error") if isinstance(error.get("error"), dict) else error
            message = str(inner.get("message") or inner.get("type") or "error")
            return Result(custom_id, "errored", CompletionRecord(
                error=f"{inner.get('type', 'error')}: {message}", endpoint="batch",
                error_kind=_ANTHROPIC_KINDS.get(inner.get("type"), None) or _kind_for_text(message)))
        if kind != "succeeded" or not isinstance(result.get("message"), dict):
            raise BatchError(f"a result of type {kind!r} (expected succeeded, errored, canceled or expired)")
        message = result["message"]
        blocks = message.get("content") if isinstance(message.get("content"), list) else []
        text = "".join(b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text")
        usage = message.get("usage") if isinstance(message.get("usage"), dict) else {}
        stop = message.get("stop_reason")
        payload = {"choices": [{"message": {"content": text}, "finish_reason": "length" if stop == "max_tokens" else "stop"}],
                   "usage": {"prompt_tokens": usage.get("input_tokens"), "completion_tokens": usage.get("output_tokens")}}
        record = CompletionRecord(endpoint="batch")
        fill_record(record, payload)
        return Result(custom_id, "answered", record)

    def result_line(self, custom_id, completion=None, *, end=None, failure=None):
        if end is not None:
            return {"custom_id": custom_id, "result": {"type": end}}
        if failure is not None:
            return {"custom_id": custom_id, "result": {"type": "errored", "error": {"type": "error", "error": {
                "type": "invalid_request_error", "message": failure[1]}}}}
        choice = completion["choices"][0]
        usage = completion.get("usage") or {}
        return {"custom_id": custom_id, "result": {"type": "succeeded", "message": {
            "id": f"msg_{custom_id}", "type": "message", "role": "assistant", "model": completion.get("model"),
            "content": [{"type": "text", "text": choice["message"].get("content") or ""}],
            "stop_reason": "max_tokens" if choice.get("finish_reason") == "length" else "end_turn",
            "usage": {"input_tokens": usage.get("prompt_tokens"), "output_tokens": usage.get("completion_tokens")}}}}


#: Anthropic's error types as the client's error kinds (anything else is read from its message)
_ANTHROPIC_KINDS = {"overloaded_error": "http_5xx", "api_error": "http_5xx", "rate_limit_error": "http_429"}


def _kind_for_text(message: str) -> str:
    return kind_for_status(400, message) if kind_for_status(400, message) == "too_long" else "batch"


def _custom_id(line: dict[str, Any]) -> str:
    custom_id = line.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise BatchError("a line without a custom_id")
    return custom_id


TARGETS: dict[str, Target] = {
    "openai": OpenAITarget("openai", 50_000, 200 * MB, "the OpenAI Batch API"),
    "vllm": OpenAITarget("vllm", None, None, "vllm run-batch (one --model a process)"),
    "anthropic": AnthropicTarget("anthropic", 100_000, 256 * MB, "Anthropic's Message Batches"),
}


def target_of_request(line: dict[str, Any]) -> Target:
    """The target a request line was written for (``params``: Anthropic; ``body``: OpenAI and vLLM)."""
    return TARGETS["anthropic"] if "params" in line else TARGETS["openai"]
