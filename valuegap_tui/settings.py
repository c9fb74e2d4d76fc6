"""The user's settings, typed: every section of ``config.toml`` and valuegap's environment variables.

``Settings`` is the one model of the config file: ``[reviewer]``, ``[keys]``, ``[servers]`` and
``[limits]``. Values are checked as written, without guessing: ``blind = "false"`` is a string, not a
switch, and ``name = 5`` is a number, not a name; both are refused rather than read as something the
person did not write. An unknown key (a typo) is refused too. Every problem in the file is listed,
each with its line and field (``valuegap config check`` prints them one per line).

A command reads only the sections it uses (``load_settings(only=...)``), so a broken ``[servers]`` table
does not stop a review; the sections it does read are checked in full.

``Environment`` holds valuegap's own variables (``VALUEGAP_*``). The command line checks them before a
command runs: a value that cannot be read is refused with its name, never silently ignored. An empty
variable counts as unset.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr,
                      ValidationError, field_validator, model_validator)

from valuegap_tui.config import ConfigError, TomlLines, config_path, parse_toml, read_toml_text
from valuegap_tui.limits import Limits
from valuegap_tui.urls import normalise_base_url, strip_credentials

DEFAULT_CONCURRENCY = 64
Transport = Literal["http", "aiohttp", "openai"]
#: how ChatRequest.choices reaches the server; "auto" uses what the probe found honoured
ConstraintStyle = Literal["auto", "structured_outputs", "json_schema", "guided_choice"]
SECTIONS = ("reviewer", "keys", "servers", "limits")


class SettingsError(ConfigError):
    """The config file or an environment variable holds values that cannot be used; ``problems`` lists
    each one as "line N, FIELD: what is wrong"."""

    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems
        listed = problems[0] if len(problems) == 1 else f"{len(problems)} problems: " + "; ".join(problems)
        super().__init__(f"{source}: {listed}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


Count = Annotated[StrictInt, Field(ge=1)]


class ReviewerSettings(_Section):
    """Who reviews (names every change in the history) and whether blind mode is on."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=200)] | None = None
    blind: StrictBool = False


class LimitSettings(_Section):
    """How much one input may hold (valuegap_tui.limits says where each cap applies)."""

    input_mb: StrictInt = Field(256, ge=1, le=1_048_576)
    field_chars: StrictInt = Field(131_072, ge=1_024, le=2**31 - 1)
    json_depth: StrictInt = Field(64, ge=8, le=500)


