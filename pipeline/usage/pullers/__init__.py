"""Usage from where it really lives: provider usage APIs, a LiteLLM proxy, OpenTelemetry files.

One module per kind (`openai`, `anthropic`, `litellm`, `otel`), each a function from a
`UsageSourceConfig` (and an HTTP client or a directory) to `UsageRow`s: one per
(unit, provider, model, day). `pull` runs a source, maps units to teams and stores the rows
as buckets (`storage.usage`); `storage.volume` turns stored buckets into what alerts show.
Their configuration is `pipeline.core.usage_config`; their HTTP client `pipeline.fetch.api_client`.
"""
