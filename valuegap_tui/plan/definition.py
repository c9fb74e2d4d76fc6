"""Run definitions: which models, personas and dilemmas to ask, how, and how often.

A definition is written as TOML (``valuegap run start RUN.toml``) or built in the Runs screen's form.
It is stored with the run together with a hash of its configuration, so two runs can be compared
knowing whether they asked the same thing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr,
                      ValidationError, ValidationInfo, field_validator, model_validator)

from valuegap_tui.config import ConfigError, TomlLines, parse_toml, read_toml_text
from valuegap_tui.protocols import ABSTAIN, PROTOCOL_IDS, STANDARD
from valuegap_tui.validation import format_validation_error
from valuegap_tui.server.types import AnswerMode
from valuegap_tui.urls import normalise_base_url, strip_credentials
from valuegap_tui.settings import current_limits
from valuegap_tui.text import one_line

BASELINE_ID = "baseline"
DEFAULT_MAX_TOKENS = 4096


class RunDefinitionError(ValueError):
    """A run definition file is missing, not TOML, or not a valid definition."""


def _endpoint_url(url: str) -> str:
    # checked when read, so a bad URL is refused before a run is stored; credentials never reach
    # the stored definition (see server.urls)
    return normalise_base_url(strip_credentials(url))


EndpointUrl = Annotated[StrictStr, AfterValidator(_endpoint_url)]


# Values are taken as written (strict types): `include_baseline = "yes"` or `repeats = true` is refused,
# not read as something the file does not say.
class ModelSpec(BaseModel):
    """One model to evaluate: its served name and where to reach it (endpoints or a server profile)."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(min_length=1)
    endpoints: list[EndpointUrl] = Field(default_factory=list)
    profile: StrictStr | None = None
    #: requests in flight per endpoint
    concurrency: StrictInt = Field(default=64, ge=1, le=4096)

    # Neither endpoints nor a profile: the model is asked where OPENAI_BASE_URL points, read when the
    # run starts (evaluate.clients), so a stored run still loads where the variable is not set.


class DilemmaFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: list[StrictStr] = Field(default_factory=lambda: ["accepted"])
    values: list[StrictStr] | None = None
    topics: list[StrictStr] | None = None
    ids: list[StrictStr] | None = None
    #: ask a seeded sample of this many dilemmas, spread evenly over values and topics (the run's seed;
    #: evaluate.setup.stratified_sample); None for all
    limit: StrictInt | None = Field(default=None, ge=1)
    #: ask the first this many dilemmas in value/topic order instead (not a sample); None for all
    first: StrictInt | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_cut(self) -> "DilemmaFilter":
        if self.limit is not None and self.first is not None:
            raise ValueError("give either limit (a sample spread over values and topics) or first (the first N), "
                             "not both")
        return self


class RunDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr = "run"
    models: list[ModelSpec] = Field(min_length=1)
    personas: list[StrictStr] = Field(default_factory=list)
    include_baseline: StrictBool = True
    dilemmas: DilemmaFilter = Field(default_factory=DilemmaFilter)
    repeats: StrictInt = Field(default=5, ge=1, le=100)
    #: the ways of asking (``protocols.py``): every question is planned, shuffled and repeated under each
    protocols: list[StrictStr] = Field(default_factory=lambda: [STANDARD], min_length=1)
    seed: StrictInt = Field(default=0, ge=-(2**63), lt=2**63)
    answer_mode: AnswerMode = AnswerMode.TEXT
    #: 1.0: each repeat is a draw from the model's own answer distribution (what repeats estimate, and
    #: what logprobs mode reads); lower values sharpen it by an arbitrary amount (docs/evaluation.md)
    temperature: StrictFloat | None = Field(default=1.0, ge=0.0, le=2.0)
    #: None: 4096 tokens in text and constrained mode (room for a reasoning model's thinking; a model
    #: that answers with a letter stops after it anyway), 1 in logprobs mode (only the first is read)
    max_tokens: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    #: e.g. {enable_thinking = false} for Qwen3
    chat_template_kwargs: dict[str, Any] = Field(default_factory=dict)
    #: gpt-oss: low, medium or high
    reasoning_effort: StrictStr | None = None
    #: how many times an item is asked before its invalid answer is kept as final
    max_attempts: StrictInt = Field(default=3, ge=1, le=20)
    top_logprobs: StrictInt = Field(default=20, ge=1, le=20)
    #: logprobs mode: an answer whose letters cover less of the first token's probability than this is
    #: kept as low_coverage, not as an answer (docs/evaluation.md says why 0.8)
    min_coverage: StrictFloat = Field(default=0.8, ge=0.0, le=1.0)

    @field_validator("models")
    @classmethod
    def _distinct_models(cls, models: list[ModelSpec]) -> list[ModelSpec]:
        names = [m.name for m in models]
        if len(set(names)) != len(names):
            raise ValueError("each model may appear once")
        return models

    @field_validator("answer_mode")
    @classmethod
    def _abstain_read_as_a_letter(cls, mode: AnswerMode, info: ValidationInfo) -> AnswerMode:
        # a logprob answer is a distribution: its mass on not choosing would be neither an abstention
        # (counted by the letter chosen) nor part of AR and AD, so the two are not asked together
        if mode == AnswerMode.LOGPROBS and ABSTAIN in (info.data.get("protocols") or ()):
            raise ValueError("the abstain protocol is asked in text or constrained mode: in logprobs mode an "
                             "answer is a distribution, whose share on not choosing is not counted yet")
        return mode

    @field_validator("protocols")
    @classmethod
    def _known_protocols(cls, protocols: list[str]) -> list[str]:
        for name in protocols:
            if name not in PROTOCOL_IDS:
                raise ValueError(f"unknown protocol {name!r}: one of {', '.join(PROTOCOL_IDS)}")
        if len(set(protocols)) != len(protocols):
            raise ValueError("each protocol may appear once")
        return protocols

    def persona_ids(self) -> list[str]:
        """The conditions asked, baseline first when included, without duplicates."""
        ids = ([BASELINE_ID] if self.include_baseline else []) + list(self.personas)
        return list(dict.fromkeys(ids))

    def config_hash(self) -> str:
        """Hash of everything that changes what is asked (not the name, not where the servers are)."""
        record = self.model_dump(mode="json", exclude={"name"})
        for model in record["models"]:
            model.pop("endpoints"), model.pop("profile"), model.pop("concurrency")
        record["personas"] = self.persona_ids()
        record.pop("include_baseline")
        if record["protocols"] == [STANDARD]:
            record.pop("protocols")  # the one way of asking runs had before: the same hash as then
        return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]

    def token_cap(self) -> int:
        """The max_tokens each request is sent with."""
        if self.max_tokens is not None:
            return self.max_tokens
        return 1 if self.answer_mode == AnswerMode.LOGPROBS else DEFAULT_MAX_TOKENS

    def reasoning_warnings(self) -> list[str]:
        """One line per model known to reason whose thinking may not fit under the token cap."""
        from valuegap_tui.server.answers import token_cap_warning

        thinking_off = self.chat_template_kwargs.get("enable_thinking") is False
        found = (token_cap_warning(m.name, self.token_cap(), thinking_off=thinking_off) for m in self.models)
        return [w for w in found if w]

    def extra_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.chat_template_kwargs:
            body["chat_template_kwargs"] = dict(self.chat_template_kwargs)
        if self.reasoning_effort:
            body["reasoning_effort"] = self.reasoning_effort
        return body

    # --- files ----------------------------------------------------------------------------------
    @classmethod
    def from_toml_text(cls, text: str, source: str = "run definition") -> "RunDefinition":
        try:
            raw = parse_toml(text, source, current_limits())
        except ConfigError as exc:
            raise RunDefinitionError(str(exc)) from None
        return cls.from_dict(raw, source, text)

    @classmethod
    def from_dict(cls, raw: dict, source: str = "run definition", text: str | None = None) -> "RunDefinition":
        """The definition in ``raw``; ``text``, the TOML it was read from, lets each problem name its line."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            if text is None:
                raise RunDefinitionError(f"{source}: {format_validation_error(exc)}") from None
            lines = TomlLines(text)
            problems = []
            for error in exc.errors():
                loc = tuple(error.get("loc", ()))
                line = lines.line_of(loc)
                problems.append(f"{f'line {line}, ' if line else ''}{'.'.join(str(p) for p in loc) or '(file)'}: "
                                f"{error.get('msg', '').removeprefix('Value error, ')}")
            raise RunDefinitionError(f"{source}: {'; '.join(problems)}") from None

    @classmethod
    def load(cls, path: Path | str) -> "RunDefinition":
        path = Path(path)
        try:
            text = read_toml_text(path, current_limits())
        except FileNotFoundError:
            raise RunDefinitionError(f"{path}: no such file") from None
        except ConfigError as exc:
            raise RunDefinitionError(str(exc)) from None
        return cls.from_toml_text(text, str(path))

    def to_toml(self) -> str:
        import tomli_w  # only to write TOML: `run start` reads definitions with the standard library

        return tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))

    def to_json(self) -> str:
        return self.model_dump_json()


def starter_definition(*, model: str | None = None, base_url: str | None = None, accepted: bool = True,
                       source: str | None = None) -> str:
    """The TOML a new run's form starts with: the server and model that are running, when known.

    ``source`` says in a comment where they came from; ``accepted`` False (a study with no accepted
    dilemma yet, as the demo's) asks every status so the run has something to ask.
    """
    name = model or "MODEL-NAME"
    where = f'endpoints = [{_toml_string(base_url)}]' if base_url else 'endpoints = ["http://127.0.0.1:8000/v1"]'
    status = '["accepted"]' if accepted else '[]                 # no accepted dilemma yet: every status'
    lines = [
        f"name = {_toml_string(_run_name(model))}",
        "repeats = 5",
        "seed = 0",
        'answer_mode = "text"      # text | constrained | logprobs',
        "temperature = 1.0         # each repeat a draw from the model's own answer distribution",
        "# max_tokens = 4096       # the default (1 in logprobs mode): room for a reasoning model's thinking",
        "personas = []             # persona ids; the baseline is included",
        'protocols = ["standard"]  # ways of asking: ' + " | ".join(PROTOCOL_IDS),
        "[[models]]",
        f"name = {_toml_string(name)}" + (f"   # {one_line(source)}" if source else ""),
        where,
        "concurrency = 64",
        "[dilemmas]",
        f"status = {status}",
    ]
    return "\n".join(lines) + "\n"


def _run_name(model: str | None) -> str:
    if not model:
        return "my-run"
    return "run-" + "".join(c if c.isalnum() or c in "-_." else "-" for c in model.split("/")[-1])[:40]


def _toml_string(text: str) -> str:
    import tomli_w

    # a served model name is untrusted text: tomli_w escapes whatever TOML cannot hold as it is
    return tomli_w.dumps({"s": text}).split("=", 1)[1].strip()
