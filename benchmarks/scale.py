"""Alerting at organisation scale: storing records, deciding, the digest and canned queries.

Builds a store of N records (over sources of 100 records each, stored through
`storage.records.apply_source_records`, as a cycle stores them) and a teams file of T teams
with U declared usage rows in all (exact IDs, aliases, platform forms, ~2% globs, IDs that
match nothing, a few waivers), then times, one run each, beside a floor doing the same work:

- storing: ms per record over the first and the last tenth of the sources (flat = linear);
- `decide` cold (every exposure new) and warm (nothing new), against in-memory `match()`
  over the same usage and records;
- the digest (`collect_digest`) for the first D teams, against one SQL join over their
  exposures and records;
- each canned query of `storage/metadata.yml` (empty parameters, and one team's), as
  Datasette runs it (the first 1,001 rows) against the 200 ms target, with the time for
  every row beside it and whether its `EXPLAIN QUERY PLAN` scans a table without an index;
- peak RSS of this process.

With `--build cli` the store is built through the public commands instead: the records
are served as HTML deprecation tables (100 a page, one provider a page) by a local page
server with ETags, `sources.yml` and `teams.yml` are written, and `sunset run` runs twice
(the cold cycle: fetch, extract, store, decide; the warm cycle: every page a 304, nothing
new to decide), each timed as a whole process beside the in-memory `match()` floor.

    python benchmarks/scale.py                       # 10,000 teams / 100,000 usage / 5,000 records
    python benchmarks/scale.py --teams 1000 --records 500 --usages 10000   # the small store
    python benchmarks/scale.py --build cli           # the same store through `sunset run`
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.server
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import yaml
from etag_pages import answer  # a sibling module: the scripts run from benchmarks/

from pipeline.alerts.decide import decide
from pipeline.alerts.exposures import usage_entries
from pipeline.alerts.match import match
from pipeline.alerts.notify.digest import collect_digest
from pipeline.core.config import TeamsFile
from pipeline.core.models import record_of
from storage import records as record_store
from storage import sources as source_store
from storage.db import open_db, transaction

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
PROVIDERS = ("openai", "anthropic", "google-gemini-api", "aws-bedrock", "mistral", "cohere")
FAMILIES = ("gpt", "claude", "gemini", "command", "mistral", "grok", "llama", "qwen")
PER_SOURCE = 100
TARGET_QUERY_MS = 200.0
DATASETTE_ROWS = 1000  # Datasette's max_returned_rows: a canned query fetches one more


def make_records(n: int, rng: random.Random) -> list[dict[str, Any]]:
    records = []
    for i in range(n):
        provider = PROVIDERS[i % len(PROVIDERS)]
        base = f"{rng.choice(FAMILIES)}-{rng.randint(1, 9)}-{i:05d}"
        model = f"anthropic.{base}-v1:0" if provider == "aws-bedrock" else base
        day = NOW.date() + dt.timedelta(days=rng.randint(-60, 400))
        records.append(
            {
                "provider": provider,
                "model": model,
                "kind": "model",
                "aliases": [f"{base}-latest"] if i % 5 == 0 else [],
                "shutdown_date": day.isoformat(),
                "shutdown_kind": "earliest" if i % 11 == 0 else "firm",
                "announced_date": None,
                "replacements": [f"{base}-next"],
                "status": "deprecated",
                "evidence": f"{model} retires on {day.isoformat()}.",
                "url": f"https://example.com/{provider}/deprecations",
                "scope": "api",
                "confidence": 0.9,
                "why": ["table row"],
            }
        )
    return records


def make_teams(
    n_teams: int, n_usages: int, records: list[dict[str, Any]], rng: random.Random
) -> dict[str, Any]:
    per_team = max(1, n_usages // n_teams)
    teams = []
    for t in range(n_teams):
        uses = []
        for u in range(per_team):
            record = rng.choice(records)
            base = record["model"].removeprefix("anthropic.").removesuffix("-v1:0")
            roll = rng.random()
            if roll < 0.02:
                uses.append({"model": f"{base.split('-')[0]}-{rng.randint(1, 9)}-0{u % 10}*"})
            elif roll < 0.50:
                uses.append({"model": record["model"], "provider": record["provider"]})
            elif roll < 0.60 and record["aliases"]:
                uses.append({"model": record["aliases"][0]})
            elif roll < 0.70:
                uses.append({"model": f"us.anthropic.{base}-v1:0"})
            elif roll < 0.78:
                uses.append({"model": f"openai/{base}"})
            else:
                uses.append({"model": f"{base}-unknown-{t}-{u}"})
        # declared usage is unique per (team, provider, model)
        unique = {(x["model"].lower(), x.get("provider", "*")): x for x in uses}
        team: dict[str, Any] = {
            "name": f"team-{t:05d}",
            "email": [f"team-{t:05d}@example.com"],
            "uses": list(unique.values()),
        }
        if t % 2:
            team["slack_channel"] = f"#team-{t:05d}"
        if t % 50 == 0:
            team["waivers"] = [
                {"model": uses[0]["model"].lower(), "reason": "planned", "until": "2027-06-30"}
            ]
        teams.append(team)
    return {"teams": teams}


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def line(label: str, seconds: float, floor_label: str, floor: float) -> None:
    ratio = seconds / floor if floor > 0 else float("inf")
    print(f"{label:<34} {seconds:9.3f} s   {floor_label:<32} {floor:8.3f} s   {ratio:7.2f}x")


def store_records(db: Any, records: list[dict[str, Any]]) -> list[float]:
    """Store the records source by source; ms per record of each source."""
    sources = [
        {
            "id": f"src-{i:04d}",
            "kind": "page",
            "provider": records[i * PER_SOURCE]["provider"],
            "url": f"https://example.com/{i}",
            "format": "html",
            "interval_minutes": 360,
            "enabled": 1,
        }
        for i in range((len(records) + PER_SOURCE - 1) // PER_SOURCE)
    ]
    source_store.sync_sources(db, sources)
    per_record = []
    for i, source in enumerate(sources):
        chunk = records[i * PER_SOURCE : (i + 1) * PER_SOURCE]
        start = time.perf_counter()
        with transaction(db):
            record_store.apply_source_records(
                db,
                source_id=source["id"],
                records=chunk,
                snapshot_sha256=None,
                now=NOW.isoformat(),
                run_id=None,
            )
        per_record.append((time.perf_counter() - start) * 1000 / len(chunk))
    return per_record


class _Pages(http.server.BaseHTTPRequestHandler):
    """Serves `pages` (path -> HTML) with an ETag, 304 on a matching If-None-Match."""

    pages: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.pages.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        answer(self, body)

    def log_message(self, *_args: Any) -> None:
        return None


def _table_page(chunk: list[dict[str, Any]]) -> bytes:
    rows = "".join(
        f"<tr><td><code>{r['model']}</code></td><td>{r['shutdown_date']}</td>"
        f"<td><code>{r['replacements'][0]}</code></td></tr>\n"
        for r in chunk
    )
    return (
        "<html><body><main><h2>Deprecated models</h2><table><tr><th>Model</th>"
        "<th>Shutdown date</th><th>Recommended replacement</th></tr>\n"
        f"{rows}</table></main></body></html>"
    ).encode()


def build_via_cli(
    folder: Path, records: list[dict[str, Any]], teams: dict[str, Any]
) -> tuple[Path, float, float]:
    """Serve the records as pages, write sources.yml and teams.yml, run `sunset run` cold
    and warm; (database, cold seconds, warm seconds)."""
    by_provider: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_provider.setdefault(record["provider"], []).append(record)
    pages: ClassVar[dict[str, bytes]] = {}
    sources = []
    for provider, mine in by_provider.items():
        for start in range(0, len(mine), PER_SOURCE):
            path = f"/{provider}/{start // PER_SOURCE}"
            pages[path] = _table_page(mine[start : start + PER_SOURCE])
            sources.append({"id": f"{provider}-{start // PER_SOURCE}", "provider": provider,
                            "path": path})  # fmt: skip
    _Pages.pages = pages
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    config = {
        "sources": [
            {"id": s["id"], "provider": s["provider"], "url": base + s["path"],
             "format": "html", "content": "deprecations"}
            for s in sources
        ]
    }  # fmt: skip
    (folder / "sources.yml").write_text(yaml.safe_dump(config))
    (folder / "teams.yml").write_text(yaml.safe_dump(teams, sort_keys=False))
    db_path = folder / "cli.db"
    times = []
    for now in (NOW, NOW + dt.timedelta(hours=7)):
        argv = [sys.executable, "-m", "pipeline", "-q", "run", "--db", str(db_path),
                "--sources", str(folder / "sources.yml"), "--teams", str(folder / "teams.yml"),
                "--now", now.isoformat(), "--no-deliver"]  # fmt: skip
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=os.environ.copy())
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            server.shutdown()
            raise SystemExit(f"sunset run failed ({done.returncode}): {done.stderr[-2000:]}")
    server.shutdown()
    return db_path, times[0], times[1]


def canned_queries() -> dict[str, str]:
    metadata = yaml.safe_load(Path("storage/metadata.yml").read_text())
    return {name: q["sql"] for name, q in metadata["databases"]["sunset"]["queries"].items()}


def unindexed_scans(db: Any, sql: str, params: dict[str, Any]) -> list[str]:
    """Plan lines that scan a table without an index (a scan of the driving table in its
    index order, or of a covering index, is not counted)."""
    rows = db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return [r[3] for r in rows if r[3].startswith("SCAN ") and " INDEX " not in r[3]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--usages", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--digest-teams", type=int, default=1_000)
    parser.add_argument(
        "--build",
        choices=["storage", "cli"],
        default="storage",
        help="storage: records stored through storage.records (fast to iterate with); "
        "cli: pages served locally and read by `sunset run`, as in production",
    )
    args = parser.parse_args()
    rng = random.Random(20261207)
    records = make_records(args.records, rng)
    teams_dict = make_teams(args.teams, args.usages, records, rng)
    teams = TeamsFile.model_validate(teams_dict)
    with tempfile.TemporaryDirectory() as tmp:
        usage_count = sum(len(t.uses) for t in teams.teams)
        print(
            f"store: {args.teams:,} teams, {usage_count:,} usage rows, {args.records:,} records"
            f" (Python {sys.version.split()[0]}), built through {args.build}"
        )
        if args.build == "cli":
            db_path, t_cold, t_warm = build_via_cli(Path(tmp), records, teams_dict)
            db = open_db(db_path)
            stored = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
            print(f"records extracted and stored by `sunset run`: {stored:,}")
        else:
            db = open_db(Path(tmp) / "scale.db")
            t_store, per_record = timed(store_records, db, records)
            tenth = max(1, len(per_record) // 10)
            first = sum(per_record[:tenth]) / tenth
            last = sum(per_record[-tenth:]) / tenth
            print(
                f"storing records: {t_store:.2f} s; {first:.3f} ms a record in the first tenth,"
                f" {last:.3f} in the last ({last / first:.2f}x; flat = 1)"
            )
        print(f"{'work':<34} {'time':>11}   {'floor':<32} {'time':>10}   {'ratio':>8}")
        if args.build == "storage":
            t_cold, created = timed(decide, db, teams, now=NOW)
        exposures = db.execute("SELECT COUNT(*) FROM exposures").fetchone()[0]
        usages = usage_entries(db)
        pairs = [
            (r["id"], record_of(r))
            for r in record_store.all_records(db, alertable_only=True)
            if r["kind"] == "model"
        ]
        t_match, _ = timed(match, usages, pairs)
        if args.build == "cli":
            line("sunset run cold (whole process)", t_cold, "in-memory match()", t_match)
            line("sunset run warm (304s, no news)", t_warm, "in-memory match()", t_match)
            alerts = db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
            print(f"  exposures {exposures:,}, alerts in the outbox {alerts:,}")
        else:
            line("decide cold", t_cold, "in-memory match()", t_match)
            t_warm, created_warm = timed(decide, db, teams, now=NOW)
            line("decide warm (nothing new)", t_warm, "in-memory match()", t_match)
            print(
                f"  exposures {exposures:,}, alerts created cold {created:,}, warm {created_warm}"
            )
        chosen = teams.teams[: args.digest_teams]

        def digests() -> int:
            return sum(len(collect_digest(db, team, NOW).items()) for team in chosen)

        t_digest, items = timed(digests)
        names = [team.name for team in chosen]
        marks = ",".join("?" * len(names))

        def floor_join() -> int:
            return len(
                db.execute(
                    f"""SELECT e.team, e.usage_model, r.* FROM exposures e
                        JOIN records r ON r.id = e.record_id
                        WHERE e.team IN ({marks}) AND e.active = 1
                        ORDER BY e.team, r.shutdown_date""",
                    names,
                ).fetchall()
            )

        t_join, _ = timed(floor_join)
        line(f"digest for {len(chosen):,} teams", t_digest, "one SQL join", t_join)
        print(f"  digest items {items:,}")
        print(
            f"canned queries as Datasette runs them (the first {DATASETTE_ROWS:,} rows + 1),"
            " then every row:"
        )
        one_team = teams.teams[len(teams.teams) // 2].name
        for name, sql in canned_queries().items():
            params = {p: "" for p in set(re.findall(r":([a-z_]+)", sql))}
            runs = [("", params)]
            if "team" in params:
                runs.append((f" team={one_team}", {**params, "team": one_team}))
            for label, values in runs:
                t_page, page = timed(
                    lambda s=sql, p=values: db.execute(s, p).fetchmany(DATASETTE_ROWS + 1)
                )
                t_all, rows = timed(lambda s=sql, p=values: db.execute(s, p).fetchall())
                line(f"query {name}{label}", t_page, "target", TARGET_QUERY_MS / 1000)
                print(f"  {len(page):,} rows; all {len(rows):,} rows in {t_all:.3f} s")
            scans = unindexed_scans(db, sql, params)
            if scans:
                print(f"  scans without an index: {'; '.join(scans)}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak:.0f} MB (target <= 500 MB)")
        if args.build == "cli":
            children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"peak RSS of a `sunset run` process {children:.0f} MB (target <= 500 MB)")
        db.close()


if __name__ == "__main__":
    main()
