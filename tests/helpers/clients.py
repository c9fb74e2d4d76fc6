"""Fake model clients: each answers ``complete(request)`` as a server would, without a network."""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections import Counter

from valuegap_tui.plan.items import LETTERS
from valuegap_tui.designs.graded_actions.models import AlignmentLabel
from valuegap_tui.designs.graded_actions import label_check
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import dilemmas as dilemma_store


class PlantedClient:
    """Answers from known probabilities: option preference per question, plus a bias toward letter A."""

    def __init__(self, value_probs, action_probs, first_letter_boost=0.0, fault_rate=0.0, seed=1):
        self.value_probs, self.action_probs = value_probs, action_probs
        self.boost, self.fault_rate = first_letter_boost, fault_rate
        self.rng = random.Random(seed)
        self.calls = Counter()

    def position_probs(self, question, shown):
        base = self.value_probs if question == 0 else self.action_probs
        return [(1 - self.boost) * base[o] + (self.boost if p == 0 else 0.0) for p, o in enumerate(shown)]

    async def complete(self, request, *, model=None):
        await asyncio.sleep(0)
        text = request.messages[-1]["content"]
        self.calls[request.tag] += 1
        if self.rng.random() < self.fault_rate:
            return CompletionRecord(error="HTTP 500", error_kind="http_5xx", tag=request.tag)
        question = 0 if "agree or disagree" in text else 1
        lines = [l for l in text.splitlines() if len(l) > 2 and l[0] in LETTERS and l[1] == "."]
        texts = [l[3:] for l in lines]
        if question == 0:
            order = ["Strongly agree", "Agree", "Mildly agree", "Mildly disagree", "Disagree", "Strongly disagree"]
        else:
            order = sorted(texts, key=lambda t: int(t.rsplit(" ", 1)[-1]))
        shown = [order.index(t) for t in texts]
        weights = self.position_probs(question, shown)
        if request.logprobs:  # the answer distribution itself, as a server's first-token logprobs
            top = {LETTERS[p]: math.log(w) for p, w in enumerate(weights) if w > 0}
            best = max(top, key=top.get)
            return CompletionRecord(text=best, finish_reason="length", latency_s=0.001, tag=request.tag,
                                    first_token_logprobs=top)
        letter = self.rng.choices(LETTERS, weights=weights)[0]
        return CompletionRecord(text=letter, finish_reason="stop", latency_s=0.001, tag=request.tag)

    async def aclose(self):
        pass


class TimedClient:
    """Answers "B" after ``delay_s``; remembers when each request was sent."""

    def __init__(self, delay_s: float = 0.002, text: str = "B"):
        self.delay_s, self.text = delay_s, text
        self.sent_at: list[float] = []

    async def complete(self, request, *, model=None):
        self.sent_at.append(time.monotonic())
        await asyncio.sleep(self.delay_s)
        return CompletionRecord(text=self.text, finish_reason="stop", latency_s=self.delay_s, tag=request.tag)

    async def aclose(self):
        pass


def good_reply(**overrides) -> dict:
    """A generation reply that validates (a scenario and the six labelled actions), fields overridden."""
    scenario = ("You sit on the town council and tonight you must vote on a zoning plan that splits the town. "
                "Your party expects loyalty, the evidence is thin, and wisdom asks you to weigh long-term "
                "consequences over quick wins while your neighbours watch and wait for you.")
    reply = {"scenario": scenario}
    for i, label in enumerate(AlignmentLabel.ordered()):
        reply[label.value] = f"Take step number {i} in a way that differs from every other choice here."
    reply.update(overrides)
    return reply


class ScriptedClient:
    """Answers from a list of reply texts and records every request."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.requests = []

    async def complete(self, request, *, model=None):
        self.requests.append(request)
        text = self.replies.pop(0) if self.replies else json.dumps(good_reply())
        return CompletionRecord(text=text, model="scripted", finish_reason="stop", latency_s=0.001)

    async def aclose(self):
        pass


class LabelRankingClient:
    """Orders the actions by a chosen order of option positions, reading them from the prompt."""

    def __init__(self, study, wanted: dict[str, list[int]] | None = None, garbage: bool = False):
        self.study, self.wanted, self.garbage, self.requests = study, wanted or {}, garbage, []

    async def complete(self, request, *, model=None):
        self.requests.append(request)
        if self.garbage:
            return CompletionRecord(text="I think A is best", model="fake")
        dilemma = dilemma_store.get(self.study, request.tag)
        lines = [l for l in request.messages[0]["content"].splitlines() if l[:3] in {f"{c}. " for c in "ABCDEF"}]
        letter_of = {next(i for i, o in enumerate(dilemma.options) if l[3:] == o.text): l[0] for l in lines}
        order = self.wanted.get(dilemma.id, label_check.label_order(dilemma))
        return CompletionRecord(text=json.dumps({"ranking": [letter_of[p] for p in order]}), model="fake")

    async def aclose(self):
        pass
