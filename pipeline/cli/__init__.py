"""The command line: `sunset` and `python -m pipeline`, one thin module per command group.

Each command module parses options, calls one function of the layers below and prints: `setup`
(init, check, doctor), `jobs` (run, deliver, digest, worker), `extract`, `reports` (sources,
upcoming), `usage` (scan, usage import/remove/pull), `gate` (scan --check's options), `fix`,
`holds` (ack, snooze, waive and their undos), `notify` (notify test), `export`, `review`,
`serve`, `demo`. `app` is the `sunset` group; `common` holds the shared option decorators and
store helpers, `errors` the one-line error handling, `files` the output-file rules. Heavy
modules are imported inside the commands, so `sunset --help` stays fast
(benchmarks/startup.py).

The top layer: it may import anything in `pipeline` and `storage`; nothing imports it.
"""

from pipeline.cli.app import main

__all__ = ["main"]
