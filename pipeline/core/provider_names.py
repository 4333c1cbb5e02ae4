"""Provider names as other systems spell them -> the provider ids sources.yml uses.

One map for every reader, so a reference catalogue's entry and a usage row about the same
provider always meet the same records: LiteLLM's `litellm_provider` / `custom_llm_provider`
(`model_prices_and_context_window.json`, spend logs), modeldeprecations.dev's `provider`
slugs, and OpenTelemetry's `gen_ai.provider.name` (and the older `gen_ai.system`) from the
GenAI semantic conventions. Core: imports nothing of the pipeline.
"""

from __future__ import annotations

import re

PROVIDER_NAMES: dict[str, str] = {
    # shared spellings
    "openai": "openai",
    "anthropic": "anthropic",
    "cohere": "cohere",
    "mistral": "mistral",
    "deepseek": "deepseek",
    "groq": "groq",
    "xai": "xai",
    "perplexity": "perplexity",
    "alibaba": "alibaba",
    # LiteLLM routes (litellm_provider / custom_llm_provider)
    "text-completion-openai": "openai",
    "openai_compatible": "openai",
    "gemini": "google-gemini-api",
    "vertex_ai": "google-vertex",
    "vertex_ai_beta": "google-vertex",
    "bedrock": "aws-bedrock",
    "bedrock_converse": "aws-bedrock",
    "azure": "azure-openai",
    "azure_text": "azure-openai",
    "azure_ai": "azure-foundry",
    "cohere_chat": "cohere",
    "dashscope": "alibaba",
    # modeldeprecations.dev provider slugs
    "google": "google-gemini-api",
    "vertex": "google-vertex",
    "google-vertex": "google-vertex",
    "amazon": "aws-bedrock",
    "aws-bedrock": "aws-bedrock",
    "azure-openai": "azure-openai",
    "azure-foundry": "azure-foundry",
    "google-gemini-api": "google-gemini-api",
    # OpenTelemetry GenAI semantic conventions (gen_ai.provider.name; older gen_ai.system)
    "aws.bedrock": "aws-bedrock",
    "azure.ai.openai": "azure-openai",
    "az.ai.openai": "azure-openai",
    "azure.ai.inference": "azure-foundry",
    "az.ai.inference": "azure-foundry",
    "gcp.vertex_ai": "google-vertex",
    "gcp.gemini": "google-gemini-api",
    "gcp.gen_ai": "google-gemini-api",
    "mistral_ai": "mistral",
    "x_ai": "xai",
    "ibm.watsonx.ai": "ibm-watsonx",
}
# Route families named by prefix (LiteLLM's `vertex_ai-language-models`, `vertex_ai-chat-models`).
_PREFIXES = (("vertex_ai-", "google-vertex"),)


def provider_id(name: object) -> str | None:
    """The provider id of a known provider name (any case), else None."""
    key = str(name or "").strip().lower()
    if not key:
        return None
    if key in PROVIDER_NAMES:
        return PROVIDER_NAMES[key]
    for prefix, provider in _PREFIXES:
        if key.startswith(prefix):
            return provider
    return None


def provider_slug(name: object) -> str | None:
    """A known name's provider id, else the name itself as a slug (kept, never guessed)."""
    known = provider_id(name)
    if known is not None:
        return known
    key = str(name or "").strip().lower()
    return re.sub(r"[^a-z0-9-]+", "-", key).strip("-") or None
