"""Provider and model names from usage data, in the ids matching uses.

Model IDs go through `pipeline.alerts.match.normalize_model_id` (the same rules matching applies),
after a configured `model_map` (Azure deployment names) and with Bedrock ARNs cut to their
model part. Provider names as OpenTelemetry (`gen_ai.provider.name`, `gen_ai.system`) and
LiteLLM (`custom_llm_provider`) spell them map to the project's provider ids through the one
map every reader shares (`pipeline.core.provider_names`).
"""

from __future__ import annotations

from pipeline.core.model_ids import normalize_model_id
from pipeline.core.provider_names import provider_id
from pipeline.core.usage_config import UsageSourceConfig

__all__ = ["normalize", "provider_id"]


def normalize(
    raw_model: str, source: UsageSourceConfig, *, provider_hint: str | None = None
) -> tuple[str, str]:
    """(provider, canonical model) of a model name in usage data.

    The provider is, in order: the source's configured `provider`, the data's own provider
    (`provider_hint`, already a provider id), the platform the ID's form proves (Bedrock,
    Vertex, `openai/...`), else "*".
    """
    model = raw_model.strip()
    mapped = source.model_map.get(model) or source.model_map.get(model.lower())
    if mapped:
        model = mapped
    hint = provider_hint
    if model.lower().startswith("arn:aws:bedrock:"):
        model = model.rsplit("/", 1)[-1]
        hint = hint or "aws-bedrock"
    platform, canonical = normalize_model_id(model)
    provider = source.provider or hint or platform or "*"
    return provider, canonical
