"""Sentence cues: deprecation vs. active/replacement wording, floor dates, feature contexts.

Polarity is decided per mention from the nearest cue before it in the same sentence
("deprecation of X" vs "migrate to X"), then from what follows ("X is deprecated",
"X is now the stable version"). Released, recommended or replacement models are never
reported as deprecated.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.core.text_guard import may_contain

# Wordings only the clause reader reads, each of which the clause reader takes only with its
# date or when no shutdown in the same passage outranks it: "Requests to X will be redirected
# to Y" (the model stops being served, though no request fails), "X will return a 410 on D",
# "X stays available until D", "you will no longer be able to call X after D", "migrate from
# X before D" (X is what is left behind), "X keeps working until D".
_CLAUSE_ONLY = (
    r"will (?:now )?be (?:automatically |transparently )?(?:re-?directed|re-?routed|routed|"
    r"forwarded) to\b|"
    r"return (?:an? )?(?:HTTP )?(?:4\d\d|5\d\d)\b|"
    r"(?:no longer|not) be able to (?:call|use|access)|"
    r"(?:(?:remain|stay)s? (?:available|accessible|online)|(?:keep|continue)s? (?:working|"
    r"functioning|running|to work|to function|to run|to be served)) (?:until|through|till)\b|"
    r"(?:migrat\w*|mov\w*) (?:away )?(?:off|from)\b|transition\w* away from"
)
DEPRECATION = re.compile(
    r"\b(deprecat\w*|retir\w*|shuts?\s*(?:down|off)\w*|shutting down|sunset\w*|discontinu\w*|"
    r"remov\w*|end[- ]of[- ]life|end[- ]of[- ]support|EOL|turn(?:ed|ing)? off|ceas\w*|"
    r"no longer (?:be )?(?:available|support\w*|accessible|offer\w*|serv\w*|provid\w*|includ\w*)|"
    r"not (?:be )?(?:available|supported|accessible|served) (?:after|from|beyond|past)|"
    r"will (?:start to |begin to )?fail|stops? working|"
    r"stops? accepting (?:new |API )?(?:requests|calls|traffic)"
    r"(?!\s+(?:with|that|which|using|containing|without|carrying|over|through)\b)|"
    r"no longer accept (?:new |API )?(?:requests|calls|traffic)"
    r"(?!\s+(?:with|that|which|using|containing|without|carrying|over|through)\b)|"
    r"available (?:until|through|till)\b(?=[^.;:]{0,12}?(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|"
    r"oct|nov|dec|end|mid|early|late|q[1-4]))|"
    r"not remain (?:functional|available|accessible)|stop responding|return (?:an? )?errors?|"
    r"taken offline|go(?:es)? offline|go(?:es)? away|"
    r"have until\b(?=(?:[^.;]|\.(?= ?\d)){0,40}?\bto (?:switch|migrate|move|upgrade|transition)\b)|"
    r"phased? out|last day to use|will be unavailable|"
    r"(?:support|access) (?:for|to) (?:[^.;]|\.(?=\w)){1,120}? (?:ends|will end|is ending)|"
    r"withdraw\w*|decommission\w*|stop(?:s|ped)? serving|drop(?:s|ped|ping)? support for|"
    rf"{_CLAUSE_ONLY}|"
    r"will be upgraded|"
    r"upgraded to|need to (?:manually )?upgrade|older|legacy|instead of|(?:will|to) be replaced"
    r")|(移除|下线|停用|弃用|退役|停止|关停|下架|停服|淘汰|废弃|砍掉|提供を終了|提供終了|廃止|非推奨|"
    r"サポート終了|終了予定|(?:提供|サービス|サポート)を[^。]{0,30}?終了)",
    re.IGNORECASE,
)
ACTIVE = re.compile(
    r"\b(releas\w*|launch\w*|introduc\w*|migrat\w* to|switch\w* to|upgrad\w* to|mov\w* to|"
    r"redirect\w* to|rout\w* to|forward\w* to|served by|fall\w* back to|mapped to|point\w* to|"
    r"transition\w* to|in favou?r of|instead|replac\w*|recommend\w*|specify\w*|"
    r"alternative\w*|successor|newer|new|latest|try|use|generally available|"
    r"stable version|now available|generally available|GA\b|"
    r"(?:remains?|stays?|continues? to be|still|will be|currently) (?:fully )?available"
    r"(?! (?:until|through|till)\b)|unaffected|"
    r"not affected|nothing changes)|"
    r"(发布|推出|上线|迁移|升级|替换为|切换到|切换至|回归|可用|保留|建议|推荐|後継|移行|请使用|请改用|"
    r"转向|改用|替代)",
    re.IGNORECASE,
)
CLAUSE_ONLY = re.compile(rf"\b(?:{_CLAUSE_ONLY})", re.IGNORECASE)
# Every alternative of _CLAUSE_ONLY contains one of these (lowercased) pieces.
_CLAUSE_ONLY_PIECES = (
    "will", "return", "be able to", "until", "till", "through", "migrat", "mov", "transition",
)  # fmt: skip


def only_clause_wording(text: str) -> bool:
    """Whether the text's only deprecation wording is one the clause reader alone reads (a
    redirect, or a predicate that needs its date)."""
    if not may_contain(text, _CLAUSE_ONLY_PIECES):
        return False  # no alternative of CLAUSE_ONLY can match
    return bool(CLAUSE_ONLY.search(text)) and not announces_deprecation(CLAUSE_ONLY.sub(" ", text))


# A model declared active: "Generally available since ...", "is now available", "Active."
GA = re.compile(
    r"\bgenerally available\b|\bnow available\b|\bis available\b|^\W*active\W*$|\bGA\b",
    re.IGNORECASE,
)
# Phrases that mention deprecation without announcing one.
NOT_ANNOUNCEMENT = re.compile(
    r"not (?:be )?affected by (?:this|the) deprecation|deprecation (?:policy|process|schedule)|"
    r"not (?:yet )?(?:scheduled|planned|slated) for (?:retirement|deprecation|shutdown|removal)|"
    r"\b(?:has|have|had|is|are)\s+not\s+(?:yet\s+)?(?:been\s+)?(?:scheduled|set|announced|planned)"
    r"\s+(?:an?y?\s+|the\s+)?(?:retirement|deprecation|shutdown|sunset|removal|end[- ]of[- ]life)|"
    r"no (?:retirement|deprecation|shutdown|sunset)(?: date)? (?:is |has been )?"
    r"(?:planned|scheduled|announced)|"
    # "None of the following has a deprecation date", "these have no retirement date"
    r"\bnone of (?:the following|these|them|the models)\b[^.;:]{0,30}?\b(?:has|have|is|are)\s+"
    r"(?:an?\s+|any\s+)?(?:deprecat|retire|shut|sunset|sched)\w*|"
    r"\b(?:has|have)\s+no\s+(?:deprecation|retirement|shutdown|sunset|end[- ]of[- ]life)\b|"
    # "The `x-coder` model has been upgraded to X-Coder-V2": the name now serves a newer model
    r"\b(?:has|have) been upgraded to\b|\b(?:was|were) upgraded to\b|"
    # negated or called-off deprecations
    r"\bno longer (?:being )?deprecated\b|\b(?:is|are)\s+not\s+(?:being\s+)?deprecated\b|"
    r"\b(?:will|shall|is|are|was|were)\s+not\s+(?:be\s+)?(?:being\s+)?"
    r"(?:retired|deprecated|shut\s*down|removed|sunset|discontinued)\b|"
    r"\b(?:deprecation|retirement|shutdown|removal|sunset)\b[^.;]{0,80}?"
    r"\b(?:has been|was|is|have been)\s+"
    r"(?:cancell?ed|postponed(?!(?:[^.;]|\.(?= ?\d)){0,40}?\b(?:to|until|till)\b)|reversed|"
    r"withdrawn|rescinded|called off|put on hold)\b",
    re.IGNORECASE,
)
FLOOR = re.compile(
    r"\b(not sooner than|no sooner than|no earlier than|not earlier than|not before|"
    r"at (?:the )?earliest|"
    r"or later|earliest possible)",
    re.IGNORECASE,
)
FLOOR_PIECES = (
    "sooner than",
    "earlier than",
    "not before",
    "earliest",
    "or later",
)  # FLOOR needs one
# A model mentioned in these contexts is a feature of it, not the model itself.
FEATURE_BEFORE = re.compile(
    r"(fine[- ]tun\w*(?:\s+training)?(?:\s+(?:on|with|for))?|trained with|training on|"
    r"support for using\b.*\bwith)\s*(?:the\s+|these\s+)?$",
    re.IGNORECASE,
)
# "The `logprobs` parameter is deprecated for `x-3`", "JSON mode will be removed from `x-3`":
# a feature of the model is the subject; the model only says whose feature it is
FEATURE_SUBJECT = re.compile(
    r"\b(?:parameters?|endpoints?|features?|fields?|options?|modes?|flags?|headers?|arguments?|"
    r"settings?|capabilit(?:y|ies)|tools?)\b[`*\"']*\s+(?:is|are|will be|has been|have been|"
    r"was|were)\b[^.;:]{0,40}?\b(?:for|on|in|with|from)\s+(?:the\s+)?[`*]*$|"
    # or the feature right before the model it belongs to ("Streaming mode for `x-3` will be
    # retired", "We've removed the rate limit on `x-3`", "the beta waitlist for `x-3`")
    r"\b(?:parameters?|features?|fields?|options?|modes?|flags?|headers?|arguments?|settings?|"
    r"capabilit(?:y|ies)|limits?|quotas?|waitlists?)\b[`*\"']*\s+(?:for|on|in|with)\s+"
    r"(?:the\s+)?[`*]*$",
    re.IGNORECASE,
)
# "停止对 X 的微调支持", "的 function calling 支持": a feature X has, not X
FEATURE_OWNED = re.compile(
    r"[`*]*\s*的\s*(?:微调|训练|函数调用|工具调用|批量|批处理|流式|插件|fine[- ]?tun\w*|"
    r"function calling|tool use|batch|streaming)",
    re.IGNORECASE,
)
FEATURE_ITEM = re.compile(
    r"^\s*(/|openai-beta|new fine-tuning|fine-tuning)|\bAPI\b|\bendpoints?\b|\bparameters?\b|"
    r"=|\bheader\b|\bSDK\b|\bintegration\b|\bWeb UI\b",
    re.IGNORECASE,
)
ANNOUNCE_VERB = re.compile(
    # "On D, we notified ...", "D, Acme announced ..."; not "D (previously announced as D2)",
    # where the announcement is of the other date, nor "D. Announced D2." (the next sentence)
    r"^[^\w.;!?。]*(?:,\s*)?(?!(?:previously|originally|initially|first|earlier)\b)\w*\s*"
    r"(?:notified|emailed|announced|informed)(?!\s+(?:as|for)\b)",
    re.IGNORECASE,
)
REGION = re.compile(r"\((?!all regions)[^)]*\b(regions?|us-|eu-|ap-|only in)\b[^)]*\)", re.I)
PAST = re.compile(
    r"\b(has been|have been|was|were|is no longer|are no longer|retired|shut down|removed)\b",
    re.IGNORECASE,
)
# A model named in a condition or a time reference is not what is retired: "will be shut
# down two weeks after `x-2` launches", "90 days after `x-4` becomes generally available".
_CONDITION = re.compile(
    r"\b(?:once|when|whenever|until|if|unless|after|before|following)\b", re.IGNORECASE
)
# No sentence break after a month abbreviation ("retired on Jan. 31, 2027").
_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct")
_NO_BREAK = "".join(f"(?<!\\b{m}\\.)" for m in (*_MONTH_ABBREVIATIONS, "Nov", "Dec"))
_SENTENCE_ENDS = ".!?。:"  # SENTENCE splits only after one of these
SENTENCE = re.compile(rf"(?<=[.!?。]){_NO_BREAK}\s+(?=[\w`(\"“])|(?<=。)|(?<=:)\s+(?=[A-Z])")


# What follows a mention that is the grammatical subject of a deprecation predicate, possibly
# coordinated with other subjects ("X and the Y series are no longer available").
_SUBJECT_OF = re.compile(
    r"^[`*]*(?:\s*(?:,|\band\b|\bor\b|&)\s*(?:the\s+)?[`*]*[\w.:/-]+"
    r"(?:\s+[A-Z0-9][\w.-]*){0,3}[`*]*"
    r"(?:\s+(?:series|models?|family|snapshots?))?)*[`*]*\s*"
    r"(?:(?:series|family|models?|snapshots?)\s+)?"
    r"(?:is|are|was|were|has been|have been|will be|will|is being|are being)\s+"
    r"(?:now\s+|also\s+|officially\s+|being\s+|permanently\s+)?"
    r"(?:no longer\b|deprecat|retir|discontinu|shut\s*down|sunset|remov|decommission)",
    re.IGNORECASE,
)


# Consumer products whose model menu changes independently of the API. A change there is
# recorded with scope "product:<slug>" and reaches only teams that declare the product.
PRODUCTS = (
    ("chatgpt", re.compile(r"ChatGPT(?! ?API)")),
    ("claude-app", re.compile(r"\bClaude(?:\.ai| apps?\b)")),
    ("gemini-app", re.compile(r"\bGemini apps?\b")),
    ("copilot", re.compile(r"\b(?:Microsoft|GitHub) Copilot\b")),
    ("le-chat", re.compile(r"\bLe Chat\b")),
)
API_CONTEXT = re.compile(
    r"\bAPIs?\b|\bendpoints?\b|\bdevelopers?\b|\bSDK\b|应用编程接口|开发者|接口", re.IGNORECASE
)
# Cheap tests before the regexes: the word each product pattern needs (they are case-sensitive;
# a product without an entry always runs its pattern), and the pieces of API_CONTEXT.
PRODUCT_WORDS = {
    "chatgpt": "ChatGPT",
    "claude-app": "Claude",
    "gemini-app": "Gemini app",
    "copilot": " Copilot",
    "le-chat": "Le Chat",
}
_API_PIECES = ("api", "endpoint", "developer", "sdk", "应用编程接口", "开发者", "接口")


def product_of(text: str) -> str | None:
    """The product a text is about when it names one and says nothing of the API."""
    if may_contain(text, _API_PIECES) and API_CONTEXT.search(text):
        return None
    return next(
        (
            slug
            for slug, pattern in PRODUCTS
            if PRODUCT_WORDS.get(slug, "") in text and pattern.search(text)
        ),
        None,
    )


# Real sentences are short (the corpus's longest is under 700 characters); a longer run is cut
# into pieces of at most this size, at a space where there is one, so per-sentence work
# (which looks back over the sentence for each mention) stays linear in the page size.
MAX_SENTENCE = 2000


def sentences(text: str) -> list[str]:
    """Sentences of a text. A short label before a colon stays with what follows it
    ("GPT-4.5 Preview: Deprecated large model." is one statement about the label)."""
    return list(_sentence_tuple(text))  # a new list each call: callers may change it


@lru_cache(maxsize=8192)
def _sentence_tuple(text: str) -> tuple[str, ...]:
    out: list[str] = []
    split = SENTENCE.split(text) if any(c in text for c in _SENTENCE_ENDS) else [text]
    for part in (p.strip() for p in split):
        if not part:
            continue
        if out and out[-1].endswith(":") and len(out[-1].split()) <= 6:
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return tuple(piece for s in out for piece in _pieces(s) if piece)


def _pieces(sentence: str) -> list[str]:
    if len(sentence) <= MAX_SENTENCE:
        return [sentence]
    out = []
    while len(sentence) > MAX_SENTENCE:
        cut = sentence.rfind(" ", MAX_SENTENCE // 2, MAX_SENTENCE)
        cut = cut if cut > 0 else MAX_SENTENCE
        out.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    return [*out, sentence]


_WEAK = frozenset({"older", "legacy"})


def only_weak_cues(text: str) -> bool:
    """True when the text's only deprecation words are descriptive ("older", "legacy"): a
    catalogue blurb ("GPT-4: An older high-intelligence model"), not an announcement."""
    if not may_contain(text, _WEAK):
        return False  # no weak word: the words found (if any) are not all weak
    words = {m.group(0).lower() for m in DEPRECATION.finditer(_without_non_announcements(text))}
    return bool(words) and words <= _WEAK


# Every alternative of DEPRECATION contains one of these (lowercased) pieces: a text with none
# of them cannot match, and most sentences are dismissed by this substring test alone.
_DEPRECATION_PIECES = (
    "deprecat", "retir", "shut", "sunset", "discontinu", "remov", "end-of", "end of", "eol",
    "turn", "ceas", "no longer", "availab", "support", "accessib", "serv", "fail", "working",
    "withdraw", "decommission", "upgrade", "older", "legacy", "instead", "replace", "remain",
    "respond", "accepting", "error", "offline", "away", "phase", "last day", "access", "provid",
    "includ", "offer", "redirect", "re-direct", "routed", "forward", "drop support", "return",
    "be able to", "migrat", "move", "moving", "transition", "continue", "keep", "running",
    "have until",
)  # fmt: skip
# a Chinese or Japanese character
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _may_deprecate(text: str) -> bool:
    low = text.lower()
    for piece in _DEPRECATION_PIECES:  # a plain loop: cheaper than any() over a generator
        if piece in low:
            return True
    return bool(CJK.search(text))


@lru_cache(maxsize=8192)
def announces_deprecation(text: str) -> bool:
    if not _may_deprecate(text):
        return False
    return bool(DEPRECATION.search(_without_non_announcements(text)))


# Every alternative of NOT_ANNOUNCEMENT contains one of these (lowercased) pieces.
_NOT_ANNOUNCEMENT_PIECES = (
    "not", "deprecation policy", "deprecation process", "deprecation schedule", "planned",
    "scheduled", "announced", "upgraded to", "no longer deprecated", "no longer being deprecated",
    "cancel", "postponed", "reversed", "withdrawn", "rescinded", "called off", "put on hold",
    "none", "has", "have",
)  # fmt: skip


def _without_non_announcements(text: str) -> str:
    """`NOT_ANNOUNCEMENT.sub(" ", text)`, skipped on a text without any of its pieces."""
    if not may_contain(text, _NOT_ANNOUNCEMENT_PIECES):
        return text
    return NOT_ANNOUNCEMENT.sub(" ", text)


# a clause of its own between a mention and a later cue: "any GPT-5.4 model, so it is time to
# retire the previews" retires the previews, not GPT-5.4
_NEXT_CLAUSE = re.compile(r",\s*(?:so|and|but|because|while|which|as|since)\b|;", re.IGNORECASE)
_FEATURE_NOUN_AFTER_CUE = re.compile(
    r"^\w*\s+(?:the\s+)?[\w`*-]*\s*(?:options?|parameters?|fields?|flags?|headers?|arguments?|"
    r"settings?|endpoints?|features?|modes?)\b",
    re.IGNORECASE,
)
_ARROW_BEFORE = re.compile(r"(?:→|->|=>|⟶)\s*[`*\"']*$")
_INSTEAD_OF = re.compile(r"\binstead of\b", re.IGNORECASE)
# A model ID among the cue words: "latest", "new" or "legacy" inside `x-44-latest` are part
# of a name, not words of the sentence (an ID has a digit and a hyphen; "end-of-life" has none).
_HYPHENATED = re.compile(r"[A-Za-z0-9._]+(?:-[A-Za-z0-9._]+)+")


@lru_cache(maxsize=4096)
def _without_ids(text: str) -> str:
    return _HYPHENATED.sub(
        lambda m: " " * len(m.group(0)) if any(c.isdigit() for c in m.group(0)) else m.group(0),
        text,
    )


def polarity(sentence: str, start: int, end: int) -> str:
    """'deprecated' | 'active' | 'feature' for the mention at [start, end)."""
    masked = _without_ids(sentence)  # once per sentence: its mentions share it
    before = masked[:start]
    after = masked[end:]
    if (
        FEATURE_BEFORE.search(before[-80:])
        or FEATURE_SUBJECT.search(before[-120:])
        or FEATURE_OWNED.match(after)
    ):
        return "feature"
    if _ARROW_BEFORE.search(before[-8:]):
        return "active"  # "`a`: retiring D → `b`": what the arrow points at replaces

    if re.match(
        r"\s*(?:model\s+)?(?:\)|,)?\s*(?:instead\b|is now the stable|is now generally|"
        r"is generally available|is available|as (?:a|the|its|their) (?:replacement|successor)|"
        # the model that replaces: "`c-2` is its successor", "`c-2` replaces `c-1`"
        r"(?:is|will be|becomes) (?:its|their|the) (?:successor|replacement)\b|"
        r"(?:replaces|supersedes|succeeds|will replace|takes (?:its|their) place)\b|"
        # the subject of a verb of staying: "GPT-5.2 remains the flagship"
        r"(?:remains|stays|will remain|will stay|continues to be|is still)\b)",
        after,
        re.IGNORECASE,
    ):
        return "active"
    if _SUBJECT_OF.match(after):
        # "Following the K3 launch, `a-1` and the `b` series are no longer available": the
        # mention is the subject of a deprecation predicate; an introductory phrase's cue
        # ("launch") does not describe it.
        return "deprecated"
    last_dep = max((m.end() for m in DEPRECATION.finditer(before)), default=-1)
    last_act = max((m.end() for m in ACTIVE.finditer(before)), default=-1)
    if last_act >= 0 and last_act >= last_dep:
        return "active"
    if last_dep >= 0:
        if _FEATURE_NOUN_AFTER_CUE.search(before[last_dep:]):
            return "feature"  # "the deprecated `truncate` option, which `x-2` does not accept"
        if _CONDITION.search(before[last_dep:]):
            # "features will be retired once `gpt-4` vision-preview is upgraded": the model
            # names the condition, it is not what is retired.
            return "feature"
        return "deprecated"
    # "X instead of Y": "instead of" retires what follows it, never the model before it
    first_dep = DEPRECATION.search(_INSTEAD_OF.sub(lambda m: " " * len(m.group(0)), after))
    first_act = ACTIVE.search(after)
    if (
        first_dep
        and (not first_act or first_dep.start() <= first_act.start())
        and not _NEXT_CLAUSE.search(after[: first_dep.start()])
    ):
        return "deprecated"
    return "active"
