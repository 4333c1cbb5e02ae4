"""Robust decoding of fetched bytes: BOM, declared charset, then UTF-8 with replacement."""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED = re.compile(
    rb"""(?:<meta[^>]+charset\s*=\s*["']?|<\?xml[^>]+encoding\s*=\s*["']|^charset:\s*)"""
    rb"""([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE | re.MULTILINE,
)


def decode(body: bytes | str, charset: str | None = None) -> tuple[str, list[str]]:
    """Return (text, warnings). Never raises on bad bytes."""
    if isinstance(body, str):
        return body.lstrip("\ufeff"), []
    warnings: list[str] = []
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), warnings
    candidates: list[str] = []
    if charset:
        candidates.append(charset)
    match = _DECLARED.search(body[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "ignore"))
    for name in candidates:
        try:
            codecs.lookup(name)
        except LookupError:
            warnings.append(f"unknown charset {name!r}")
            continue
        try:
            return body.decode(name), warnings
        except UnicodeDecodeError:
            warnings.append(f"body is not valid {name}")
    try:
        return body.decode("utf-8"), warnings
    except UnicodeDecodeError:
        warnings.append("invalid UTF-8 replaced")
        return body.decode("utf-8", errors="replace"), warnings
