"""Benchmark for usage sources: pull and store ~1 million usage rows, then re-match.

A local stand-in of the OpenAI organization Usage API (stdlib HTTP server in a child process,
one daily bucket a page, `has_more`/`next_page`) serves 31 days x 1,000 projects x 33 models
(1,023,000 result
rows); `pull_source` reads them into a file database, then `refresh_exposures` matches the
pulled usage (plus volumes) against 2,000 records. Prints seconds per phase and peak RSS.
Target: under 60 s and under 300 MB.

    python benchmarks/usage_pull.py
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import resource
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from pipeline.alerts import decide
from pipeline.core.config import TeamsFile
from pipeline.fetch.settings import FetchSettings
from pipeline.usage.pullers.pull import pull_source
from storage import records as record_store
from storage import sources as source_store
from storage.db import open_db, transaction

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
DAYS = 31
PROJECTS = 1_000
MODELS = [f"gpt-bench-{n}" for n in range(30)] + ["gpt-4o-2024-05-13", "gpt-4o-mini", "o1"]
TEAMS = 50
RECORDS = 2_000
KEY = "sk-admin-bench-0123456789"


def _epoch(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp())


def _page(day_index: int) -> bytes:
    day = NOW.date() - dt.timedelta(days=DAYS - 1 - day_index)
    results = [
        {
            "object": "organization.usage.completions.result",
            "input_tokens": 1000,
            "output_tokens": 200,
            "num_model_requests": 1 + (p + m) % 50,
            "project_id": f"proj_t{p % TEAMS}_{p}",
            "model": model,
        }
        for p in range(PROJECTS)
        for m, model in enumerate(MODELS)
    ]
    more = day_index + 1 < DAYS
    body = {
        "object": "page",
        "data": [
            {
                "object": "bucket",
                "start_time": _epoch(day),
                "end_time": _epoch(day) + 86400,
                "results": results,
            }
        ],
        "has_more": more,
        "next_page": str(day_index + 1) if more else None,
    }
    return json.dumps(body).encode()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            self.send_response(401)
            self.end_headers()
            return
        if not url.path.endswith("/completions"):
            body = b'{"object": "page", "data": [], "has_more": false, "next_page": null}'
        else:
            body = _page(int(parse_qs(url.query).get("page", ["0"])[0]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _records(db) -> None:
    source_store.sync_sources(
        db,
        [
            {
                "id": "bench",
                "provider": "openai",
                "url": "https://e.test/",
                "format": "html",
                "interval_minutes": 60,
                "enabled": 1,
            }
        ],
    )
    models = MODELS + [f"other-model-{n}" for n in range(RECORDS - len(MODELS))]
    rows = [
        {
            "provider": "openai",
            "model": m,
            "kind": "model",
            "aliases": [],
            "shutdown_date": "2027-01-10",
            "shutdown_kind": "firm",
            "announced_date": None,
            "replacements": [],
            "status": "deprecated",
            "evidence": "",
            "url": None,
        }
        for m in models
    ]
    with transaction(db):
        record_store.apply_source_records(
            db,
            source_id="bench",
            records=rows,
            snapshot_sha256="x",
            now=NOW.isoformat(),
            run_id=None,
        )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _serve(port: multiprocessing.Queue) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port.put(server.server_port)
    server.serve_forever()


def main() -> None:
    # The stand-in runs in its own process, so peak RSS is the puller's alone.
    queue: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    port = queue.get(timeout=30)
    os.environ["OPENAI_ADMIN_KEY"] = KEY
    teams = TeamsFile.model_validate(
        {
            "teams": [{"name": f"team{t}"} for t in range(TEAMS)],
            "usage_sources": [
                {
                    "id": "openai-org",
                    "kind": "openai_usage",
                    "base_url": f"http://127.0.0.1:{port}/v1",
                    "key_env": "OPENAI_ADMIN_KEY",
                    "window_days": DAYS,
                    "teams": [{"match": f"proj_t{t}_*", "team": f"team{t}"} for t in range(TEAMS)],
                }
            ],
        }
    )
    with tempfile.TemporaryDirectory() as directory:
        db = open_db(os.path.join(directory, "bench.db"))
        _records(db)
        with transaction(db):
            decide.team_store.sync_teams(db, decide.team_rows(teams))
        started = time.perf_counter()
        report = pull_source(
            db,
            teams.usage_sources[0],
            now=NOW,
            teams=teams,
            settings=FetchSettings(total_timeout=120, read_timeout=120),
        )
        pulled = time.perf_counter() - started
        assert report.ok, report.error
        rows = db.execute("SELECT COUNT(*) FROM usage_buckets").fetchone()[0]
        started = time.perf_counter()
        with transaction(db):
            decide.refresh_exposures(db, NOW)
        matched = time.perf_counter() - started
        exposures = db.execute("SELECT COUNT(*) FROM exposures").fetchone()[0]
        db.close()
    server.terminate()
    server.join()
    print(f"usage rows pulled and stored: {rows:,} in {pulled:.1f} s")
    print(f"re-matching ({RECORDS:,} records): {exposures:,} exposures in {matched:.1f} s")
    print(
        f"total {pulled + matched:.1f} s (target < 60 s); peak RSS {_peak_mb():.0f} MB "
        "(target < 300 MB)"
    )


if __name__ == "__main__":
    main()
