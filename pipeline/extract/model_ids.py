"""Model-ID grammar: which tokens are API model identifiers, and display-name keys.

An ID is printed as one token of `[a-z0-9._:@/-]` (case-insensitive): `gpt-4.1`,
`anthropic.claude-v2:1`, `textembedding-gecko@003`, `qwen/qwen3-32b`. In running prose a token
must also mix letters with digits and a separator, or be known from the page (code spans,
table cells); a capitalised ID ("GPT-4o") counts in prose when the page or the offline
catalogue knows it. Dates, regions, prices, paths and header values are never IDs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from pipeline.extract.catalogue import is_known
from pipeline.extract.cues import CJK

DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")

# Boundaries are ASCII: in Chinese or Japanese text an ID sits right against ideographs
# ("下架了GPT-4o等"), which `\w` would count as part of the word.
TOKEN = re.compile(
    r"(?<![A-Za-z0-9_/.@:$-])((?:@(?=[a-z]+/))?[A-Za-z0-9][A-Za-z0-9._:@/+_-]*[A-Za-z0-9+])"
    r"(?![A-Za-z0-9_@/-])"
)
_DATE_LIKE = re.compile(
    r"^\d{1,4}([-/.])\d{1,2}\1\d{1,4}$|^\d+(\.\d+)*$|^\d{4}-\d{2}$|^\d{1,2}-\d{4}$"
)
_REGION = re.compile(r"^(us|eu|ap|sa|ca|me|af|il|mx|cn)(-gov)?-[a-z]+-\d$")
_UNIT = re.compile(r"^\d+(\.\d+)?([kmb]|ms|gb|mb|px|x|s|k-tokens)?$", re.IGNORECASE)
_NOT_ID = frozenset(
    [
        "n/a",
        "na",
        "none",
        "tbd",
        "tba",
        "http",
        "https",
        "www",
        "api",
        "beta",
        "preview",
        "latest",
        "legacy",
        "deprecated",
        "retired",
        "active",
        "model",
        "models",
        "text",
        "image",
        "video",
        "audio",
        "chat",
    ]
)
_PAREN = re.compile(r"\([^()]*\)")
_DISPLAY_MARKS = re.compile(r"[↗*†‡\u00ae\u2122]")


@lru_cache(maxsize=65536)
def normalise(model: str) -> str:
    """Canonical form used as the record key: lowercased, ASCII dashes, no footnote marks."""
    model = model.translate(DASHES).strip().strip("`'\"").rstrip("*†‡").lower()
    return re.sub(r"^models/", "", model)


def _shape_ok(token: str) -> bool:
    low = token.lower()
    if low in _NOT_ID or _DATE_LIKE.match(low) or _REGION.match(low) or _UNIT.match(low):
        return False
    if "://" in token or token.startswith("/"):
        return False
    return not re.match(r"^v\d+(\.\d+)*$", low)  # bare versions (v1, v2.0)


@lru_cache(maxsize=65536)
def is_strong_id(token: str) -> bool:
    """A token that looks like a model ID anywhere: letters, digits and a separator."""
    token = token.translate(DASHES)
    if not _shape_ok(token):
        return False
    has_digit = any(c.isdigit() for c in token)
    has_alpha = any(c.isalpha() for c in token)
    has_sep = any(c in "-.:@/_" for c in token)
    if not (has_digit and has_alpha and has_sep):
        return False
    # Namespaced IDs: `qwen/qwen3-32b`, `accounts/<acct>/models/<slug>`,
    # `<platform>/<org>/<model>`; never paths with empty segments or a file extension.
    low = token.lower()
    # `@cf/meta/llama-3-8b`: a platform namespace may start with "@"
    if "/" in low and not re.match(r"^@?[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._:@-]*)+$", low):
        return False
    if re.search(r"\.(?:html?|md|json|ya?ml|py|js|png|svg)$", low):
        return False
    return not re.match(r"^\d+[a-z]{0,2}-[a-z]+$", token.lower())  # "128k-token"


@lru_cache(maxsize=65536)
def is_cell_id(text: str) -> bool:
    """A whole table cell / list item that is a single ID-shaped token (`command`, `ada`)."""
    token = text.strip().strip("`").rstrip("*†‡").translate(DASHES)
    if not token or " " in token or not TOKEN.fullmatch(token):
        return False
    return _shape_ok(token) and any(c.isalpha() for c in token)


@dataclass(frozen=True)
class Mention:
    """A model ID found in text, with its span."""

    model: str
    start: int
    end: int
    printed: str


def _short_known(token: str) -> bool:
    """A catalogue ID without a separator ("o3", "r1") counts in prose only with a digit:
    catalogue words such as "sonar" or "auto" are ordinary English too."""
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


# Words that lose their spaces around a code span when a page is flattened to text
# ("usingchatgpt-4o-latestmodel", "usingo1-previewando1-miniof").
_GLUE = re.compile(
    r"(?:using|use|the|and|or|to|of|from|with|for|on|in|by|replaced|replaces|replace|"
    r"models|model|snapshots|snapshot|is|are|was|will|has)"
)


_GLUE_EDGE = re.compile(
    r"^(?:using|use|the|and|or|to|of|from|with|for|on|in|by|replace[ds]?)[a-z]|"
    r"[a-z0-9](?:models?|snapshots?|and|or|is|are|was|will|to|has|of)$"
)


def _unglue(token: str, known: set[str] | frozenset[str]) -> list[tuple[str, int]]:
    """Known IDs (with their offsets) in a token that glued plain words to them: the token
    must read as glue words and known IDs only, longest ID first. Else []."""
    found: list[tuple[str, int]] = []
    i = 0
    while i < len(token):
        core = next(
            (
                token[i:j]
                for j in range(len(token), i + 3, -1)
                if token[i:j] in known and (i, j) != (0, len(token))  # never the token itself
            ),
            None,
        )
        if core:
            found.append((core, i))
            i += len(core)
            continue
        glue = _GLUE.match(token, i)
        if not glue:
            return []
        i = glue.end()
    return found


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[tuple[int, str], ...]:
    """(start, token) of each ID-shaped token, trailing '.'/':' dropped."""
    return tuple(
        (m.start(1), m.group(1).rstrip(".:")) for m in TOKEN.finditer(text.translate(DASHES))
    )


@lru_cache(maxsize=65536)
def _token_facts(token: str) -> tuple[str, bool, bool, bool, bool]:
    """What a token is on its own: (normalised, may glue, ID by shape and case, ID if the
    page knows it, ID by the catalogue). Cached: the same words recur in every text."""
    low = normalise(token)
    lowercase_printed = token == token.lower()
    strong = is_strong_id(token)
    # `Org/Model-Name` catalogue IDs are printed mixed-case by design.
    by_shape = strong and (lowercase_printed or "/" in token)
    if_known = strong or lowercase_printed
    by_catalogue = (strong and is_known(low)) or (
        lowercase_printed and _short_known(low) and is_known(low)
    )
    may_glue = len(low) > 8 and bool(_GLUE_EDGE.search(low))
    return low, may_glue, by_shape, if_known, by_catalogue


_MODEL_NOUN_AFTER = re.compile(r"[`*]*\s*(?:model\b(?!s)|模型|モデル)", re.IGNORECASE)
# "hunyuan-lite 模型", "X 和 Y 两款模型", "X、Y 等旧模型", "「x」と「y」の2つのモデル": the noun may
# follow a run of coordinated names, "etc.", a counter and "old". A name is ASCII and taken
# whole: with `\w` it could swallow the next "和" and name, and a run of "和a" backtracked
# exponentially when no noun followed
_CJK_MODEL_NOUN_AFTER = re.compile(
    r"[`*」』]*\s*(?:(?:和|与|及|以及|、|と|および|及び)\s*[`*「『]*[A-Za-z][A-Za-z0-9_.-]{0,40}+[`*」』]*\s*)*"
    r"(?:等|などの)?\s*(?:[两二三四五六七八九十几多\d]\s*(?:款|个|個|种|種類?の?|つの)\s*)?"
    r"(?:旧版?|老|早期|旧型の?)?\s*(?:模型|モデル)"
)


def _named_model(text: str, end: int, low: str) -> bool:
    """An ID without a digit that the text itself calls a model: a catalogue one ("the
    deepseek-chat model"), or any hyphenated Latin name in Chinese or Japanese text
    ("hunyuan-lite 模型", where an English compound word does not occur). In English,
    "the fine-tuned model" shows why a catalogue is needed there."""
    if _CJK_MODEL_NOUN_AFTER.match(text, end):
        return True
    return bool(_MODEL_NOUN_AFTER.match(text, end)) and is_known(low)


# "having to base64-encode them": a verb after "have/need/want to" with a pronoun object
# ("migrate to gpt-4o this week" keeps its model)
_INFINITIVE_BEFORE = re.compile(
    r"\b(?:have|has|having|had|need|needs|needing|want|wants|how|able)\s+to\s+$", re.IGNORECASE
)
_OBJECT_AFTER = re.compile(r"\s+(?:them|it|those|these)\b", re.IGNORECASE)


def _used_as_verb(text: str, start: int, end: int) -> bool:
    """ "instead of having to base64-encode them": a verb between "to" and its object."""
    return bool(
        _INFINITIVE_BEFORE.search(text[max(0, start - 16) : start])
        and _OBJECT_AFTER.match(text, end)
    )


# A date run into the next word ("rerank-v3.52025-04-30rerank-...") or a year and colon
# before a name ("2025:embedding-001embedding-gecko-001"): flattened text, never a model ID
_RUN_TOGETHER = re.compile(r"\d{4}-\d\d-\d\d[a-z]|^\d{4}:|\d[a-z]{6,}-")
# a name, a digit somewhere and three hyphenated parts: "ERNIE-3.5-8K", "GLM-4-Plus" (a
# two-part product name, "GPT-4.5", stays a display name for the catalogue to map)
_CJK_ID_SHAPE = re.compile(r"(?=\S*\d)[A-Za-z][A-Za-z0-9.]*(?:-[A-Za-z0-9.]+){2,}")


def find_ids(text: str, known: Iterable[str] = ()) -> list[Mention]:
    """ID mentions in prose: strong IDs, or tokens the page shows as IDs elsewhere."""
    known_set = known if isinstance(known, (set, frozenset)) else set(known)
    out: list[Mention] = []
    # Chinese and Japanese text writes IDs as products print them ("ERNIE-3.5-8K"): there a
    # mixed-case token of that shape is an ID; English prose uses such names for display
    cjk = CJK.search(text) is not None
    for start, token in _tokens(text):
        low, may_glue, by_shape, if_known, by_catalogue = _token_facts(token)
        if cjk and not by_shape and _CJK_ID_SHAPE.fullmatch(token):
            by_shape = True
        unglued = _unglue(low, known_set) if may_glue and known_set else []
        if unglued:
            for core, offset in unglued:
                at = start + offset
                out.append(Mention(core, at, at + len(core), core))
            continue
        if _RUN_TOGETHER.search(low):
            continue  # text whose spaces a scraper lost, not one ID
        if (
            by_shape
            or by_catalogue
            or (if_known and low in known_set)
            or (if_known and "-" in low and _named_model(text, start + len(token), low))
        ) and not (low not in known_set and _used_as_verb(text, start, start + len(token))):
            out.append(Mention(low, start, start + len(token), token))
    return _with_versions(text, out) if out and _VERSIONS_WORD.search(text) else out


_VERSIONS_WORD = re.compile(r"\b(?:versions?|snapshots?)\s", re.IGNORECASE)
_VERSIONS_AFTER = re.compile(r"[`*]*\s+(?:versions?|snapshots?)\s+", re.IGNORECASE)
_VERSION_TOKEN = re.compile(r"[`*]*+(?P<v>[a-z0-9][a-z0-9.-]{1,40}+)[`*]*+(?=[\s,;)]|$)")
_VERSION_GLUE = re.compile(r"\s*(?:,\s*(?:and|or)?|\band\b|\bor\b|&)\s*")


def _with_versions(text: str, mentions: list[Mention]) -> list[Mention]:
    """ "GPT-4 versions 0613 and turbo-2024-04-09" names `gpt-4-0613` and
    `gpt-4-turbo-2024-04-09`, not the family `gpt-4` and not a bare `turbo-2024-04-09`."""
    out: list[Mention] = []
    covered: list[tuple[int, int]] = []
    for mention in mentions:
        if any(a <= mention.start < b for a, b in covered):
            continue
        lead = _VERSIONS_AFTER.match(text, mention.end)
        if not lead:
            out.append(mention)
            continue
        at, versions = lead.end(), []
        while True:
            m = _VERSION_TOKEN.match(text, at)
            if not m:
                break
            version = m.group("v").rstrip(".-")
            if len(version) >= 3 and any(c.isdigit() for c in version):
                versions.append((version, m.start("v"), m.start("v") + len(version)))
            at = m.end()
            glue = _VERSION_GLUE.match(text, at)
            if not glue or glue.end() == at:
                break
            at = glue.end()
        if not versions:
            out.append(mention)
            continue
        for version, start, end in versions:
            out.append(Mention(f"{mention.model}-{version.lower()}", start, end, text[start:end]))
        covered.append((lead.end(), versions[-1][2]))
    return out


@lru_cache(maxsize=16384)
def strip_parens(text: str) -> str:
    prev = None
    while prev != text:
        prev, text = text, _PAREN.sub(" ", text)
    return " ".join(text.split())


def display_name(text: str) -> str:
    """A display name as the record key: lowercased, footnote marks and arrows dropped."""
    text = _DISPLAY_MARKS.sub("", text)
    return " ".join(text.split()).strip(" .,;:").lower()


def display_key(text: str) -> str:
    """Loose key to match display names across tables ("Claude Opus 4.0" ~ "Claude Opus 4")."""
    key = display_name(strip_parens(text)).replace("-", " ")
    key = re.sub(r"(\d+)\.(?:0|x)\b", r"\1", key)
    return " ".join(key.split())


def slug(text: str) -> str:
    """ "Gemini 1.5 Flash 001" -> "gemini-1.5-flash-001"."""
    return "-".join(display_name(text).replace("-", " ").split())
