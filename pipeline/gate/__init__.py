"""Acting on what the store knows, in a code repository: the CI gate and the proposed fix.

`lookup` loads deprecation records (from the store, or offline from the bundled models.dev
catalogue plus a `sunset export --format jsonfeed` file), `check` matches scanned model IDs
against them and decides the gate, `render` prints the result (text, JSON, Markdown, SARIF
2.1.0), `rewrite` finds the string occurrences of a model ID that `fix` may replace, `git`
commits a rewrite on a new branch without touching the work tree. Its click glue lives in
`pipeline.cli.gate` (`sunset scan --check`) and `pipeline.cli.fix` (`sunset fix`).

Sits beside `pipeline.ops`: may import the stages, the engines, `storage` and `pipeline.core`;
never `ops`, `cli` or `demo` (`.importlinter`).
"""
