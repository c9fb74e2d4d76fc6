"""One shared-client pool per model of a run, from its endpoints or its server profile."""

from __future__ import annotations

import os

from pydantic import SecretStr

from valuegap_tui.plan.definition import ModelSpec, RunDefinition
from valuegap_tui.server.client import ModelPool
from valuegap_tui.server.profiles import Endpoint, ProfileError, ServerProfile, env_profile, get_profile


def profile_for_spec(spec: ModelSpec) -> ServerProfile:
    """The server profile a run's model is asked through; ProfileError if its profile is unknown.

    A model with neither is asked where OPENAI_BASE_URL points (the "env" profile).
    Endpoints listed in the run take their key (and other settings) from the model's profile when it
    names one, else the key from OPENAI_API_KEY, as every other endpoint does.
    """
    base = get_profile(spec.profile) if spec.profile else None
    if not spec.endpoints and base is None:
        base = env_profile(spec.name)
        if base is None:
            raise ProfileError(f"model {spec.name!r} names no endpoints and no server profile, and "
                               "OPENAI_BASE_URL is not set: add endpoints = [\"http://HOST:PORT/v1\"] or set it")
    if not spec.endpoints:
        return base.model_copy(update={"model": spec.name})
    if base is not None:
        key = base.endpoints[0].api_key
    else:
        key = SecretStr(os.environ["OPENAI_API_KEY"]) if os.environ.get("OPENAI_API_KEY") else None
    endpoints = [Endpoint(url=url, concurrency=spec.concurrency, api_key=key) for url in spec.endpoints]
    if base is not None:
        return base.model_copy(update={"model": spec.name, "endpoints": endpoints})
    return ServerProfile(name=spec.name, model=spec.name, source="run definition", endpoints=endpoints)


def pool_for(spec: ModelSpec) -> ModelPool:
    return ModelPool.from_profile(profile_for_spec(spec))


def pools_for(definition: RunDefinition) -> dict[str, ModelPool]:
    return {spec.name: pool_for(spec) for spec in definition.models}
