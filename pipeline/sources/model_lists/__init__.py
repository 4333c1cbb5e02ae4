"""Model-list sources (`kind: model_list`): a provider's own list of the models a key can
call, pulled each interval. `shapes` reads the published response shapes, `pull` fetches
them (key from the environment, pages followed), `stage` turns a pull into records: a
listed deprecation date becomes a dated record, a model that stops being listed becomes a
record waiting for review."""
