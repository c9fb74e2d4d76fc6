"""Server profiles: which OpenAI-compatible endpoints serve which model, and how to call them.

Profiles come from the ``[servers]`` section of the user config (or any TOML file with that section)
and from the OpenAI SDK's environment variables. A profile names one model and one or more endpoints
(one per GPU server); the client spreads requests over them.

API keys live only in the environment or the config file. They are held as ``SecretStr`` so that
printing, logging or dumping a profile never shows them; nothing here writes them anywhere.

Config format::

    [servers]
    default = "local"            # optional: the profile used when none is named

    [servers.local]
    model = "Qwen/Qwen3-8B"      # optional: else the first model the server lists
    endpoints = ["http://gpu1:8000/v1", {url = "http://gpu2:8000/v1", concurrency = 128}]
    concurrency = 256            # requests in flight per endpoint
    api_key_env = "VLLM_KEY"     # read the key from this variable (or api_key = "..." in the file)
    timeout_s = 120
    transport = "http"           # the lean built-in client; or "aiohttp", or "openai" (the SDK; slower)

    [servers.local.generation]
    temperature = 0.0
    enable_thinking = false      # Qwen3-style chat_template_kwargs
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from valuegap_tui.config import ConfigError, load_section, read_toml
from valuegap_tui.server.urls import basic_auth_for, strip_credentials

ENV_PROFILE = "env"
DEFAULT_CONCURRENCY = 64

Transport = Literal["http", "aiohttp", "openai"]
#: how ChatRequest.choices reaches the server; "auto" uses what the probe found honoured
ConstraintStyle = Literal["auto", "structured_outputs", "json_schema", "guided_choice"]


def normalise_base_url(url: str) -> str:
    """``http://host:8000`` and ``http://host:8000/v1/`` both become ``http://host:8000/v1``."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"endpoint URL must start with http:// or https://: {strip_credentials(url)!r}")
    return url if url.endswith("/v1") else url + "/v1"


def server_root(base_url: str) -> str:
    """Where /health lives: the base URL without its trailing /v1."""
    return base_url[: -len("/v1")] if base_url.endswith("/v1") else base_url


class Endpoint(BaseModel):
    """One server that serves the profile's model."""

    model_config = ConfigDict(frozen=True)

    url: str
    concurrency: int = Field(DEFAULT_CONCURRENCY, ge=1, le=10_000)
    api_key: SecretStr | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return normalise_base_url(strip_credentials(value))

    @property
    def display_url(self) -> str:
        return self.url  # credentials never stay in it (see server.urls)

    def authorization(self) -> str | None:
        """The Authorization header: credentials from the URL (Basic) win over the API key (Bearer),
        because they were given for this very server."""
        if basic := basic_auth_for(self.url):
            return basic
        return f"Bearer {self.api_key.get_secret_value()}" if self.api_key is not None else None

    def __str__(self) -> str:
        return f"{self.display_url} (x{self.concurrency})"


class GenerationSettings(BaseModel):
    """Defaults applied to every request of the profile unless the request sets them."""

    model_config = ConfigDict(extra="forbid")

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = Field(None, ge=1)
    seed: int | None = None
    #: False switches Qwen3-style thinking off (chat_template_kwargs.enable_thinking)
    enable_thinking: bool | None = None
    #: gpt-oss style models: "low" | "medium" | "high"
    reasoning_effort: str | None = None
    #: token budget for reasoning models in text/constrained answer modes
    reasoning_max_tokens: int = Field(4096, ge=16)
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


class ServerProfile(BaseModel):
    """A model and the endpoints that serve it."""

    name: str
    model: str | None = None
    endpoints: list[Endpoint] = Field(min_length=1)
    timeout_s: float = Field(120.0, gt=0)
    max_attempts: int = Field(6, ge=1, le=50)
    backoff_base_s: float = Field(0.5, ge=0)
    backoff_max_s: float = Field(30.0, ge=0)
    transport: Transport = "http"
    constraint: ConstraintStyle = "auto"
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    #: where the profile came from ("config", "env", a file path): shown, never secret
    source: str = "config"

    @property
    def capacity(self) -> int:
        return sum(e.concurrency for e in self.endpoints)

    def describe(self) -> str:
        urls = ", ".join(str(e) for e in self.endpoints)
        return f"{self.name}: model {self.model or '(first listed)'} on {urls} [{self.transport}]"


class ProfileError(ValueError):
    """A profile cannot be read or does not exist."""


def _resolve_key(table: dict[str, Any], inherited: SecretStr | None, where: str) -> SecretStr | None:
    if env_name := table.get("api_key_env"):
        value = os.environ.get(str(env_name))
        if value is None:
            raise ProfileError(f"{where}: environment variable {env_name} (api_key_env) is not set")
        return SecretStr(value)
    if "api_key" in table:
        return SecretStr(str(table["api_key"]))
    return inherited


