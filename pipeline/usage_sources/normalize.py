"""Provider and model names from usage data, in the ids matching uses.

Model IDs go through `pipeline.match.normalize_model_id` (the same rules matching applies),
after a configured `model_map` (Azure deployment names) and with Bedrock ARNs cut to their
model part. Provider names as OpenTelemetry (`gen_ai.provider.name`, `gen_ai.system`) and
LiteLLM (`custom_llm_provider`) spell them map to the project's provider ids.
"""

from __future__ import annotations

from pipeline.match import normalize_model_id
from pipeline.usage_sources.config import UsageSourceConfig

PROVIDER_NAMES = {
    # OpenTelemetry GenAI semantic conventions (current and older spellings)
    "openai": "openai",
    "anthropic": "anthropic",
    "aws.bedrock": "aws-bedrock",
    "azure.ai.openai": "azure-openai",
    "az.ai.openai": "azure-openai",
    "azure.ai.inference": "azure-ai",
    "az.ai.inference": "azure-ai",
    "gcp.vertex_ai": "google-vertex",
    "vertex_ai": "google-vertex",
    "gcp.gemini": "google-gemini-api",
    "gemini": "google-gemini-api",
    "gcp.gen_ai": "google-gemini-api",
    "mistral_ai": "mistral",
    "cohere": "cohere",
    "deepseek": "deepseek",
    "x_ai": "xai",
    "xai": "xai",
    "groq": "groq",
    "perplexity": "perplexity",
    "ibm.watsonx.ai": "ibm-watsonx",
    # LiteLLM custom_llm_provider
    "bedrock": "aws-bedrock",
    "bedrock_converse": "aws-bedrock",
    "azure": "azure-openai",
    "azure_ai": "azure-ai",
    "vertex_ai_beta": "google-vertex",
    "mistral": "mistral",
    "openai_compatible": "openai",
    "text-completion-openai": "openai",
}


def provider_id(name: str | None) -> str | None:
    """The project's provider id for a provider name found in usage data (None if unknown)."""
    if not name:
        return None
    return PROVIDER_NAMES.get(name.strip().lower())


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
