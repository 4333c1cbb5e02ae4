"""The core every layer may import: the data that flows between stages and the rules shared by all.

Owns `models` (the frozen dataclasses: `FetchResult`, `Record`, `UsageEntry`, `Alert`, ...),
`model_ids` (model-ID normalisation and grammar), `clock`, `errors`, `config` (sources.yml and
teams.yml as strict pydantic models, with `usage_config` for the usage sources), `strict_yaml`,
`redact` (secrets out of text), `provider_names`, `scope` (API or product), `wording` and
`page_links` (the alerts' link to what changed on a provider's page).

Imports nothing of `pipeline` outside `core`, and not `storage`: it is the bottom layer
(`.importlinter`).
"""