def _profile_from_table(name: str, table: dict[str, Any], source: str) -> ServerProfile:
    where = f"[servers.{name}]"
    if not isinstance(table, dict):
        raise ProfileError(f"{where} must be a table")
    default_key = _resolve_key(table, SecretStr(os.environ["OPENAI_API_KEY"]) if "OPENAI_API_KEY" in os.environ else None, where)
    concurrency = table.get("concurrency", DEFAULT_CONCURRENCY)
    raw_endpoints = table.get("endpoints")
    if raw_endpoints is None and "url" in table:
        raw_endpoints = [table["url"]]
    if raw_endpoints is None and os.environ.get("OPENAI_BASE_URL"):
        raw_endpoints = [os.environ["OPENAI_BASE_URL"]]
    if not raw_endpoints:
        raise ProfileError(f"{where}: no endpoints (endpoints = [\"http://host:8000/v1\"])")
    if isinstance(raw_endpoints, str):
        raw_endpoints = [raw_endpoints]
    endpoints = []
    try:
        for item in raw_endpoints:
            if isinstance(item, str):
                endpoints.append(Endpoint(url=item, concurrency=concurrency, api_key=default_key))
            elif isinstance(item, dict):
                key = _resolve_key(item, default_key, where)
                endpoints.append(Endpoint(url=item.get("url", ""), concurrency=item.get("concurrency", concurrency), api_key=key))
            else:
                raise ProfileError(f"{where}: each endpoint is a URL or a table with url = ...")
        fields = {k: v for k, v in table.items() if k not in {"endpoints", "url", "concurrency", "api_key", "api_key_env"}}
        return ServerProfile(name=name, endpoints=endpoints, source=source, **fields)
    except ValidationError as exc:
        raise ProfileError(f"{where}: {_problems(exc)}") from None
    except TypeError as exc:
        raise ProfileError(f"{where}: {exc}") from None


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg'].removeprefix('Value error, ')}"
                     for e in exc.errors())


def env_profile(model: str | None = None) -> ServerProfile | None:
    """The profile the OpenAI SDK's variables describe (OPENAI_BASE_URL, OPENAI_API_KEY), if set."""
    base_url = os.environ.get("OPENAI_BASE_URL")
    if not base_url:
        return None
    key = os.environ.get("OPENAI_API_KEY")
    try:
        endpoint = Endpoint(url=base_url, api_key=SecretStr(key) if key else None)
    except ValidationError as exc:
        raise ProfileError(f"OPENAI_BASE_URL: {_problems(exc)}") from None
    return ServerProfile(name=ENV_PROFILE, model=model or os.environ.get("VALUEGAP_MODEL"), endpoints=[endpoint], source="env")


def _servers_section(path: Path | None) -> dict[str, Any]:
    """The [servers] table of ``path``, else of the user config; ProfileError when it cannot be read."""
    try:
        if path is None:
            return load_section("servers")
        section = read_toml(Path(path)).get("servers", {})
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such file") from None
    except ConfigError as exc:
        raise ProfileError(str(exc)) from None
    if not isinstance(section, dict):
        raise ProfileError(f"{path}: [servers] must be a table")
    return section


def load_profiles(path: Path | None = None) -> dict[str, ServerProfile]:
    """Every profile: the config's [servers] tables (or those of ``path``), then "env" if set."""
    source = str(path) if path else "config"
    section = _servers_section(path)
    profiles: dict[str, ServerProfile] = {}
    for name, table in section.items():
        if name == "default":
            continue
        profiles[name] = _profile_from_table(name, table, source)
    if ENV_PROFILE not in profiles and (env := env_profile()) is not None:
        profiles[ENV_PROFILE] = env
    return profiles


def default_profile_name(path: Path | None = None) -> str | None:
    try:
        section = _servers_section(path)
    except ProfileError:
        return None
    value = section.get("default")
    return value if isinstance(value, str) else None


def get_profile(name: str | None = None, path: Path | None = None) -> ServerProfile:
    """The named profile; without a name: the configured default, else the only one, else "env"."""
    profiles = load_profiles(path)
    name = name or default_profile_name(path)
    if name:
        if name not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            raise ProfileError(f"no server profile {name!r} (known: {known})")
        return profiles[name]
    if len(profiles) == 1:
        return next(iter(profiles.values()))
    if ENV_PROFILE in profiles:
        return profiles[ENV_PROFILE]
    if not profiles:
        raise ProfileError(
            "no server configured: set OPENAI_BASE_URL, pass --base-url, or add a [servers.NAME] table to the config"
        )
    raise ProfileError(f"several server profiles ({', '.join(sorted(profiles))}): name one, or set [servers] default")


def profile_for_url(
    base_url: str,
    *,
    model: str | None = None,
    api_key: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    name: str = "adhoc",
    **settings: Any,
) -> ServerProfile:
    """A one-endpoint profile for a URL given on the command line or by a test."""
    key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
    try:
        endpoint = Endpoint(url=base_url, concurrency=concurrency, api_key=SecretStr(key) if key else None)
        return ServerProfile(name=name, model=model, endpoints=[endpoint], source="command line", **settings)
    except ValidationError as exc:
        raise ProfileError(f"--base-url: {_problems(exc)}") from None
