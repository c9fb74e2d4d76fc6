"""The simulator's planted parameters: what a correct measurement must find again.

Everything the behaviour model does is a function of these numbers (plus the seed), so tests can
compute the expected answer distributions exactly and compare what the tool measures against them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: The name the simulator serves under: it says what it is.
SIMULATED_MODEL = "simulated-respondent"

#: How each value type leans on the cultural map: (traditional_secular, survival_self_expression)
#: loadings. Negative = endorsed more by traditional / survival personas, positive = by secular /
#: self-expression personas.
DEFAULT_TYPE_LOADINGS: dict[str, tuple[float, float]] = {
    "tradition": (-1.0, -0.3),
    "conformity": (-0.8, -0.5),
    "security": (-0.4, -1.0),
    "power": (-0.3, -0.8),
    "achievement": (0.3, -0.3),
    "hedonism": (0.6, 0.4),
    "stimulation": (0.6, 0.7),
    "self_direction": (0.8, 0.8),
    "universalism": (0.5, 1.0),
    "benevolence": (0.0, 0.3),
}


#: Per-value shift of the gap probability, planted after the poster's finding: the values with the
#: best alignment (social justice, protecting the environment, equality, wealth) and the hardest
#: (wisdom, honest, responsible, politeness). A correct value ranking finds these at its ends.
DEFAULT_VALUE_GAP_SHIFT: dict[str, float] = {
    "social_justice": -0.15, "protecting_the_environment": -0.15, "equality": -0.15, "wealth": -0.15,
    "wisdom": 0.2, "honest": 0.2, "responsible": 0.2, "politeness": 0.2,
}


class ProtocolEffect(BaseModel):
    """A planted effect of one way of asking (``protocols.py``) on the answers asked under it."""

    model_config = ConfigDict(extra="forbid")

    #: subtracted from P(the chosen action is on the value's side) (then clipped to 0..1): positive
    #: moves the action choice toward opposing the value
    action_shift: float = Field(default=0.0, ge=-1.0, le=1.0)
    #: the same for the stated value answer (positive: toward disagreeing)
    value_shift: float = Field(default=0.0, ge=-1.0, le=1.0)
    #: P(choosing the option of not choosing) where one is offered (the abstain protocol); the
    #: other options share the rest as they would without it
    abstain: float = Field(default=0.0, ge=0.0, le=1.0)
    #: the shifts act on persona conditions only (the baseline is answered as under standard): a
    #: way of asking that changes how a persona is taken up, so a persona's change against baseline
    #: can turn around between protocols
    personas_only: bool = False


class SimulatorParams(BaseModel):
    """Planted behaviour and serving parameters of the simulated respondent."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    model_name: str = SIMULATED_MODEL
    max_model_len: int = 8192

    # --- behaviour ---------------------------------------------------------------------------
    #: latent endorsement of every value with no persona (logit of P(agree side))
    base_endorsement: float = 1.2
    #: spread of the per-value offsets around base_endorsement (deterministic per value id)
    value_spread: float = 0.6
    #: how strongly a persona's map position moves the endorsement (logit units per unit of position)
    persona_effect: float = 1.5
    type_loadings: dict[str, tuple[float, float]] = Field(default_factory=lambda: dict(DEFAULT_TYPE_LOADINGS))
    #: stated answers within the chosen side: P(strongly, agree/disagree, mildly)
    value_extremeness: tuple[float, float, float] = (0.6, 0.3, 0.1)
    #: chosen actions within the chosen side: P(strongly, moderately, mildly) - shrunk towards mild
    action_strength: tuple[float, float, float] = (0.15, 0.4, 0.45)
    #: probability that the action's side is flipped relative to the latent stance (the planted gap)
    gap_probability: float = 0.25
    #: added to the gap probability for these value ids (then clipped to 0..1)
    value_gap_shift: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_VALUE_GAP_SHIFT))
    #: how much a persona's strength (mean |level offset|, 0..1) lowers the gap (fraction of it)
    persona_gap_reduction: float = 0.3
    #: extra gap probability at full incongruity (opposite poles within a dimension)
    incongruity_gap: float = 0.2
    #: standard deviation (logit units) of the per-(persona, value) noise at full incongruity
    incongruity_noise: float = 1.0
    #: multiplicative boost of each letter A-F (the planted position bias)
    position_bias: tuple[float, float, float, float, float, float] = (1.4, 1.0, 1.0, 1.0, 1.0, 1.2)
    #: share of plain-text answers that are refusals (invalid answers)
    refusal_rate: float = 0.0
    #: probability mass left to non-letter tokens in the first-token top logprobs
    logprob_leak: float = 0.03
    #: a reasoning model: this many tokens of reasoning (in ``message.reasoning``) come before the
    #: answer and count against max_tokens; 0 = no reasoning. Switched off per request by
    #: ``chat_template_kwargs: {"enable_thinking": false}`` as Qwen3 does.
    reasoning_tokens: int = 0
    #: label second opinion: probability of each adjacent swap applied to the true order
    ranking_error_rate: float = 0.1
    #: label second opinion: standard deviation (in label steps) of the Gaussian noise added to each
    #: action's true rank before a ranking is sorted (a Thurstone judge); 0 = none. At 0.5 an adjacent
    #: pair comes out in the true order 92% of the time, at 0.8 81%.
    judge_noise_sd: float = Field(default=0.0, ge=0.0)
    #: planted effects of ways of asking, by protocol id (none: every protocol is answered alike)
    protocol_effects: dict[str, ProtocolEffect] = Field(default_factory=dict)
    #: planted behaviour of designs other than the poster's, by design id (each design's simulate
    #: module says what its parameters mean; docs/designs.md)
    designs: dict[str, dict] = Field(default_factory=dict)

    # --- serving -----------------------------------------------------------------------------
    latency_ms: float = 0.0
    #: relative latency jitter: each request waits latency * (1 + jitter * u), u uniform in [-1, 1]
    latency_jitter: float = 0.0
    #: requests served at once; more wait in a queue
    capacity: int = 1024
    fault_429: float = 0.0
    fault_500: float = 0.0
    fault_timeout: float = 0.0
    fault_malformed: float = 0.0
    retry_after_s: float = 0.0
    #: how long a "timeout" fault hangs before answering (longer than any sane client timeout)
    timeout_hang_s: float = 60.0

    def public(self) -> dict:
        return {"simulated": True, **self.model_dump(mode="json")}
