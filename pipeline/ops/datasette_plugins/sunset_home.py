"""Datasette plugin for `sunset serve`: the home page and the record page.

Loaded with `--plugins-dir` next to `sunset_cells.py`; the templates are in
`pipeline/ops/datasette_templates/` (`--template-dir`). Datasette's own means only: this hook
gives `index.html` the first rows of three canned queries (upcoming shutdowns that affect
teams, failing sources, the review queue) and a static SVG timeline of upcoming shutdowns by
team, and gives the records row page the record's change history and snapshot.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from datasette import hookimpl
from markupsafe import Markup, escape

DATABASE = "sunset"
HOME_ROWS = 10
HOME_QUERIES = ("home_upcoming", "failing_sources", "review_queue")
TIMELINE_DAYS = 180
WIDTH, ROW, LEFT, TOP = 760, 28, 110, 30


def _chip(days: int | None) -> str:
    if days is None:
        return "#57606a"
    return "#cf222e" if days <= 7 else "#9a6700" if days <= 30 else "#57606a"


def timeline_svg(rows: list[dict[str, Any]], today: dt.date) -> Markup:
    """Upcoming shutdowns by team as a static SVG: one lane per team, one dot per model at
    its date over the next TIMELINE_DAYS days, coloured by days left (red within 7, amber
    within 30). Scales to the page width (viewBox)."""
    lanes: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        for team in (row.get("teams") or "").split(","):
            if team:
                lanes.setdefault(team, []).append(row)
    if not lanes:
        return Markup("<p>No upcoming shutdown affects a team.</p>")
    height = TOP + ROW * len(lanes) + 20
    span = WIDTH - LEFT - 50  # room for the last date label
    out = [
        f'<svg class="sunset-timeline" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-label="Upcoming shutdowns by team, next {TIMELINE_DAYS} days" '
        'style="max-width:760px;height:auto;font:12px sans-serif">'
    ]
    for month in range(0, TIMELINE_DAYS + 1, 30):
        x = LEFT + span * month / TIMELINE_DAYS
        label = (today + dt.timedelta(days=month)).isoformat()
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{height - 16}" stroke="#d0d7de"/>'
            f'<text x="{x:.1f}" y="{TOP - 12}" text-anchor="middle" fill="#59636e">{label}</text>'
        )
    for index, (team, items) in enumerate(sorted(lanes.items())):
        y = TOP + ROW * index + ROW / 2
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(team)}</text>')
        for item in items:
            days = item.get("days_left")
            if days is None or days > TIMELINE_DAYS:
                continue
            x = LEFT + span * max(days, 0) / TIMELINE_DAYS
            title = escape(f"{item['model']} ({item['provider']}): {item['shutdown_date']}, "
                           f"{days} days left")  # fmt: skip
            out.append(
                f'<a href="/{DATABASE}/records/{int(item["id"])}"><circle cx="{x:.1f}" '
                f'cy="{y:.1f}" r="6" fill="{_chip(days)}"><title>{title}</title></circle></a>'
            )
    out.append("</svg>")
    return Markup("".join(out))


async def _query(datasette: Any, name: str, params: dict[str, Any] | None = None):
    query = await datasette.get_canned_query(DATABASE, name, None)
    if query is None:  # pragma: no cover - the packaged metadata has them all
        return {}, [], []
    result = await datasette.get_database(DATABASE).execute(query["sql"], params or {})
    return query, list(result.columns), [dict(row) for row in result.rows]


@hookimpl
def extra_template_vars(template: str, datasette: Any, request: Any):
    if template == "index.html" and DATABASE in datasette.databases:

        async def home() -> dict[str, Any]:
            sections = []
            everything: list[dict[str, Any]] = []
            for name in HOME_QUERIES:
                query, columns, rows = await _query(datasette, name)
                if name == "home_upcoming":
                    everything = rows
                sections.append(
                    {
                        "name": name,
                        "title": query.get("title", name),
                        "columns": columns,
                        "rows": rows[:HOME_ROWS],
                        "total": len(rows),
                        "url": datasette.urls.table(DATABASE, name),
                    }
                )
            today = dt.datetime.now(dt.UTC).date()
            return {"sunset_sections": sections, "sunset_timeline": timeline_svg(everything, today)}

        return home
    if template == "row.html" and request is not None:
        parts = request.path.strip("/").split("/")
        if len(parts) == 3 and parts[:2] == [DATABASE, "records"]:

            async def record() -> dict[str, Any]:
                _, _, history = await _query(datasette, "record_history", {"id": parts[2]})
                return {"sunset_history": history}

            return record
    return {}


def readable(value: Any) -> str:
    """A JSON list as `a, b`; other values as text."""
    if isinstance(value, str) and value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            return value
        if isinstance(items, list):
            return ", ".join(str(item) for item in items)
    return "" if value is None else str(value)


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.filters["sunset_readable"] = readable
