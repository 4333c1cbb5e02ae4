"""Teams, their model usage, waivers and exposures as rows."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

_TEAM_COLUMNS = (
    "name",
    "slack_channel",
    "slack_webhook_env",
    "email",
    "digest_time",
    "digest_timezone",
    "lead_days",
)


def sync_teams(db: sqlite_utils.Database, teams: list[dict[str, Any]]) -> None:
    """Upsert team rows and replace each team's declared usage and waivers.

    Each dict: name, slack_channel, slack_webhook_env, email (list), digest_time,
    digest_timezone, lead_days (list), uses [{model, provider}], products (list of names),
    waivers [{model, reason, until}].
    Scanned and imported usage is kept. Call inside a transaction.

    Set-based: one batched statement per table, and declared usage that is unchanged keeps
    its row (only what teams.yml added or dropped is written), so a warm cycle with 100,000
    declared rows writes none of them.
    """
    db.conn.executemany(
        f"""INSERT INTO teams ({", ".join(_TEAM_COLUMNS)})
            VALUES ({", ".join(f":{c}" for c in _TEAM_COLUMNS)})
            ON CONFLICT (name) DO UPDATE SET
            {", ".join(f"{c} = excluded.{c}" for c in _TEAM_COLUMNS[1:])}""",
        [
            {
                "name": team["name"],
                "slack_channel": team.get("slack_channel"),
                "slack_webhook_env": team.get("slack_webhook_env"),
                "email": json.dumps(team.get("email") or []),
                "digest_time": team.get("digest_time"),
                "digest_timezone": team.get("digest_timezone"),
                "lead_days": json.dumps(team.get("lead_days") or []),
            }
            for team in teams
        ],
    )
    names = {team["name"] for team in teams}
    wanted: dict[tuple[str, str, str], None] = {}  # ordered: rows are added in file order
    for team in teams:
        for use in team.get("uses") or []:
            wanted.setdefault((team["name"], use["provider"], use["model"].lower()), None)
    stale: list[int] = []
    kept: set[tuple[str, str, str]] = set()
    for row in db.execute(
        "SELECT id, team, provider, model, where_seen, last_seen, volume FROM usage"
        " WHERE origin = 'declared'"
    ):
        if row[1] not in names:
            continue
        key = (row[1], row[2], row[3])
        fresh = row[4] == "teams.yml" and row[5] is None and row[6] is None
        if key in wanted and fresh and key not in kept:
            kept.add(key)
        else:
            stale.append(row[0])
    db.conn.executemany("DELETE FROM usage WHERE id = ?", [(i,) for i in stale])
    # One statement for all new rows, not one per row: each statement that fires a trigger
    # (migration 14's write counters) pays for a statement journal, ~10 us a row.
    db.execute(
        """INSERT OR IGNORE INTO usage (team, provider, model, origin, where_seen)
           SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
                  json_extract(value, '$[2]'), 'declared', 'teams.yml'
           FROM json_each(?) ORDER BY key""",
        [json.dumps([key for key in wanted if key not in kept])],
    )
    db.conn.executemany("DELETE FROM team_products WHERE team = ?", [(n,) for n in names])
    db.conn.executemany(
        "INSERT OR IGNORE INTO team_products (team, product) VALUES (?, ?)",
        [(team["name"], p.lower()) for team in teams for p in team.get("products") or []],
    )
    db.conn.executemany("DELETE FROM waivers WHERE team = ?", [(n,) for n in names])
    db.conn.executemany(
        "INSERT OR REPLACE INTO waivers (team, model, reason, until) VALUES (?, ?, ?, ?)",
        [
            (team["name"], w["model"].lower(), w["reason"], w["until"])
            for team in teams
            for w in team.get("waivers") or []
        ],
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


def usage_tuples(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    """(team, model, provider, origin, where_seen, last_seen, volume) of every usage row, by
    id: plain tuples, for the 100,000-row case."""
    return db.execute(
        "SELECT team, model, provider, origin, where_seen, last_seen, volume FROM usage ORDER BY id"
    ).fetchall()


def product_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """(team, product) declarations from teams.yml `products:`."""
    return list(db.query("SELECT team, product FROM team_products ORDER BY team, product"))


def waivers(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM waivers"))


def exposures(db: sqlite_utils.Database) -> dict[tuple[str, int], dict[str, Any]]:
    return {(row["team"], row["record_id"]): row for row in db.query("SELECT * FROM exposures")}


def exposure_states(db: sqlite_utils.Database) -> dict[tuple[str, int], tuple[int, int]]:
    """(team, record id) -> (exposure id, active) of every stored exposure."""
    return {(r[0], r[1]): (r[2], r[3]) for r in db.execute(_EXPOSURE_STATES)}


_EXPOSURE_STATES = "SELECT team, record_id, id, active FROM exposures"


def exposure_matches(db: sqlite_utils.Database) -> dict[tuple[str, int], tuple[Any, ...]]:
    """(team, record id) -> (exposure id, active, usage_model, usage_provider, how, origin)
    of every stored exposure: what matching wrote, to rewrite only what it changes."""
    return {
        (r[0], r[1]): r[2:]
        for r in db.execute(
            "SELECT team, record_id, id, active, usage_model, usage_provider, how, origin"
            " FROM exposures"
        )
    }


def write_exposures(
    db: sqlite_utils.Database,
    *,
    inserts: list[tuple[Any, ...]],
    updates: list[tuple[Any, ...]],
    deactivate: list[int],
) -> None:
    """Batched exposure writes of one decide: `inserts` (team, record_id, first_seen,
    usage_model, usage_provider, how, origin, last_seen), `updates` (usage_model,
    usage_provider, how, origin, last_seen, id) that also reactivate, and ids that no usage
    matches any more. Call inside a transaction."""
    # One statement for every new exposure (a statement firing a trigger pays for a journal).
    db.execute(
        """INSERT INTO exposures (team, record_id, first_seen, usage_model, usage_provider,
                                  how, origin, last_seen, active)
           SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
                  json_extract(value, '$[2]'), json_extract(value, '$[3]'),
                  json_extract(value, '$[4]'), json_extract(value, '$[5]'),
                  json_extract(value, '$[6]'), json_extract(value, '$[7]'), 1
           FROM json_each(?) ORDER BY key""",
        [json.dumps(inserts)],
    )
    db.conn.executemany(
        """UPDATE exposures SET usage_model = ?, usage_provider = ?, how = ?, origin = ?,
                                last_seen = ?, active = 1 WHERE id = ?""",
        updates,
    )
    db.conn.executemany("UPDATE exposures SET active = 0 WHERE id = ?", [(i,) for i in deactivate])


def restamp_exposures(db: sqlite_utils.Database, stamp: str) -> None:
    """Mark every active exposure seen at `stamp` (a decide that found the same matches)."""
    db.execute("UPDATE exposures SET last_seen = ? WHERE active = 1", [stamp])


def set_reminder_state(db: sqlite_utils.Database, rows: list[tuple[Any, ...]]) -> None:
    """(announced, reminded_lead, reminded_for, exposure id) for each exposure decided."""
    db.conn.executemany(
        "UPDATE exposures SET announced = ?, reminded_lead = ?, reminded_for = ? WHERE id = ?",
        rows,
    )
