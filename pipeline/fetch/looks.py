"""Does a response look like the document its source expects? (`sunset doctor`)

A pure judgement of a fetched body against the source's `format` and `content`: a bot
challenge page (Cloudflare, Akamai, Imperva, PerimeterX), a JavaScript shell (an HTML page
whose text arrives only by script), HTML served where Markdown was expected (no Markdown
twin at that URL), a feed that is not RSS/Atom, or a page without the wording of its kind
(no deprecation words on a deprecations page) is refused with one reason. Never raises.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

CHALLENGE_MARKERS = (
    ("<title>just a moment", "Cloudflare"),
    ("cf-browser-verification", "Cloudflare"),
    ("/cdn-cgi/challenge-platform/", "Cloudflare"),
    ("attention required! | cloudflare", "Cloudflare"),
    ("checking your browser before accessing", "a browser check"),
    ("enable javascript and cookies to continue", "a browser check"),
    ("_incapsula_resource", "Imperva"),
    ("px-captcha", "PerimeterX"),
    ("<title>access denied</title>", "Akamai"),
    ("g-recaptcha", "a CAPTCHA"),
    ("h-captcha", "a CAPTCHA"),
)
MIN_TEXT = 400  # characters of visible text below which a scripted HTML page is a shell
DEPRECATION_WORDS = re.compile(
    r"deprecat|retire|shut ?down|sunset|end[- ]of[- ]life|legacy|discontinu|lifecycle"
    r"|下线|弃用|停用|退役|废弃",
    re.I,
)
DATE_WORDS = re.compile(
    r"\b20\d\d\b|20\d\d年|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b",
    re.I,
)
MODEL_WORD = re.compile(r"\bmodels?\b", re.I)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    detail: str


def _visible_text(markup: str) -> tuple[str, int]:
    """The text a reader sees without running scripts, and the number of script tags."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    scripts = len(soup.find_all("script"))
    for tag in soup(["script", "style", "noscript", "template", "svg"]):
        tag.decompose()
    return " ".join(soup.get_text(" ").split()), scripts


def _looks_html(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:200].lower()
    return head.startswith(("<!doctype html", "<html")) or "<head" in head


def judge(body: bytes, *, format: str | None, content: str | None) -> Verdict:
    """Whether `body` looks like a `format` document about `content`, and why not."""
    text = body.decode("utf-8", "replace")
    lowered = text[:65536].lower()
    for marker, who in CHALLENGE_MARKERS:
        if marker in lowered:
            return Verdict(False, f"a bot challenge page ({who}), not the document")
    if format in ("rss", "atom"):
        import feedparser

        feed = feedparser.parse(body)
        if not feed.get("version") or not feed.entries:
            return Verdict(False, f"not an RSS/Atom feed with entries (format {format})")
        return Verdict(True, f"{feed.version} feed, {len(feed.entries)} entries")
    if format == "json":
        try:
            json.loads(text)
        except ValueError:
            return Verdict(False, "not JSON")
        return Verdict(True, f"JSON, {len(body):,} bytes")
    if format in ("markdown", "text"):
        if _looks_html(text):
            return Verdict(False, "HTML where Markdown was expected: no Markdown twin at this URL?")
        words = text
    else:
        words, scripts = _visible_text(text)
        if len(words) < MIN_TEXT:
            what = f"{len(words)} characters of text"
            if scripts:
                return Verdict(False, f"a JavaScript shell: {what} and {scripts} scripts")
            return Verdict(False, f"almost empty: {what}")
    if content == "deprecations" and not DEPRECATION_WORDS.search(words):
        return Verdict(False, "no deprecation or retirement wording on a deprecations page")
    if content == "models" and len(MODEL_WORD.findall(words)) < 3:
        return Verdict(False, "hardly a word about models on a models page")
    if content == "changelog" and not DATE_WORDS.search(words):
        return Verdict(False, "no dates on a changelog page")
    kind = f"{content} page" if content else "page"
    return Verdict(True, f"{format or 'html'} {kind}, {len(words):,} characters of text")
