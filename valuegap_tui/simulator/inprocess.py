"""The simulator as a ChatClient without HTTP: for benchmarks and tests that need many replies fast."""

from __future__ import annotations


from valuegap_tui.simulator.respondent import Simulator
from valuegap_tui.server.types import ChatRequest, CompletionRecord


class SimulatorClient:
    """Answers each request with ``Simulator.respond``, exactly as the served simulator would."""

    def __init__(self, simulator: Simulator, model: str | None = None):
        self.simulator = simulator
        self.model = model or simulator.params.model_name

    async def complete(self, request: ChatRequest, *, model: str | None = None) -> CompletionRecord:
        body = {"model": model or self.model, "messages": request.messages, "seed": request.seed,
                "temperature": request.temperature, **request.extra_body}
        if request.response_format is not None:
            body["response_format"] = request.response_format
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        reply = self.simulator.respond(body)
        choice = reply["choices"][0]
        return CompletionRecord(text=choice["message"]["content"], finish_reason=choice["finish_reason"],
                                model=reply["model"], tag=request.tag)

    async def aclose(self) -> None:
        pass
