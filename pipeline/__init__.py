"""Sunset Watch: watches AI providers for model deprecations and alerts the teams that use a model.

One package per room, in layers that import downwards only (`.importlinter`): `cli` -> `demo`
-> `ops` (the cycle, pulls, worker) | `gate` (the CI gate, `sunset fix`) -> the stages
`sources`, `usage`, `alerts`, `export` (never each other) -> `ops_alerts` -> `extract` /
`fetch` -> `structure` -> `parse` -> `storage` -> `core`. Each package's docstring says what it
owns and may import.
"""
