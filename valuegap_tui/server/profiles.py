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
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from valuegap_tui.config import ConfigError
from valuegap_tui.urls import basic_auth_for, normalise_base_url, strip_credentials
from valuegap_tui.settings import (DEFAULT_CONCURRENCY, ConstraintStyle, EndpointTable, GenerationSettings,
                                   ProfileOptions, ProfileTable, ServersSection, Transport, load_settings)

__all__ = ["ConstraintStyle", "DEFAULT_CONCURRENCY", "Endpoint", "GenerationSettings", "ProfileError",
           "ServerProfile", "Transport", "get_profile", "load_profiles", "normalise_base_url", "profile_for_url"]

ENV_PROFILE = "env"


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


class ServerProfile(ProfileOptions):
    """A model and the endpoints that serve it."""

    name: str
    model: str | None = None
    endpoints: list[Endpoint] = Field(min_length=1)
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


def _resolve_key(table: ProfileTable | EndpointTable, inherited: SecretStr | None, where: str) -> SecretStr | None:
    if table.api_key_env:
        value = os.environ.get(table.api_key_env)
        if value is None:
            raise ProfileError(f"{where}: environment variable {table.api_key_env} (api_key_env) is not set")
        return SecretStr(value)
    if table.api_key is not None:
        return SecretStr(table.api_key)
    return inherited


def _profile_from_table(name: str, table: ProfileTable, source: str) -> ServerProfile:
    """The profile a checked ``[servers.NAME]`` table describes, with its keys read from where it says."""
    where = f"[servers.{name}]"
    default_key = _resolve_key(table, SecretStr(os.environ["OPENAI_API_KEY"]) if "OPENAI_API_KEY" in os.environ else None, where)
    entries = table.endpoints
    if entries is None and table.url is not None:
        entries = [EndpointTable(url=table.url)]
    if entries is None and os.environ.get("OPENAI_BASE_URL"):
        entries = [EndpointTable.model_construct(url=os.environ["OPENAI_BASE_URL"], concurrency=None,
                                                 api_key=None, api_key_env=None)]
    if not entries:
        raise ProfileError(f"{where}: no endpoints (endpoints = [\"http://host:8000/v1\"])")
    try:
        endpoints = [Endpoint(url=e.url, concurrency=e.concurrency or table.concurrency,
                              api_key=_resolve_key(e, default_key, where)) for e in entries]
        options = table.model_dump(include=set(ProfileOptions.model_fields))
        return ServerProfile(name=name, model=table.model, endpoints=endpoints, source=source, **options)
    except ValidationError as exc:
        raise ProfileError(f"{where}: {_problems(exc)}") from None


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


def _servers_section(path: Path | None) -> ServersSection:
    """The checked [servers] section of ``path``, else of the user config; ProfileError naming every
    problem with its line when it cannot be used."""
    if path is not None and not Path(path).exists():
        raise ProfileError(f"{path}: no such file")
    try:
        return load_settings(path, only=("servers",)).servers
    except ConfigError as exc:
        raise ProfileError(str(exc)) from None


def load_profiles(path: Path | None = None) -> dict[str, ServerProfile]:
    """Every profile: the config's [servers] tables (or those of ``path``), then "env" if set."""
    source = str(path) if path else "config"
    profiles = {name: _profile_from_table(name, table, source)
                for name, table in _servers_section(path).profiles.items()}
    if ENV_PROFILE not in profiles and (env := env_profile()) is not None:
        profiles[ENV_PROFILE] = env
    return profiles


def default_profile_name(path: Path | None = None) -> str | None:
    try:
        return _servers_section(path).default
    except ProfileError:
        return None


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
