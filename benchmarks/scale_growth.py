"""Whether storing and deciding stay linear: time per item at growing teams and records.

Two series on the store `scale.py` builds (the same generator, one run each, a fresh
temporary SQLite file per point): teams 1,000 -> 10,000 (10 usage rows a team, 5,000
records), then records 500 -> 5,000 (10,000 teams, 100,000 usage rows). For each point it
prints storing in ms a record, `decide` cold in ms per usage row and per exposure, and
`decide` warm (nothing new) per exposure; each series ends with the largest point's
per-item time over the smallest's (the floor: flat, 1.0x; the goal: within 1.5x).

    python benchmarks/scale_growth.py [--teams 1000,10000] [--records 500,5000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from scale import NOW, make_records, make_teams, store_records  # benchmarks/ is on the path

from pipeline.alerts.decide import decide
from pipeline.core.config import TeamsFile
from storage.db import open_db


def point(n_teams: int, n_records: int, per_team: int) -> dict[str, float]:
    rng = random.Random(20261207)
    records = make_records(n_records, rng)
    teams = TeamsFile.model_validate(make_teams(n_teams, n_teams * per_team, records, rng))
    usages = sum(len(t.uses) for t in teams.teams)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "growth.db")
        start = time.perf_counter()
        store_records(db, records)
        stored = time.perf_counter() - start
        start = time.perf_counter()
        decide(db, teams, now=NOW)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        decide(db, teams, now=NOW)
        warm = time.perf_counter() - start
        exposures = db.execute("SELECT COUNT(*) FROM exposures").fetchone()[0]
        db.close()
    return {
        "teams": n_teams,
        "records": n_records,
        "usages": usages,
        "exposures": exposures,
        "store_ms_record": stored * 1000 / n_records,
        "cold_us_usage": cold * 1e6 / usages,
        "cold_us_exposure": cold * 1e6 / max(1, exposures),
        "warm_us_exposure": warm * 1e6 / max(1, exposures),
    }


COLUMNS = ("store_ms_record", "cold_us_usage", "cold_us_exposure", "warm_us_exposure")


def series(label: str, points: list[dict[str, float]]) -> None:
    print(f"{label}")
    print(
        f"{'teams':>7} {'records':>8} {'usage':>8} {'exposures':>10}"
        f" {'store ms/rec':>13} {'cold us/usage':>14} {'cold us/exp':>12} {'warm us/exp':>12}"
    )
    for p in points:
        print(
            f"{p['teams']:>7,} {p['records']:>8,} {p['usages']:>8,} {p['exposures']:>10,}"
            f" {p['store_ms_record']:>13.3f} {p['cold_us_usage']:>14.1f}"
            f" {p['cold_us_exposure']:>12.1f} {p['warm_us_exposure']:>12.1f}"
        )
    first, last = points[0], points[-1]
    ratios = "  ".join(f"{c} {last[c] / first[c]:.2f}x" for c in COLUMNS)
    print(f"largest / smallest (flat = 1.00x, goal <= 1.5x): {ratios}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", default="1000,10000")
    parser.add_argument("--records", default="500,5000")
    args = parser.parse_args()
    team_sizes = [int(x) for x in args.teams.split(",")]
    record_sizes = [int(x) for x in args.records.split(",")]
    series(
        "teams grow (5,000 records, 10 usage rows a team):",
        [point(n, 5000, 10) for n in team_sizes],
    )
    series(
        "records grow (10,000 teams, 100,000 usage rows):",
        [point(10_000, n, 10) for n in record_sizes],
    )


if __name__ == "__main__":
    main()