class GenerationSettings(_Section):
    """Defaults applied to every request of a server profile unless the request sets them."""

    temperature: StrictFloat | None = None
    top_p: StrictFloat | None = None
    max_tokens: Count | None = None
    seed: StrictInt | None = None
    #: False switches Qwen3-style thinking off (chat_template_kwargs.enable_thinking)
    enable_thinking: StrictBool | None = None
    #: gpt-oss style models: "low" | "medium" | "high"
    reasoning_effort: StrictStr | None = None
    #: token budget for reasoning models in text/constrained answer modes
    reasoning_max_tokens: StrictInt = Field(4096, ge=16)
    extra_body: dict[str, Any] = Field(default_factory=dict)

    def body_defaults(self) -> dict[str, Any]:
        """Fields merged under each request body (the request wins)."""
        body: dict[str, Any] = dict(self.extra_body)
        for key in ("temperature", "top_p", "max_tokens", "seed", "reasoning_effort"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        if self.enable_thinking is not None:
            kwargs = dict(body.get("chat_template_kwargs") or {})
            kwargs["enable_thinking"] = self.enable_thinking
            body["chat_template_kwargs"] = kwargs
        return body


class ProfileOptions(BaseModel):
    """How a profile's requests are sent: shared by the file's tables and the profiles built from them."""

    timeout_s: StrictFloat = Field(120.0, gt=0)
    max_attempts: StrictInt = Field(6, ge=1, le=50)
    backoff_base_s: StrictFloat = Field(0.5, ge=0)
    backoff_max_s: StrictFloat = Field(30.0, ge=0)
    transport: Transport = "http"
    constraint: ConstraintStyle = "auto"
    generation: GenerationSettings = Field(default_factory=GenerationSettings)


def _checked_url(url: str) -> str:
    normalise_base_url(strip_credentials(url))  # refuses what no request could reach
    return url  # kept as written: the profile strips its credentials when it is built


#: an endpoint URL a request could reach (a host, a port in 1-65535), kept as written
ServerUrl = Annotated[StrictStr, AfterValidator(_checked_url)]


class EndpointTable(_Section):
    """One endpoint of a profile: a URL, or ``{url = ..., concurrency = ..., api_key_env = ...}``."""

    url: ServerUrl
    concurrency: StrictInt | None = Field(None, ge=1, le=10_000)
    api_key: StrictStr | None = None
    api_key_env: StrictStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_url(cls, value: Any) -> Any:
        return {"url": value} if isinstance(value, str) else value


class ProfileTable(ProfileOptions):
    """A ``[servers.NAME]`` table as written in the file."""

    model_config = ConfigDict(extra="forbid")

    model: StrictStr | None = None
    endpoints: list[EndpointTable] | None = None
    url: ServerUrl | None = None
    concurrency: StrictInt = Field(DEFAULT_CONCURRENCY, ge=1, le=10_000)
    api_key: StrictStr | None = None
    api_key_env: StrictStr | None = None

    @field_validator("endpoints", mode="before")
    @classmethod
    def _one_url(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class ServersSection(_Section):
    """``[servers]``: an optional ``default`` and one table per profile."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, ProfileTable] = Field(init=False)

    default: StrictStr | None = None

    @property
    def profiles(self) -> dict[str, ProfileTable]:
        return dict(self.__pydantic_extra__ or {})


class Settings(_Section):
    """Every section of the config file."""

    reviewer: ReviewerSettings = Field(default_factory=ReviewerSettings)
    #: binding id -> key, e.g. "review.accept" = "enter" (docs/review.md)
    keys: dict[StrictStr, Annotated[StrictStr, Field(min_length=1)]] = Field(default_factory=dict)
    servers: ServersSection = Field(default_factory=ServersSection)
    limits: LimitSettings = Field(default_factory=LimitSettings)


def _cross_checks(raw: dict) -> list[tuple[tuple, str]]:
    """Problems no single field shows: (field, what is wrong)."""
    problems = []
    servers = raw.get("servers")
    if isinstance(servers, dict) and isinstance(default := servers.get("default"), str):
        profiles = sorted(name for name, table in servers.items() if name != "default" and isinstance(table, dict))
        if default not in profiles and default != "env":
            problems.append((("servers", "default"), f"{default!r} names no profile (profiles here:"
                                                     f" {', '.join(profiles) or 'none'}): name one, or remove the line"))
    return problems


_TYPE_WORDS = {"bool_type": "true or false (without quotes)", "string_type": "text in quotes",
               "int_type": "a whole number", "float_type": "a number", "dict_type": "a table",
               "list_type": "a list in brackets", "model_type": "a table"}


def _message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown setting: check its spelling (docs/servers.md and docs/review.md list the settings)"
    if kind in _TYPE_WORDS:
        if "api_key" in error.get("loc", ()):
            return f"must be {_TYPE_WORDS[kind]}"  # never echo what may be a secret
        shown = repr(error.get("input"))
        return f"must be {_TYPE_WORDS[kind]}, not {shown if len(shown) <= 60 else shown[:57] + '...'}"
    return error.get("msg", "").removeprefix("Value error, ")


def load_settings(path: Path | None = None, *, only: tuple[str, ...] | None = None) -> Settings:
    """The settings in ``path`` (default: the user's config.toml; none there: the defaults).

    ``only`` reads just those sections (the others keep their defaults and are not checked). Raises
    SettingsError listing every problem with its line and field, or ConfigError for a file that is
    not TOML at all.
    """
    path = Path(path) if path is not None else config_path()
    try:
        limits = current_limits(from_config=False)  # the file's own [limits] cannot bound reading it
    except SettingsError:
        limits = Limits()  # a variable that cannot be read is reported where the environment is checked
    try:
        text = read_toml_text(path, limits)
    except FileNotFoundError:
        return Settings()
    raw = parse_toml(text, str(path), limits)
    if only is not None:
        raw = {name: raw[name] for name in only if name in raw}
    found = _cross_checks(raw)
    settings = None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        found += [(tuple(e.get("loc", ())), _message(e)) for e in exc.errors()]
    if found:
        lines = TomlLines(text)
        located = sorted(((lines.line_of(loc) or 0, lines.field_name(loc) or "the file", message)
                          for loc, message in found), key=lambda problem: problem[0])
        raise SettingsError(str(path), [f"{f'line {line}, ' if line else ''}{field}: {message}"
                                        for line, field, message in located])
    assert settings is not None
    return settings


def check_config(path: Path | None = None) -> list[str]:
    """Every problem of the config file, one per item ([] when it is fine): for `valuegap config check`.
    The [keys] section is checked against the app's bindings too: unknown ids and keys taken twice."""
    from valuegap_tui.keymap import check_keymap

    try:
        settings = load_settings(path)
    except SettingsError as exc:
        return list(exc.problems)
    except ConfigError as exc:
        return [str(exc)]
    return check_keymap(settings.keys)[1]


# --- environment ------------------------------------------------------------------------------------
class Environment(BaseModel):
    """valuegap's own environment variables (docs/servers.md lists them)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    study: Path | None = Field(None, alias="VALUEGAP_STUDY")
    config_dir: Path | None = Field(None, alias="VALUEGAP_CONFIG_DIR")
    persona_variables: Path | None = Field(None, alias="VALUEGAP_PERSONA_VARIABLES")
    model: str | None = Field(None, alias="VALUEGAP_MODEL")
    busy_timeout_s: float | None = Field(None, alias="VALUEGAP_BUSY_TIMEOUT_S", ge=0, le=86_400, allow_inf_nan=False)
    max_input_mb: int | None = Field(None, alias="VALUEGAP_MAX_INPUT_MB", ge=1, le=1_048_576)
    max_field_chars: int | None = Field(None, alias="VALUEGAP_MAX_FIELD_CHARS", ge=1_024, le=2**31 - 1)
    max_json_depth: int | None = Field(None, alias="VALUEGAP_MAX_JSON_DEPTH", ge=8, le=500)


ENV_NAMES = tuple(field.alias for field in Environment.model_fields.values())
_ENV_HINTS = {
    "VALUEGAP_BUSY_TIMEOUT_S": "a number of seconds, such as 30",
    "VALUEGAP_MAX_INPUT_MB": "a whole number of MiB, such as 256",
    "VALUEGAP_MAX_FIELD_CHARS": "a whole number of characters, such as 131072",
    "VALUEGAP_MAX_JSON_DEPTH": "a whole number of levels, such as 64",
}


def environment(env: dict[str, str] | None = None) -> Environment:
    """valuegap's variables from ``env`` (default: this process's); SettingsError names each bad one."""
    env = os.environ if env is None else env
    present = {name: env[name] for name in ENV_NAMES if env.get(name, "") != ""}
    try:
        return Environment.model_validate(present)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0])
            hint = _ENV_HINTS.get(name, "a valid value")
            reason = error.get("msg", "").removeprefix("Value error, ")
            problems.append(f"{name}={strip_credentials(str(present.get(name)))[:80]!r}: {reason}; set it to {hint},"
                            " or unset it")
        raise SettingsError("environment", problems) from None


# --- limits -----------------------------------------------------------------------------------------
_limits_cache: dict[tuple, Limits] = {}


def current_limits(*, from_config: bool = True) -> Limits:
    """The caps in force (valuegap_tui.limits): the environment's, else the config's [limits], else the
    defaults. ``from_config`` False reads the environment only (for reading the config file itself).
    Cached until the variables or the config file change."""
    env = environment()
    path = config_path() if from_config else None
    try:
        stamp = path.stat() if path is not None else None
        key = (env, str(path), stamp and (stamp.st_mtime_ns, stamp.st_size))
    except OSError:
        key = (env, str(path), None)
    if key not in _limits_cache:
        in_file = load_settings(path, only=("limits",)).limits if path is not None else LimitSettings()
        _limits_cache.clear()
        _limits_cache[key] = Limits(
            input_mb=env.max_input_mb or in_file.input_mb, field_chars=env.max_field_chars or in_file.field_chars,
            json_depth=env.max_json_depth or in_file.json_depth)
    return _limits_cache[key]
