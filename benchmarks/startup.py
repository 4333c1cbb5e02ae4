"""Start-up cost of the CLI: `sunset --help` against `python -c pass`, as a ratio.

Runs both alternately (to share any background load), REPEAT times each, and prints the
medians and their ratio. The goal (issue 12) is a ratio of at most 3. With `--page FILE`
it also times `sunset extract FILE --json` as a whole process (issue 17's goal: at most 6x
`python -c pass`) and, beside it, a process that only imports lxml and parses the same
bytes with `lxml.html` (what any HTML reader pays).

    python benchmarks/startup.py [--repeat N] [--page PAGE.html]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _sunset() -> list[str]:
    script = Path(sys.executable).with_name("sunset")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline"]


# As installed: pip compiles bytecode, so the children may write it (the warm-up run does).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=ENV)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--page", type=Path, help="also time `sunset extract PAGE --json`")
    args = parser.parse_args()
    os.chdir(REPO)
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "sunset --help": [*_sunset(), "--help"],
        "sunset extract --help": [*_sunset(), "extract", "--help"],
    }
    if args.page:
        page = str(args.page.resolve())
        commands["lxml.html parse (process)"] = [
            sys.executable,
            "-c",
            "import sys, lxml.html; lxml.html.document_fromstring(open(sys.argv[1], 'rb').read())",
            page,
        ]
        commands["sunset extract PAGE --json"] = [*_sunset(), "extract", page, "--json"]
    for argv in commands.values():
        _time(argv)  # warm the file cache
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, argv in commands.items():
            samples[name].append(_time(argv))
    base = statistics.median(samples["python -c pass"])
    print(f"{'command':28} {'median ms':>10} {'ratio':>6}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:28} {median * 1000:10.1f} {median / base:6.2f}")


if __name__ == "__main__":
    main()
