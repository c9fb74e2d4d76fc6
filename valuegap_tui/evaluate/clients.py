"""One shared-client pool per model of a run, from its endpoints or its server profile."""

from __future__ import annotations

from valuegap_tui.runs import ModelSpec, RunDefinition
from valuegap_tui.server.client import ModelPool
from valuegap_tui.server.profiles import Endpoint, ServerProfile, get_profile


def pool_for(spec: ModelSpec) -> ModelPool:
    if spec.endpoints:
        profile = ServerProfile(name=spec.name, model=spec.name, source="run definition",
                                endpoints=[Endpoint(url=url, concurrency=spec.concurrency) for url in spec.endpoints])
    else:
        profile = get_profile(spec.profile).model_copy(update={"model": spec.name})
    return ModelPool.from_profile(profile)


def pools_for(definition: RunDefinition) -> dict[str, ModelPool]:
    return {spec.name: pool_for(spec) for spec in definition.models}
