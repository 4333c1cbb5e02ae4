"""Model-ID normalisation: platform and framework forms reduced to one canonical ID.

Owned here because every stage compares model IDs the same way: matching (`pipeline.alerts`),
the usage pullers and scanner (`pipeline.usage`) and the reference cross-check
(`pipeline.sources.reference`). Pure functions, no I/O.

- `normalize_model_id`: Bedrock IDs and inference profiles, Vertex `@` versions,
  OpenRouter / Hugging Face `org/model`, Gemini `models/x` and agent-framework prefixes
  (`openai:gpt-4o`) -> (the platform they prove, or None; the canonical ID).
- `is_glob`: whether a usage model is an fnmatch pattern.
- `MODEL_ID`: the grammar a stored model ID obeys (the publish gate and review corrections).
"""

from __future__ import annotations

import re

MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9._:/@+\- ]{0,119}$")

# Agent-framework prefixes such as pydantic-ai's "openai:gpt-4o" or "bedrock:anthropic...".
FRAMEWORK_PREFIXES = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google-gla": "google-gemini-api",
    "google-vertex": "google-vertex",
    "bedrock": "aws-bedrock",
    "azure": "azure-openai",
    "groq": "groq",
    "mistral": "mistral",
    "cohere": "cohere",
    "deepseek": "deepseek",
    "xai": "xai",
    "grok": "xai",
}

# Bedrock model IDs: optional cross-region inference profile prefix, then the vendor.
_BEDROCK_RE = re.compile(
    r"^(?:(?:us|eu|apac|global|jp|au|ca|us-gov)\.)?"
    r"(?:anthropic|meta|mistral|cohere|amazon|ai21|deepseek|qwen|openai|writer|twelvelabs"
    r"|stability|moonshot|moonshotai)\.(?P<rest>.+)$"
)
_BEDROCK_VERSION_RE = re.compile(r"(?::\d+[a-z]*)+$")  # ":0", ":0:200k", ":1"
_BEDROCK_REVISION_RE = re.compile(r"-v\d+$")  # "-v2" in "...-20241022-v2:0"

_FRAMEWORK_RE = re.compile(r"^(?P<prefix>[a-z][a-z-]*):(?P<rest>[^:].*)$")

# OpenRouter / Hugging Face style "org/model": only orgs whose models are served by that
# provider itself map to a provider; "meta-llama/..." or "google/..." say nothing about where.
_ORG_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "x-ai": "xai",
    "xai": "xai",
    "deepseek": "deepseek",
    "mistralai": "mistral",
    "cohere": "cohere",
}
_OPENROUTER_VARIANT_RE = re.compile(r":[a-z]+$")  # ":free", ":beta", ":nitro"
_DATE_RE = re.compile(r"^\d{8}$")
GLOB_CHARS = ("*", "?", "[")


def is_glob(model: str) -> bool:
    """True when the usage model is an fnmatch pattern rather than an exact ID."""
    return any(c in model for c in GLOB_CHARS)


def normalize_model_id(model: str) -> tuple[str | None, str]:
    """Reduce a platform-specific model ID to (platform provider or None, canonical ID).

    >>> normalize_model_id("us.anthropic.claude-3-5-sonnet-20241022-v2:0")
    ('aws-bedrock', 'claude-3-5-sonnet-20241022')
    >>> normalize_model_id("claude-3-5-sonnet-v2@20241022")
    ('google-vertex', 'claude-3-5-sonnet-20241022')
    >>> normalize_model_id("openai/gpt-4o")
    ('openai', 'gpt-4o')
    >>> normalize_model_id("models/gemini-1.5-pro")
    (None, 'gemini-1.5-pro')
    """
    s = model.strip().lower()
    platform: str | None = None

    m = _FRAMEWORK_RE.match(s)
    if m and m.group("prefix") in FRAMEWORK_PREFIXES:
        platform = FRAMEWORK_PREFIXES[m.group("prefix")]
        s = m.group("rest")

    if "/" in s:
        segments = s.split("/")
        if "models" in segments[:-1]:
            # "models/x" (Gemini API) or a Vertex resource ".../publishers/<p>/models/x".
            if "publishers" in segments:
                platform = platform or "google-vertex"
            s = s.rsplit("/models/", 1)[-1] if "/models/" in s else s.split("/", 1)[1]
        else:
            org, s = segments[0], segments[-1]
            platform = platform or _ORG_PROVIDERS.get(org)
            s = _OPENROUTER_VARIANT_RE.sub("", s)

    m = _BEDROCK_RE.match(s)
    if m:
        platform = platform or "aws-bedrock"
        s = m.group("rest")
        if not is_glob(s):
            s = _BEDROCK_VERSION_RE.sub("", s)
            stripped = _BEDROCK_REVISION_RE.sub("", s)
            # "claude-instant-v1" is a name, not "claude-instant" revision 1.
            if any(c.isdigit() for c in stripped):
                s = stripped
    elif "@" in s:
        platform = platform or "google-vertex"
        base, _, version = s.partition("@")
        if version in ("latest", "default", ""):
            s = base
        else:
            if _DATE_RE.match(version):
                # Vertex "claude-3-5-sonnet-v2@20241022" is Anthropic's
                # "claude-3-5-sonnet-20241022".
                base = _BEDROCK_REVISION_RE.sub("", base)
            s = f"{base}-{version}"
    return platform, s
