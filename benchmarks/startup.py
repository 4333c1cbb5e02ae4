"""Start-up cost of the CLI: `sunset --help` against `python -c pass`, as a ratio.

Runs both alternately (to share any background load), REPEAT times each, and prints the
medians and their ratio. The goal (issue 12) is a ratio of at most 3.

    python benchmarks/startup.py [--repeat N]
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
    args = parser.parse_args()
    os.chdir(REPO)
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "sunset --help": [*_sunset(), "--help"],
        "sunset extract --help": [*_sunset(), "extract", "--help"],
    }
    for argv in commands.values():
        _time(argv)  # warm the file cache
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, argv in commands.items():
            samples[name].append(_time(argv))
    base = statistics.median(samples["python -c pass"])
    print(f"{'command':24} {'median ms':>10} {'ratio':>6}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:24} {median * 1000:10.1f} {median / base:6.2f}")


if __name__ == "__main__":
    main()
