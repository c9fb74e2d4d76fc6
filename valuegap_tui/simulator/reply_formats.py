"""The shapes a request may ask its reply to take, read from the request body and filled in: a choice
constraint (vLLM's structured_outputs), a JSON schema (filled with values of the schema's types) and
first-token logprobs around the chosen letter."""

from __future__ import annotations

import math
import random
from typing import Any

from valuegap_tui.simulator.behaviour import LETTERS

def choice_constraint(body: dict[str, Any]) -> list[str] | None:
    """vLLM's structured_outputs choice, top-level or inside extra_body (the removed guided_choice is ignored)."""
    for holder in (body, body.get("extra_body") or {}):
        so = holder.get("structured_outputs") if isinstance(holder, dict) else None
        if isinstance(so, dict) and isinstance(so.get("choice"), list) and so["choice"]:
            return [str(c) for c in so["choice"]]
    return None


def schema_of(body: dict[str, Any]) -> tuple[str | None, list[str] | None]:
    """(json_schema name, enum of an "answer" property) from response_format."""
    rf = body.get("response_format")
    if not isinstance(rf, dict) or rf.get("type") != "json_schema":
        return None, None
    spec = rf.get("json_schema") or {}
    schema = spec.get("schema") or {}
    answer = (schema.get("properties") or {}).get("answer") if isinstance(schema, dict) else None
    enum = answer.get("enum") if isinstance(answer, dict) else None
    return spec.get("name"), ([str(e) for e in enum] if isinstance(enum, list) and enum else None)


def json_schema(body: dict[str, Any]) -> dict[str, Any]:
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema")
    return schema if isinstance(schema, dict) else {}


def fill_schema(schema: dict[str, Any], rng: random.Random, depth: int = 0) -> Any:
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
        return {name: fill_schema(sub, rng, depth + 1) for name, sub in (schema.get("properties") or {}).items()
                if isinstance(sub, dict)}
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        size = max(int(schema.get("minItems", 1)), 1)
        size = min(size, int(schema.get("maxItems", size)))
        pool = list(items.get("enum") or [])
        if len(pool) >= size:  # distinct picks: rankings and the like
            return rng.sample(pool, size)
        return [fill_schema(items, rng, depth + 1) for _ in range(size)]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "simulated"


def _token(text: str) -> dict[str, Any]:
    return {"token": text, "bytes": list(text.encode())}


def logprobs_of(content: str, letter_probs, top_n: int, leak: float) -> dict[str, Any]:
    """First-token logprobs; for a letter answer the top list is the answer distribution."""
    first = content[:1] if letter_probs is not None and content[:1] in LETTERS and len(content) == 1 else content[:4]
    top: list[tuple[str, float]] = [(first, 0.9)] + [(x, 0.1 / 6) for x in LETTERS[:6] if x != first]
    if letter_probs is not None:
        top = [(letter, p * (1 - leak)) for letter, p in zip(LETTERS, letter_probs) if p > 0]
        if leak > 0:
            top += [("I", leak * 0.6), ("The", leak * 0.4)]
        top.sort(key=lambda item: -item[1])
    probs = dict(top)
    chosen = {**_token(first), "logprob": math.log(probs[first]) if probs.get(first) else -0.01}
    chosen["top_logprobs"] = [{**_token(t), "logprob": math.log(p)} for t, p in top[: max(0, min(top_n, 20))]]
    return {"content": [chosen]}
