"""Teams, their model usage, waivers and exposures as rows."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils


def sync_teams(db: sqlite_utils.Database, teams: list[dict[str, Any]]) -> None:
    """Upsert team rows and replace each team's declared usage and waivers.

    Each dict: name, slack_channel, slack_webhook_env, email (list), digest_time,
    digest_timezone, lead_days (list), uses [{model, provider}], products (list of names),
    waivers [{model, reason, until}].
    Scanned and imported usage is kept. Call inside a transaction.
    """
    for team in teams:
        row = {
            "name": team["name"],
            "slack_channel": team.get("slack_channel"),
            "slack_webhook_env": team.get("slack_webhook_env"),
            "email": json.dumps(team.get("email") or []),
            "digest_time": team.get("digest_time"),
            "digest_timezone": team.get("digest_timezone"),
            "lead_days": json.dumps(team.get("lead_days") or []),
        }
        db["teams"].upsert(row, pk="name")
        db.execute("DELETE FROM usage WHERE team = ? AND origin = 'declared'", [team["name"]])
        for use in team.get("uses") or []:
            db.execute(
                """INSERT OR IGNORE INTO usage (team, provider, model, origin, where_seen)
                   VALUES (?, ?, ?, 'declared', 'teams.yml')""",
                [team["name"], use["provider"], use["model"].lower()],
            )
        db.execute("DELETE FROM team_products WHERE team = ?", [team["name"]])
        for product in team.get("products") or []:
            db.execute(
                "INSERT OR IGNORE INTO team_products (team, product) VALUES (?, ?)",
                [team["name"], product.lower()],
            )
        db.execute("DELETE FROM waivers WHERE team = ?", [team["name"]])
        for waiver in team.get("waivers") or []:
            db.execute(
                "INSERT OR REPLACE INTO waivers (team, model, reason, until) VALUES (?, ?, ?, ?)",
                [team["name"], waiver["model"].lower(), waiver["reason"], waiver["until"]],
            )


def add_usage(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> int:
    """Insert or refresh scanned/imported usage rows; return how many were written."""
    count = 0
    for row in rows:
        db.execute(
            """INSERT INTO usage (team, provider, model, origin, where_seen, last_seen, volume)
               VALUES (:team, :provider, :model, :origin, :where_seen, :last_seen, :volume)
               ON CONFLICT (team, provider, model, origin, where_seen) DO UPDATE SET
                 last_seen = COALESCE(excluded.last_seen, usage.last_seen),
                 volume = COALESCE(excluded.volume, usage.volume)""",
            row,
        )
        count += 1
    return count


def remove_usage(
    db: sqlite_utils.Database,
    *,
    team: str | None = None,
    origins: tuple[str, ...] = ("scan", "import"),
    where_prefixes: tuple[str, ...] = (),
    where_exact: tuple[str, ...] = (),
) -> int:
    """Delete scanned/imported usage rows of `team` (any when None) whose `where_seen`
    starts with one of `where_prefixes` or equals one of `where_exact` (any when both are
    empty); return how many. Declared and pulled usage are not removed here: they follow
    teams.yml and the usage sources."""
    clauses = [f"origin IN ({', '.join('?' for _ in origins)})"]
    params: list[Any] = list(origins)
    if team is not None:
        clauses.append("team = ?")
        params.append(team)
    places = [f"substr(where_seen, 1, {len(p)}) = ?" for p in where_prefixes]
    places += ["where_seen = ?" for _ in where_exact]
    if places:
        clauses.append("(" + " OR ".join(places) + ")")
        params += [*where_prefixes, *where_exact]
    cursor = db.execute(f"DELETE FROM usage WHERE {' AND '.join(clauses)}", params)
    return cursor.rowcount


def ensure_team(db: sqlite_utils.Database, name: str) -> None:
    db.execute("INSERT OR IGNORE INTO teams (name) VALUES (?)", [name])


def usage_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM usage ORDER BY id"))


def product_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """(team, product) declarations from teams.yml `products:`."""
    return list(db.query("SELECT team, product FROM team_products ORDER BY team, product"))


def waivers(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM waivers"))


def exposures(db: sqlite_utils.Database) -> dict[tuple[str, int], dict[str, Any]]:
    return {(row["team"], row["record_id"]): row for row in db.query("SELECT * FROM exposures")}
