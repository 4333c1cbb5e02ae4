"""Counted nouns for what the CLI, the demo and the worker print: "1 team", "2 teams"."""

from __future__ import annotations

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
