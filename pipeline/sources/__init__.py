"""Sources: what reading a provider's pages and lists adds around fetch, parse and extract.

Owns `validate` (the publish gates: record invariants, cliffs), `extract_pool` (each page
extracted in a child process under a budget), `reference/` (reference catalogues that confirm
or dispute records), `model_lists/` (a provider's own list of callable models) and
`pagediff/` (each new snapshot's text and its diff from the one before). The
engines it drives sit one layer down as packages of their own: `pipeline.fetch` (all HTTP),
`pipeline.parse` and `pipeline.extract` (pure functions of bytes and text).

May import `pipeline.fetch`, `pipeline.parse`, `pipeline.extract`, `pipeline.structure`,
`pipeline.ops_alerts`, `storage` and `pipeline.core`; never another stage (`usage`, `alerts`,
`export`) nor `ops` or `cli` (`.importlinter`).
"""
