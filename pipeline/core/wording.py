"""How numbers are said: counted nouns for what the CLI, the demo and the worker print ("1 team",
"2 teams"), and a pulled volume as alerts word it."""

from __future__ import annotations

import datetime as dt

IRREGULAR = {"usage": "usages", "is": "are", "was": "were"}


def count(number: int, singular: str, plural: str | None = None) -> str:
    """`number` and the noun in the right form: count(1, "usage row") == "1 usage row"."""
    if number == 1:
        return f"{number} {singular}"
    if plural is None:
        head, _, last = singular.rpartition(" ")
        last = IRREGULAR.get(last, last + ("es" if last.endswith(("s", "x", "sh")) else "s"))
        plural = f"{head} {last}" if head else last
    return f"{number} {plural}"


def describe_volume(
    requests_7d: int | None, tokens_7d: int | None, last_call: str | None, is_quiet: bool
) -> str:
    """'41,230 requests in the last 7 days, last call 2026-11-24 09:14 UTC', or for a quiet
    exposure 'no recent calls (last call on 2026-09-30)'."""
    last = _when(last_call)
    if is_quiet:
        return f"no recent calls (last call {last})" if last else "no recent calls"
    if requests_7d is not None:
        volume = f"{requests_7d:,} request{'s' if requests_7d != 1 else ''} in the last 7 days"
    elif tokens_7d is not None:
        volume = f"{tokens_7d:,} tokens in the last 7 days"
    else:
        volume = "no calls in the last 7 days"
    return f"{volume}, last call {last}" if last else volume


def _when(value: str | None) -> str:
    if not value:
        return ""
    if len(value) == 10:
        return f"on {value}"
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
