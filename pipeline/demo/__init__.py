"""The offline demo (`sunset demo`): the whole product on bundled pages, with local servers.

Owns `run` (two days of cycles, pulls, deliveries and digests), `dates` (the bundled pages
re-dated to today), `folder` (the output folder, never clobbering what it did not write),
`servers` (a page server and the Slack and SMTP captures) and `data/` (the pages).

Drives `pipeline.ops` like a user would; only `pipeline.cli` imports it.
"""
